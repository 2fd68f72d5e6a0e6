#include "heap/gc_lists.hpp"

#include <fmt/format.h>

#include <array>
#include <string>

namespace pyxray {
namespace {

// 3.14.0-3.14.4 ran an incremental collector (gh-108362) over a young and two old spaces;
// 3.14.5 went back to three generations in the same place (the struct kept its shape).
std::array<const char*, 4> list_names(const GcListOffsets& lists, const PythonVersion& version) {
    bool incremental = lists.incremental && version.minor == 14 && version.micro >= 0 && version.micro < 5;
    if (incremental) return {"young", "old[0]", "old[1]", "permanent"};
    return {"0", "1", "2", "permanent"};
}

// _gc_prev's flag bits (PREV_MASK_COLLECTING, _PyGC_PREV_MASK_FINALIZED).
constexpr uint64_t kPrevFlags = 3;

struct GcLinks {
    uint64_t next;
    uint64_t prev;
};

// Follows one list from its head. A well-formed list comes back to its head, and each node's
// back link names the node before it; a loop into the list's middle or a foreign pointer breaks
// that, and ends the walk with a note rather than at the cap.
void walk_list(const Memory& memory, const GcListOffsets& lists, uint64_t head, const char* name,
               const HeapWalkLimits& limits, const GcObjectVisitor& visit, size_t& total,
               GcObjectWalk& walk) {
    GcListCount counted{name, 0};
    auto first = read_value<GcLinks>(memory, head);
    if (!first) {
        walk.notes.push_back(fmt::format("GC list {} at {:#x} is unreadable", name, head));
        walk.lists.push_back(counted);
        return;
    }
    uint64_t previous = head;
    uint64_t node = first->next & ~lists.next_mask;
    while (node != head) {
        if (total >= limits.max_objects) {
            walk.capped = true;
            walk.notes.push_back(
                fmt::format("stopped at {} objects (the cap) in GC list {}", limits.max_objects, name));
            break;
        }
        auto links = read_value<GcLinks>(memory, node);
        if (!links) {
            walk.notes.push_back(fmt::format("GC list {}: the object at {:#x} is unreadable after {} objects",
                                             name, node + lists.head_size, counted.count));
            break;
        }
        if ((links->prev & ~kPrevFlags) != previous) {
            walk.notes.push_back(
                fmt::format("GC list {} is broken at {:#x} after {} objects (its back link "
                            "does not name the object before it)",
                            name, node, counted.count));
            break;
        }
        if (visit)
            visit(node + lists.head_size);
        else
            walk.objects.push_back(node + lists.head_size);
        ++counted.count;
        ++total;
        previous = node;
        node = links->next & ~lists.next_mask;
    }
    walk.lists.push_back(counted);
}

}  // namespace

GcObjectWalk gc_list_objects(const Memory& memory, const GcListOffsets& lists, uint64_t state,
                             const PythonVersion& version, const HeapWalkLimits& limits,
                             const GcObjectVisitor& visit) {
    GcObjectWalk walk;
    auto names = list_names(lists, version);
    size_t total = 0;
    for (size_t i = 0; i < names.size(); ++i)
        walk_list(memory, lists, state + lists.lists[i], names[i], limits, visit, total, walk);
    return walk;
}

}  // namespace pyxray
