// What gdb's Python side hands over for one `py-xbt`, and the core pipeline that answers it.
// Kept free of pybind11 so the pipeline reads as plain pyxray code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pyxray/frame_commands.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/refwatch.hpp"
#include "pyxray/result.hpp"
#include "pyxray/session.hpp"
#include "pyxray/target.hpp"
#include "pyxray/tasks.hpp"

namespace pyxray::gdb {

struct XbtRequest {
    TargetInfo info;
    // Empty for a live process: the bridge reads /proc/PID/maps itself.
    std::optional<std::vector<ModuleInfo>> modules;
    std::vector<ThreadInfo> threads;
    std::map<int64_t, std::vector<NativeFrame>> frames;
    // Empty for a live process: the bridge reads /proc/PID/mem itself, which works while gdb
    // is the tracer and avoids a round trip through Python per page.
    std::optional<ReadCallback> read_memory;
    // The mappings to scan for the runtime when no symbol names it. Empty: a live process's
    // come from /proc/PID/maps; other targets then have none (the scan is not tried).
    std::optional<std::vector<MemoryRegion>> regions;
    XbtOptions options;
    bool json = false;
    bool color = false;  // ANSI styles in text output
    // py-threads: the one-line-per-thread view (with each stack under its line when `stacks`)
    // instead of py-xbt's; its JSON is py-xbt's document.
    bool threads_view = false;
    bool stacks = false;
};

// Builds the target, opens a session, takes the snapshot and renders it (text or JSON).
Result<std::string> run_xbt(XbtRequest request);

// py-up, py-locals, ... on thread `tid` whose selected Python frame is `selected`; the
// request's options and json are not used.
Result<FrameCommandOutput> run_frame_command(XbtRequest request, int64_t tid, size_t selected,
                                             const FrameCommand& command);

// py-sample: one target and session kept across the stops of a sampling run, so the runtime
// is located once and only threads, stacks and memory are read again.
class SampleSession {
public:
    // The first stop's request builds the target and opens the session.
    static Result<std::unique_ptr<SampleSession>> open(XbtRequest first);
    // The first stop's snapshot, then each later stop's (its threads and native frames).
    Result<Snapshot> take(XbtOptions options);  // reuses thread names (XbtOptions::reuse_thread_names)
    Result<Snapshot> take(std::vector<ThreadInfo> threads, std::map<int64_t, std::vector<NativeFrame>> frames,
                          const XbtOptions& options);

private:
    SampleSession(std::unique_ptr<StaticTarget> target, Session session);
    std::unique_ptr<StaticTarget> target_;  // the session points at it
    Session session_;
};
// py-tasks: its text or JSON (pyxray/tasks.hpp).
Result<std::string> run_tasks(XbtRequest request, const TasksCommand& command);
// py-refcnt and py-refwatch (pyxray/refwatch.hpp): the object's refcount, type and repr.
Result<RefcntReport> run_refcnt(XbtRequest request, uint64_t address);
// The innermost Python frame of thread `tid`, or nothing when it runs none.
Result<std::optional<SourceSite>> run_python_site(XbtRequest request, int64_t tid);
// The object `py:NAME` names in thread `tid`'s `selected`-th Python frame.
Result<uint64_t> run_python_name(XbtRequest request, int64_t tid, size_t selected, const std::string& name);
// Where the target's objects keep their refcount: (offset, size) of each field to watch, in
// `fields` (an out-parameter: GCC 12 warns falsely about a vector inside this Result).
Result<void> run_refcount_fields(XbtRequest request, std::vector<std::pair<uint64_t, uint64_t>>& fields);

// Modules of a core file from its NT_FILE note; with gdb's sysroot, a module whose copy under it
// has the build-id the core holds is named by that copy, the path gdb loads it from too.
Result<std::vector<ModuleInfo>> core_modules(const std::string& core_path, const std::string& sysroot);
// Memory regions of a core file (its PT_LOAD segments).
Result<std::vector<MemoryRegion>> core_regions(const std::string& core_path);

}  // namespace pyxray::gdb
