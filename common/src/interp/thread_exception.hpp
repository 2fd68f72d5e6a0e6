// The exception a thread state is raising or handling (what sys.exc_info() would return in
// that thread), decoded from memory.
#pragma once

#include <cstdint>
#include <optional>

#include "layout/offsets.hpp"
#include "objects/object_reader.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

// The exception being raised when one is set, else the innermost one being handled; nothing
// when neither. Fails when the thread state or its exception stack is unreadable.
Result<std::optional<ThreadException>> read_thread_exception(const Memory& memory, const Offsets& offsets,
                                                             const ObjectReader& objects, uint64_t tstate);

}  // namespace pyxray
