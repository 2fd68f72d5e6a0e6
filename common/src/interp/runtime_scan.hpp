// Finding _PyRuntime without symbols (3.13+): its first field, _Py_DebugOffsets, starts with
// the cookie "xdebugpy", so scan the target's writable memory for it. A cookie alone proves
// nothing (a copy of libpython's data read into the heap has one too): the locator checks the
// table behind each candidate and then that the runtime leads to an interpreter.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

struct CookieScanLimits {
    uint64_t max_bytes = uint64_t{512} << 20;  // in all regions together
    size_t chunk_bytes = size_t{1} << 20;      // one read; big reads bypass the page cache
    size_t max_candidates = 256;               // cookies offered to `accept`
};

// What a scan covered, for the message that says what was tried.
struct CookieScanReport {
    size_t regions = 0;  // writable regions scanned, in whole or part
    uint64_t bytes = 0;
    size_t cookies = 0;         // candidates offered
    bool hit_byte_cap = false;  // stopped at max_bytes (or max_candidates) before the end
    std::string summary() const;
};

// Offers each 8-aligned "xdebugpy" in the writable regions to `accept`, regions that name
// python first (libpython's or the executable's data), then other files', then anonymous
// ones; returns the first address `accept` takes.
std::optional<uint64_t> scan_for_debug_cookie(const Memory& memory, std::vector<MemoryRegion> regions,
                                              const CookieScanLimits& limits,
                                              const std::function<bool(uint64_t address)>& accept,
                                              CookieScanReport& report);

// The version field that follows the cookie (same place in every _Py_DebugOffsets so far);
// fails unless the cookie is at `runtime` and the version is a 3.13+ PY_VERSION_HEX.
Result<PythonVersion> debug_offsets_version(const Memory& memory, uint64_t runtime);

// Whether runtime->interpreters_head (by `offsets`) points to readable memory shaped like a
// PyInterpreterState: a small non-negative id, a readable or null `next`, and a first thread
// state (if any) whose `interp` points back.
Result<void> check_interpreters_head(const Memory& memory, uint64_t runtime, const Offsets& offsets);

}  // namespace pyxray
