// A live process as the debugger's side of a container sees it: its own mount namespace or root
// (the paths it names are not ours) and its own PID namespace (the thread ids it keeps are not
// ours). Read from /proc; every answer degrades to "same as ours" when /proc cannot tell.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace pyxray {

// Whether process `pid` sees another filesystem than this process does: another mount
// namespace, or another root directory (chroot, pivot_root).
bool has_own_filesystem(int pid);

// "/proc/PID/root": the process's root directory, through which its own paths are opened.
std::string root_of_process(int pid);

// The process's threads: the id its own PID namespace gives each (NSpid's last field) -> the id
// in ours (the first). Empty when the process is in our PID namespace.
std::unordered_map<int64_t, int64_t> our_tids_by_namespace_tid(int pid);

// Whether /proc says the process is in our PID namespace (false when it cannot tell).
bool in_our_pid_namespace(int pid);

}  // namespace pyxray
