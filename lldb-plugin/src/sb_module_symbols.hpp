// A module's symbols and sections as LLDB knows them, through SBModule and SBSection alone:
// no file is opened, so it serves targets whose modules are not ELF files here (macOS).
#pragma once

#include <lldb/API/SBModule.h>
#include <lldb/API/SBTarget.h>

#include <memory>

#include "pyxray/target.hpp"

namespace pyxray::lldb_plugin {

// The module of `target` whose header is loaded at `base`; fails when LLDB has none there.
Result<std::unique_ptr<ModuleSymbols>> sb_module_symbols(lldb::SBTarget& target, uint64_t base);

// How many symbol and section look-ups LLDB's module view has answered since the plugin loaded:
// `py-backend` shows it, so a user (or a test) can see that the sbapi path was taken.
uint64_t lookups_answered_by_lldb();

}  // namespace pyxray::lldb_plugin
