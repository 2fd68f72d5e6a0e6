// Tells a free-threaded CPython (Py_GIL_DISABLED, PEP 703, `python3.13t`) from a default one:
// the two lay out every object differently, so the layout table depends on it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

// Objects/object.c defines it only under Py_GIL_DISABLED (the shared half of the split
// reference count), and exports it: present in .dynsym of every free-threaded libpython or
// executable, stripped or not.
inline constexpr std::string_view kFreeThreadedSymbol = "_Py_DecRefShared";

// What the binary holding _PyRuntime says about its build, and why.
struct BinaryBuildKind {
    BuildKind kind;
    std::string why;  // "libpython3.13t.so defines _Py_DecRefShared"
};

// From the module's symbols (read with kFreeThreadedSymbol among the names asked for; null
// when there are none to read) and its file name ("python3.13t", "libpython3.13t.so.1.0").
// Nothing when neither tells: a symbol-less module whose name has no "t" suffix.
std::optional<BinaryBuildKind> build_kind_from_binary(const ModuleSymbols* symbols, const std::string& path);

// The build of the CPython whose _PyRuntime is at `runtime`. From 3.13 the target's own
// _Py_DebugOffsets states it (free_threaded); the binary's evidence must agree, and a mismatch
// is refused (Unsupported), naming both. When the table is damaged or absent (before 3.13) the
// binary decides, and a default build is assumed when nothing tells.
Result<BuildKind> detect_build_kind(const Memory& memory, uint64_t runtime, const PythonVersion& version,
                                    const std::optional<BinaryBuildKind>& from_binary);

}  // namespace pyxray
