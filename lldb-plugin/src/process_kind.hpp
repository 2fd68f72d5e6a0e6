// Core or live, from the one property LLDB 16's SB API states about a process that tells them
// apart: the name of its process plugin (SBProcess::GetPluginName()). LLDB 16's SBProcess has no
// IsLiveDebugSession(). Pure, so the unit tests check it without liblldb.
#pragma once

#include <array>
#include <string_view>

namespace pyxray::lldb_plugin {

// LLDB's process plugins that read a file rather than drive a process, by
// ProcessX::GetPluginNameStatic(): Linux/FreeBSD ELF cores, macOS Mach-O cores (not
// "mach-core"), minidumps, and FreeBSD kernel vmcores (built only where libfbsdvmcore is).
inline constexpr std::array<std::string_view, 4> kCoreProcessPlugins = {"elf-core", "mach-o-core", "minidump",
                                                                        "freebsd-kernel"};

// A plugin LLDB might add later is taken for a core when its name says so ("...-core"): every
// live plugin LLDB 16 has (gdb-remote, kdp-remote, wasm, ScriptedProcess, windows) is named
// otherwise, and running a core would be worse than refusing to sample a live process.
constexpr bool is_core_process_plugin(std::string_view plugin) {
    for (std::string_view core : kCoreProcessPlugins)
        if (plugin == core) return true;
    return plugin.ends_with("-core");
}

}  // namespace pyxray::lldb_plugin
