// lldb-16 has no debuginfod client of its own (later LLDBs do): with DEBUGINFOD_URLS naming a
// server, the plugin asks it, by build-id, for the debug info of each module LLDB has no symbol
// table for, and hands what it gets to LLDB (`target symbols add`), so a stripped extension's
// static functions get their names in py-xbt and in LLDB's own `bt`. Once per module a session.
#pragma once

#include <lldb/API/SBTarget.h>

namespace pyxray::lldb_plugin {

void add_symbols_from_debuginfod(lldb::SBTarget& target);

}  // namespace pyxray::lldb_plugin
