// The target one gdb command runs on, as gdb's Python collected it (the bridge's `Target`,
// built once per command and handed to every call), and the core pipelines that answer each
// command on it. Kept free of pybind11 so the pipelines read as plain pyxray code.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pyxray/frame_commands.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/refwatch.hpp"
#include "pyxray/result.hpp"
#include "pyxray/sampling.hpp"
#include "pyxray/session.hpp"
#include "pyxray/target.hpp"
#include "pyxray/xbt_command.hpp"

namespace pyxray::gdb {

struct BridgeTarget {
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
};

// The core's Target over it (its threads and frames copied: a BridgeTarget serves many calls).
Result<std::unique_ptr<StaticTarget>> static_target(const BridgeTarget& target);

// Builds the core's target, opens a session on it and hands it to `use`.
template <class Use>
auto with_session(const BridgeTarget& bridge, Use use) -> decltype(use(std::declval<const Session&>())) {
    PYXRAY_TRY(target, static_target(bridge));
    PYXRAY_TRY(session, Session::open(*target));
    return use(session);
}

// py-xbt: only `selected_tid` without --all-threads.
Result<std::string> run_xbt(const BridgeTarget& target, const XbtCommand& command, int64_t selected_tid);
// py-threads.
Result<std::string> run_threads(const BridgeTarget& target, const ThreadsCommand& command);
// py-up, py-locals, ... on thread `tid` whose selected Python frame is `selected`.
Result<FrameCommandOutput> run_frame_command(const BridgeTarget& target, int64_t tid, size_t selected,
                                             const FrameCommand& command);
// py-refcnt and py-refwatch (pyxray/refwatch.hpp): the object's refcount, type and repr.
Result<RefcntReport> run_refcnt(const BridgeTarget& target, uint64_t address);
// The innermost Python frame of thread `tid`, or nothing when it runs none.
Result<std::optional<SourceSite>> run_python_site(const BridgeTarget& target, int64_t tid);
// The object `py:NAME` names in thread `tid`'s `selected`-th Python frame.
Result<uint64_t> run_python_name(const BridgeTarget& target, int64_t tid, size_t selected,
                                 const std::string& name);
// Where the target's objects keep their refcount: (offset, size) of each field to watch, in
// `fields` (an out-parameter: GCC 12 warns falsely about a vector inside this Result).
Result<void> run_refcount_fields(const BridgeTarget& target,
                                 std::vector<std::pair<uint64_t, uint64_t>>& fields);

// One stop of a sampling run, as gdb's Python collected it.
struct CollectedStop {
    std::vector<ThreadInfo> threads;
    std::map<int64_t, std::vector<NativeFrame>> frames;
    int64_t selected_tid = 0;
};

// What gdb's Python does for py-sample (bridge_sample.cpp).
struct SampleCallbacks {
    // Lets the process run for about `seconds`; why it stopped otherwise, when it did. With
    // `cpu`, which threads are on a CPU is read just before the stop.
    std::function<std::optional<std::string>(double seconds, ThreadCpuStates* cpu)> let_run;
    // The threads now (every one, or the selected one) with their native frames (unless
    // Python-only); an error ends the run, its message saying why.
    std::function<Result<CollectedStop>(bool all_threads, bool with_frames)> take;
    std::function<bool()> interrupted;  // Ctrl-C
    std::function<void(const std::string& line)> progress;
};

// py-sample on a live `target` (its threads and frames unused: each stop brings its own):
// parses the words, paces the callbacks, adds up every stop's merged stacks, writes -o FILE
// and returns the console text.
Result<std::string> run_sample(const BridgeTarget& target, const std::vector<std::string>& words,
                               const SampleCallbacks& callbacks);

// Modules of a core file from its NT_FILE note; with gdb's sysroot, a module whose copy under it
// has the build-id the core holds is named by that copy, the path gdb loads it from too.
Result<std::vector<ModuleInfo>> core_modules(const std::string& core_path, const std::string& sysroot);
// Memory regions of a core file (its PT_LOAD segments).
Result<std::vector<MemoryRegion>> core_regions(const std::string& core_path);

}  // namespace pyxray::gdb
