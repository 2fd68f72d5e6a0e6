// A live process as /proc tells it: its mappings, modules, threads and command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pyxray/memory.hpp"
#include "pyxray/result.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

// A module's first mapping, as /proc/PID/maps lists it: what /proc/PID/map_files names the
// mapped file by, and that file's inode.
struct ModuleMapping {
    uint64_t start = 0;
    uint64_t end = 0;
    uint64_t inode = 0;
};
// A live process that sees another filesystem than ours (a container) names files of its own:
// each module's file is its own through /proc/PID/root, or ours at the same path, accepted only
// with the build-id its ELF header in `memory` holds; when neither is (the file was replaced or
// removed since it was mapped, as an upgrade inside the container does), the mapped file itself
// through /proc/PID/map_files (readable with CAP_SYS_ADMIN only). Without a build-id only a file
// with the mapping's inode is accepted. `mappings` runs parallel to `modules`. Status Mapped,
// Missing or Mismatch as for a core. A process that shares our filesystem keeps them Unchecked,
// but for files removed since they were mapped (maps says "(deleted)": an upgrade of a running
// service), read through map_files as above.
void resolve_live_modules(std::vector<ModuleInfo>& modules, const std::vector<ModuleMapping>& mappings,
                          int pid, const Memory& memory);
// One module of a live process whose root is `root` (empty: ours), its mapped file readable (for
// the privileged) at `mapped_file`; what resolve_live_modules does for each it checks.
void resolve_live_module(ModuleInfo& module, const std::string& root, const std::string& mapped_file,
                         uint64_t mapped_inode);
// Modules of a live process from /proc/PID/maps (resolved as resolve_live_modules says).
Result<std::vector<ModuleInfo>> modules_of_process(int pid);
// A live process's command line from /proc/PID/cmdline, its arguments joined by spaces as a
// core's pr_psargs holds them; empty when unreadable (a zombie, another user's process).
std::string command_line_of_process(int pid);
// A live thread's state letter from /proc/PID/task/TID/stat (R running, S sleeping, t traced,
// Z zombie...); 0 when it cannot be read.
char thread_run_state(int pid, int64_t tid);
// Thread ids of a live process from /proc/PID/task.
Result<std::vector<int64_t>> threads_of_process(int pid);
// Readable mappings of a live process from /proc/PID/maps.
Result<std::vector<MemoryRegion>> memory_regions_of_process(int pid);

}  // namespace pyxray
