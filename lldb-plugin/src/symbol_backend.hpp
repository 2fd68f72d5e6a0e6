// Where the plugin reads modules' symbols and sections from: the ELF files on disk ("direct",
// as the CLI and gdb do), or LLDB's own view of each module through the SB API alone ("sbapi":
// what a macOS (Mach-O) target needs). "auto" picks direct for Linux targets only.
#pragma once

#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBTarget.h>

#include <string>
#include <string_view>

#include "pyxray/result.hpp"

namespace pyxray::lldb_plugin {

enum class SymbolBackend { Auto, Direct, SbApi };

// The backend chosen with `py-backend` or PYXRAY_LLDB_BACKEND (Auto unless either said).
SymbolBackend chosen_backend();
// What the chosen backend means for `target`: never Auto.
SymbolBackend backend_for(lldb::SBTarget& target);

// Reads PYXRAY_LLDB_BACKEND at plugin load; an empty string when it is unset or valid, else
// the one-line warning to print (the setting then stays auto).
std::string backend_from_environment();

// `py-backend [auto|direct|sbapi]`.
bool add_backend_command(lldb::SBCommandInterpreter& interpreter);

}  // namespace pyxray::lldb_plugin
