#include "debuginfod_symbols.hpp"

#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBModule.h>
#include <lldb/API/SBSection.h>

#include <cctype>
#include <set>
#include <string>

#include "pyxray/debuginfod.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

// LLDB spells a GNU build-id as upper-case hex in dashed groups; debuginfod wants plain hex.
std::string build_id_of(lldb::SBModule& module) {
    const char* uuid = module.GetUUIDString();
    std::string hex;
    for (const char* c = uuid; c != nullptr && *c != '\0'; ++c)
        if (std::isxdigit(static_cast<unsigned char>(*c))) hex += static_cast<char>(std::tolower(*c));
    return hex;
}

// Debug info already found, by LLDB or from an earlier ask: a .symtab in the module itself, or a
// symbol file other than the module.
bool has_symbols(lldb::SBModule& module) {
    if (module.FindSection(".symtab").IsValid()) return true;
    lldb::SBFileSpec symbols = module.GetSymbolFileSpec();
    return symbols.IsValid() && path_of(symbols) != path_of(module.GetFileSpec());
}

// A path as one argument of an LLDB command.
std::string quoted(const std::string& path) {
    std::string out = "\"";
    for (char c : path) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

}  // namespace

void add_symbols_from_debuginfod(lldb::SBTarget& target) {
    if (!debuginfod_servers_named()) return;
    static std::set<std::string> asked;  // build-ids, for the whole session: a miss is not retried
    for (uint32_t index = 0; index < target.GetNumModules(); ++index) {
        lldb::SBModule module = target.GetModuleAtIndex(index);
        std::string build_id = build_id_of(module);
        if (build_id.empty() || has_symbols(module) || !asked.insert(build_id).second) continue;
        auto file = fetch_from_debuginfod(DebuginfodFile::DebugInfo, build_id);
        if (!file) continue;
        lldb::SBCommandReturnObject result;
        std::string command = "target symbols add " + quoted(*file);
        target.GetDebugger().GetCommandInterpreter().HandleCommand(command.c_str(), result);
    }
}

}  // namespace pyxray::lldb_plugin
