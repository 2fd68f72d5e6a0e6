#include "heap/census.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <queue>
#include <unordered_map>

#include "heap/deep_census.hpp"
#include "heap/gc_lists.hpp"
#include "heap/interpreter_memory.hpp"
#include "heap/mimalloc_objects.hpp"
#include "heap/referrers.hpp"
#include "heap/type_counter.hpp"
#include "interp/interpreters.hpp"

namespace pyxray {
namespace {

constexpr size_t kMaxClasses = 1 << 18;  // classes remembered for class-attribute referrers

struct ContainerCandidate {
    uint64_t length;
    uint64_t address;
    uint64_t bytes;
    size_t type_index;
    int64_t interpreter_id;
    bool operator>(const ContainerCandidate& other) const { return length > other.length; }
};

class Census {
public:
    Census(const Memory& memory, const Offsets& offsets, const RuntimeInfo& runtime,
           const HeapOptions& options)
        : memory_(memory),
          offsets_(offsets),
          types_(memory, offsets, PythonVersion::from_hex(runtime.version_hex).minor, report_.types),
          options_(options) {}

    HeapReport& report() { return report_; }
    TypeCounter& types() { return types_; }
    const std::vector<uint64_t>& classes() const { return classes_; }
    uint64_t unreadable() const { return unreadable_; }

    void count_object(uint64_t object, HeapInterpreter& interpreter) {
        auto head = read_head(memory_, offsets_, object);
        const TypeSlot* slot = head ? types_.slot_for(head->type) : nullptr;
        if (!slot) {
            ++unreadable_;
            return;
        }
        ObjectSize size = object_size(memory_, offsets_, object, slot->sizing, head->ob_size);
        HeapType& entry = report_.types[slot->index];
        ++entry.count;
        entry.bytes += size.bytes;
        HeapTypeShare& share = share_of(entry, interpreter.id);
        ++share.count;
        share.bytes += size.bytes;
        ++interpreter.count;
        interpreter.bytes += size.bytes;
        if (is_container(slot->sizing.family)) consider_container(object, size, slot->index, interpreter.id);
        if (slot->metatype && classes_.size() < kMaxClasses) classes_.push_back(object);
    }

    // The longest containers, longest first.
    std::vector<HeapContainer> containers() {
        std::vector<ContainerCandidate> kept;
        for (; !longest_.empty(); longest_.pop()) kept.push_back(longest_.top());
        std::sort(kept.begin(), kept.end(), std::greater<>());
        std::vector<HeapContainer> out;
        out.reserve(kept.size());
        for (const auto& candidate : kept)
            out.push_back(HeapContainer{candidate.address,
                                        qualified_name(report_.types[candidate.type_index]),
                                        candidate.length,
                                        candidate.bytes,
                                        candidate.interpreter_id,
                                        {}});
        return out;
    }

private:
    static HeapTypeShare& share_of(HeapType& type, int64_t interpreter_id) {
        for (HeapTypeShare& share : type.interpreters)
            if (share.interpreter_id == interpreter_id) return share;
        return type.interpreters.emplace_back(HeapTypeShare{interpreter_id, 0, 0});
    }

    void consider_container(uint64_t object, const ObjectSize& size, size_t type_index,
                            int64_t interpreter_id) {
        if (options_.containers == 0) return;
        ContainerCandidate candidate{size.length, object, size.bytes, type_index, interpreter_id};
        if (longest_.size() < options_.containers) {
            longest_.push(candidate);
        } else if (candidate > longest_.top()) {
            longest_.pop();
            longest_.push(candidate);
        }
    }

    const Memory& memory_;
    const Offsets& offsets_;
    HeapReport report_;
    TypeCounter types_;
    const HeapOptions& options_;
    std::priority_queue<ContainerCandidate, std::vector<ContainerCandidate>, std::greater<>> longest_;
    std::vector<uint64_t> classes_;
    uint64_t unreadable_ = 0;
};

// Where an interpreter's collector keeps its objects: its own lists, 3.8's one set of lists
// in _PyRuntime (all the main interpreter's), or mimalloc's heaps in free-threaded builds.
Result<GcObjectWalk> tracked_objects(const Memory& memory, const Offsets& offsets, const RuntimeInfo& runtime,
                                     uint64_t interp, bool main, const HeapWalkLimits& limits,
                                     const GcObjectVisitor& visit) {
    if (runtime.free_threaded)
        return free_threaded_gc_objects(memory, offsets, runtime, interp, limits, visit,
                                        FrozenObjects::Included);
    PythonVersion version = PythonVersion::from_hex(runtime.version_hex);
    if (!offsets.gc_lists)
        return fail(
            ErrorCode::Unsupported,
            fmt::format("CPython {}{}: pyxray cannot find this build's tracked objects yet", runtime.version,
                        runtime.free_threaded
                            ? " (free-threaded: no GC lists, objects live in mimalloc's heaps)"
                            : ""));
    const GcListOffsets& lists = *offsets.gc_lists;
    if (!lists.state)
        return fail(ErrorCode::Unsupported,
                    fmt::format("CPython {}: the target's _Py_DebugOffsets did not say where the GC state is",
                                runtime.version));
    if (lists.in_runtime && !main)
        return fail(ErrorCode::Unsupported,
                    "its objects are on the lists of 3.8's one collector for the process, "
                    "counted under interpreter 0");
    uint64_t base = lists.in_runtime ? runtime.runtime_address : interp;
    return gc_list_objects(memory, lists, base + *lists.state, version, limits, visit);
}

void sort_types(std::vector<HeapType>& types, HeapOrder order) {
    std::stable_sort(types.begin(), types.end(), [order](const HeapType& a, const HeapType& b) {
        uint64_t ka = order == HeapOrder::Count ? a.count + a.untracked_count : a.bytes + a.untracked_bytes;
        uint64_t kb = order == HeapOrder::Count ? b.count + b.untracked_count : b.bytes + b.untracked_bytes;
        if (ka != kb) return ka > kb;
        return std::tie(a.module, a.qualname) < std::tie(b.module, b.qualname);
    });
}

}  // namespace

Result<HeapReport> take_census(const Target& target, const Offsets& offsets, const RuntimeInfo& runtime,
                               const HeapOptions& options) {
    const Memory& memory = target.memory();
    PYXRAY_TRY(list, read_interpreters(memory, offsets, runtime.runtime_address));
    if (list.interpreters.empty())
        return fail(ErrorCode::NotPython,
                    "the CPython runtime has no interpreter (not yet initialised, or finalised)");
    Census census(memory, offsets, runtime, options);
    HeapReport& report = census.report();
    report.notes = list.notes;
    HeapWalkLimits limits{options.max_objects};
    std::vector<uint64_t> tracked;  // every interpreter's objects, for --deep
    uint64_t counted = 0;
    std::optional<uint64_t> main;  // the interpreter whose id is 0: its allocator is reported
    // The list starts at the newest interpreter; the main one, last, is counted first.
    std::reverse(list.interpreters.begin(), list.interpreters.end());
    for (size_t i = 0; i < list.interpreters.size(); ++i) {
        uint64_t interp = list.interpreters[i];
        HeapInterpreter interpreter;
        interpreter.id = read_value<int64_t>(memory, interp + offsets.interpreter_state.id).value_or(-1);
        if (interpreter.id == 0) main = interp;
        // Counted as the lists are walked, while each object's page is in the cache.
        GcObjectVisitor visit = [&](uint64_t object) {
            census.count_object(object, interpreter);
            if (options.deep) tracked.push_back(object);
            if (options.progress && ++counted % kHeapProgressStep == 0) options.progress(counted);
        };
        auto walk = tracked_objects(memory, offsets, runtime, interp, i == 0, limits, visit);
        if (!walk) {
            if (i == 0) return fail(walk.error().code, walk.error().message);
            report.notes.push_back(fmt::format("interpreter {}: {}", interpreter.id, walk.error().message));
            continue;
        }
        interpreter.source = runtime.free_threaded ? "mimalloc heaps" : "gc lists";
        for (const auto& counted : walk->lists)
            interpreter.lists.push_back(HeapListCount{counted.name, counted.count});
        for (const auto& note : walk->notes)
            report.notes.push_back(fmt::format("interpreter {}: {}", interpreter.id, note));
        report.total_count += interpreter.count;
        report.total_bytes += interpreter.bytes;
        report.interpreters.push_back(std::move(interpreter));
    }
    if (census.unreadable())
        report.notes.push_back(
            fmt::format("{} objects on the GC lists could not be read (or their types) and are not "
                        "counted",
                        census.unreadable()));
    report.memory = interpreter_memory(target, offsets, runtime, main.value_or(list.interpreters.front()));
    report.containers = census.containers();
    name_referrers(memory, offsets, runtime, census.classes(), report.containers);
    if (options.deep) count_untracked(memory, offsets, census.types(), std::move(tracked), options, report);
    sort_types(report.types, options.order);
    report.target = target.info();
    report.runtime = runtime;
    return report;
}

}  // namespace pyxray
