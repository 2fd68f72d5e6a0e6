// Where the heap census (py-heap, `pyxray heap`, issue 21) finds the objects the garbage collector
// tracks: what gc.get_objects() would return. Default builds link them in the GC's generation
// lists (gc_lists.cpp); free-threaded builds keep no lists, and their objects are found in
// mimalloc's GC heaps (mimalloc_objects.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pyxray {

struct HeapWalkLimits {
    size_t max_objects = 50'000'000;  // a cap on objects listed, said in a note when reached
};

struct GcListCount {
    std::string name;
    uint64_t count = 0;
};

// Called with each object as the walk finds it, while its memory is still in the page cache.
using GcObjectVisitor = std::function<void(uint64_t object)>;

struct GcObjectWalk {
    std::vector<uint64_t> objects;   // PyObject* addresses, each once (none when a visitor took them)
    std::vector<GcListCount> lists;  // how many objects each GC list held (none in mimalloc walks)
    std::vector<std::string> notes;  // where a walk was cut short (a loop, a cap, unreadable memory)
    bool capped = false;             // HeapWalkLimits::max_objects was reached
};

}  // namespace pyxray
