#include <fmt/format.h>

#include <algorithm>

#include "pyxray/path_names.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

ProfileFrame profile_frame(const StackFrame& frame) {
    if (frame.kind == StackFrame::Kind::Python) {
        const PyFrame& py = frame.python;
        return {true, py.qualname.empty() ? py.function : py.qualname, py.file, py.line};
    }
    const NativeFrame& native = frame.native;
    std::string name = native.function;
    if (name.empty()) {
        std::string_view module = path_basename(native.module);
        name = native.module_offset
                   ? fmt::format("{}+{:#x}", module.empty() ? "?" : module, *native.module_offset)
                   : fmt::format("{:#x}", native.pc);
    }
    return {false, std::move(name), native.module, -1};
}

// Distinct frames are told apart by everything a renderer shows.
// Built by hand into `key` (a buffer kept between calls): every frame of every sample passes
// here, and fmt::format cost a sampler at 10,000 samples/s a sixth of its time.
void frame_key(bool python, std::string_view name, std::string_view file, int line, std::string& key) {
    key.clear();
    key += python ? 'p' : 'n';
    key += '\x1f';
    key += name;
    key += '\x1f';
    key += file;
    key += '\x1f';
    key += std::to_string(line);
}

void frame_key(const ProfileFrame& frame, std::string& key) {
    frame_key(frame.python, frame.name, frame.file, frame.line, key);
}

// A Python frame's key without making its ProfileFrame (see profile_frame): most frames of a
// sample were seen before.
void python_frame_key(const PyFrame& frame, std::string& key) {
    frame_key(true, frame.qualname.empty() ? frame.function : frame.qualname, frame.file, frame.line, key);
}

// The last frame of a stack --idle keeps for a thread the mode would leave out.
const ProfileFrame idle_marker{false, "(idle)", "", -1};

bool mode_keeps(SampleMode mode, const ThreadStack& thread) {
    switch (mode) {
        case SampleMode::Cpu:
            return thread.on_cpu.value_or(true);
        case SampleMode::Gil:
            return thread.holds_gil.value_or(false);
        case SampleMode::Wall:
            break;
    }
    return true;
}

}  // namespace

std::string frame_label(const ProfileFrame& frame) {
    if (!frame.python) return frame.name;
    if (frame.line < 0) return fmt::format("{} ({})", frame.name, frame.file);
    return fmt::format("{} ({}:{})", frame.name, frame.file, frame.line);
}

uint32_t Profile::intern(ProfileFrame converted) {
    thread_local std::string key;
    frame_key(converted, key);
    if (auto found = frame_ids_.find(key); found != frame_ids_.end()) return found->second;
    auto id = static_cast<uint32_t>(frames_.size());
    frame_ids_.emplace(key, id);
    frames_.push_back(std::move(converted));
    return id;
}

ThreadTimeline& Profile::timeline_of(const ThreadStack& thread) {
    auto [found, inserted] = thread_ids_.try_emplace(thread.tid, threads_.size());
    if (inserted) threads_.push_back(ThreadTimeline{thread.tid, {}, {}});
    ThreadTimeline& timeline = threads_[found->second];
    // A thread sampled before threading registered it has only its OS name at first.
    bool better = timeline.name.empty() || (timeline.name_source != NameSource::Threading &&
                                            thread.name_source == NameSource::Threading);
    if (better && thread.name && !thread.name->empty()) {
        timeline.name = *thread.name;
        timeline.name_source = thread.name_source;
    }
    return timeline;
}

void Profile::add(const Snapshot& snapshot, double time_s) {
    for (const ThreadStack& thread : snapshot.threads) {
        // An unmerged thread's frames are its Python stack; its native one is set aside.
        if (thread.frames.empty()) continue;
        bool kept = mode_keeps(mode_, thread);
        if (!kept && !idle_) continue;
        ThreadSample sample{time_s, {}, !kept};
        sample.stack.reserve(thread.frames.size() + 1);
        for (auto frame = thread.frames.rbegin(); frame != thread.frames.rend(); ++frame) {
            thread_local std::string key;
            if (frame->kind == StackFrame::Kind::Python) {
                python_frame_key(frame->python, key);
                if (auto known = frame_ids_.find(key); known != frame_ids_.end()) {
                    sample.stack.push_back(known->second);
                    continue;
                }
            }
            sample.stack.push_back(intern(profile_frame(*frame)));
        }
        if (sample.idle) sample.stack.push_back(intern(idle_marker));
        if (thread.native_lost) ++native_lost_;
        timeline_of(thread).samples.push_back(std::move(sample));
    }
    ++sample_count_;
    end_s_ = std::max(end_s_, time_s);
}

size_t Profile::stack_count() const {
    size_t stacks = 0;
    for (const ThreadTimeline& thread : threads_) stacks += thread.samples.size();
    return stacks;
}

std::string Profile::mode_label() const {
    std::string label(sample_mode_name(mode_));
    if (idle_ && mode_ != SampleMode::Wall) label += " with idle threads";
    return label;
}

double Profile::achieved_rate() const { return end_s_ > 0 ? static_cast<double>(sample_count_) / end_s_ : 0; }

}  // namespace pyxray
