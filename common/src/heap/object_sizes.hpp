// What sys.getsizeof() says of an object, from its memory: the type's __sizeof__ for the builtin
// families whose size is not the type's basic size (list, dict, set), plus the pre-header
// CPython adds (the GC head, and 3.11+'s managed dict and weakref words).
#pragma once

#include <cstdint>

#include "layout/offsets.hpp"
#include "objects/decoder.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {

// The builtin base whose __sizeof__ and length a type inherits.
enum class SizeFamily : uint8_t { Plain, List, Tuple, Dict, Set, Str, Int, Type };

struct TypeSizing {
    SizeFamily family = SizeFamily::Plain;
    int64_t basicsize = 0;
    int64_t itemsize = 0;
    uint64_t extra = 0;  // the pre-header (GC head, managed dict and weakref words)
};

// `gc_head_size` is sizeof(PyGC_Head), 0 in free-threaded builds.
TypeSizing type_sizing(const objects::Decoder& decoder, const objects::TypeInfo& type, int minor,
                       uint64_t gc_head_size);

// An object's type and its variable-size header's count (meaningless for fixed-size objects),
// in one read where the object's memory allows.
struct ObjectHead {
    uint64_t type = 0;
    int64_t ob_size = 0;
};
Result<ObjectHead> read_head(const Memory& memory, const Offsets& offsets, uint64_t object);

// The object's size and, for a container, its length (items, keys, entries); `ob_size` is its
// variable-size header's count, already read.
struct ObjectSize {
    uint64_t bytes = 0;
    uint64_t length = 0;
};
ObjectSize object_size(const Memory& memory, const Offsets& offsets, uint64_t object,
                       const TypeSizing& sizing, int64_t ob_size);

}  // namespace pyxray
