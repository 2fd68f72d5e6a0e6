// py-refwatch's follow loop: the one sequence of resume, classify, read and record that gdb
// and LLDB drive through their hooks.
#include "pyxray/refwatch.hpp"

namespace pyxray {

namespace {

StopKind planned_kind(const RefwatchPlan& plan, uint64_t pc) {
    auto planned = plan.stops.find(pc);
    return planned != plan.stops.end() ? planned->second.kind : StopKind::Other;
}

}  // namespace

void follow_refwatch(RefWatch& watch, const RefwatchPlan& plan, const RefwatchHooks& hooks) {
    while (!watch.done()) {
        ObservedStop stop = hooks.resume();
        if (auto ended = classify_stop(stop, plan.code)) return watch.end(ended->first, ended->second);
        Result<Refcount> now = hooks.refcount();
        if (!now) return watch.end(RefwatchEnd::Freed, now.error().message);
        std::optional<SourceSite> python;
        if (watch.changed(*now)) python = hooks.python_site();
        std::string line =
            watch.record(choose_c_site(hooks.frames()), planned_kind(plan, stop.pc), *now, python);
        if (!line.empty()) hooks.print(line);
    }
    watch.end(RefwatchEnd::Count);
}

}  // namespace pyxray
