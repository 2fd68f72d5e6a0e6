// The poor man's sampler's core: options every front-end accepts, the profile merged
// snapshots add up to, and its renderers (top table, folded, speedscope, HTML timeline, slow
// requests). The stop/run loop lives in the front-ends; everything after a snapshot is here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pyxray/model.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

enum class SampleFormat { Text, Folded, Speedscope, Html };
// Which threads a sample keeps: every one (wall), those on a CPU at the sample (cpu), the one
// holding the GIL (gil).
enum class SampleMode { Wall, Cpu, Gil };

struct SampleOutput {
    std::string path;
    SampleFormat format = SampleFormat::Text;
};

struct SampleOptions {
    double rate_hz = 100;
    std::optional<double> duration_s;  // run this long...
    std::optional<size_t> samples;     // ...or take this many (neither: until Ctrl-C)
    bool all_threads = true;           // --threads all|current
    bool python_only = false;
    std::vector<std::string> output_paths;  // -o FILE, repeatable
    std::optional<SampleFormat> format;     // --format; else each output's extension, else text
    std::optional<double> slow_ms;          // --slow MS
    SampleMode mode = SampleMode::Wall;
    bool idle = false;  // --idle: cpu and gil keep the other threads, their stacks ending in (idle)
};

inline constexpr std::string_view kSampleUsage =
    "py-sample [--rate HZ] [--duration S | --samples N] [--threads all|current] [--python-only] "
    "[--mode wall|cpu|gil] [--idle] [-o FILE]... [--format text|folded|speedscope|html] [--slow MS]";

// The words after `py-sample`, as gdb and LLDB pass them; errors name the bad word and the usage.
Result<SampleOptions> parse_sample_options(const std::vector<std::string>& words);
Result<SampleFormat> parse_sample_format(std::string_view word);
Result<SampleMode> parse_sample_mode(std::string_view word);
std::string_view sample_mode_name(SampleMode mode);
// --mode gil on a free-threaded build (no GIL to hold) is an error, said in one line.
Result<void> check_sample_mode(const SampleOptions& options, const RuntimeInfo& runtime);
// Each -o FILE with its format: --format when given, else the file's extension (.folded,
// .speedscope.json, .html, .txt); an extension that names none is an error.
Result<std::vector<SampleOutput>> sample_outputs_of(const SampleOptions& options);
// Without a duration or a count a debugger samples until Ctrl-C; this caps the count anyway.
size_t sample_limit(const SampleOptions& options);

// One distinct frame of a profile: a Python function at a line, or a native function.
struct ProfileFrame {
    bool python = false;
    std::string name;  // qualname, or the native function (or module+offset when unnamed)
    std::string file;  // Python: co_filename; native: the module path
    int line = -1;
};

struct ThreadSample {
    double time_s = 0;            // since the profile started
    std::vector<uint32_t> stack;  // indexes into Profile::frames, root (outermost) first
    bool idle = false;            // kept by --idle: its last frame is the (idle) marker
};

struct ThreadTimeline {
    int64_t tid = 0;
    std::string name;  // threading's name once a sample had it, else the OS thread's
    std::vector<ThreadSample> samples;
    NameSource name_source = NameSource::None;
};

// What the samples add up to. Pure: snapshots in, values out.
class Profile {
public:
    Profile() = default;
    Profile(SampleMode mode, bool idle) : mode_(mode), idle_(idle) {}
    // Adds one stop of the target: the threads of the snapshot the mode keeps, with a non-empty
    // stack.
    void add(const Snapshot& snapshot, double time_s);
    // Ends the profile at `time_s` (so the achieved rate counts the last interval).
    void finish(double time_s) { end_s_ = time_s; }

    const std::vector<ProfileFrame>& frames() const { return frames_; }
    const std::vector<ThreadTimeline>& threads() const { return threads_; }
    size_t sample_count() const { return sample_count_; }
    // Thread stacks over all samples (a sample holds one per thread with frames).
    size_t stack_count() const;
    double duration_s() const { return end_s_; }
    double achieved_rate() const;
    SampleMode mode() const { return mode_; }
    bool idle() const { return idle_; }
    // What every output says of the mode: "wall", "cpu", "cpu with idle threads", "gil".
    std::string mode_label() const;
    // Thread stacks whose native part could not be unwound (their Python frames were kept).
    size_t native_lost() const { return native_lost_; }

private:
    uint32_t intern(ProfileFrame frame);
    ThreadTimeline& timeline_of(const ThreadStack& thread);

    std::vector<ProfileFrame> frames_;
    std::unordered_map<std::string, uint32_t> frame_ids_;  // frame_key() -> index in frames_
    std::vector<ThreadTimeline> threads_;
    std::unordered_map<int64_t, size_t> thread_ids_;  // tid -> index in threads_
    size_t sample_count_ = 0;
    double end_s_ = 0;
    SampleMode mode_ = SampleMode::Wall;
    bool idle_ = false;
    size_t native_lost_ = 0;
};

// cpu mode's probe of a live process: which threads are on a CPU, read just before a sample
// stops the process, or as a non-blocking sample reads it. A thread counts when /proc says it is
// runnable (state R) and, from the second read on, it also ran since the read before for at
// least a tenth of the time the busiest thread ran: a debugger's resume wakes every sleeping
// thread to restart its system call, and one caught runnable then has run for microseconds.
class ThreadCpuStates {
public:
    explicit ThreadCpuStates(int pid) : pid_(pid) {}
    void read();
    // Sets each thread's on_cpu from the last read; threads it did not see stay unknown.
    void apply(Snapshot& snapshot) const;

private:
    int pid_;
    std::unordered_map<int64_t, bool> running_;
    std::unordered_map<int64_t, uint64_t> run_ns_;  // /proc/PID/task/TID/schedstat at the last read
};

// `qualname (file:line)` for Python frames, the function (or `module+0x..`) for native ones.
std::string frame_label(const ProfileFrame& frame);

// The table a front-end prints under describe_sample_run's line: function, self %, total %.
std::string render_sample_top(const Profile& profile, size_t rows = 25);
// One line per distinct stack per thread, root first, `;`-joined, then ` count`.
std::string render_folded(const Profile& profile);
// speedscope's file format: one `sampled` profile per thread, weights in seconds.
std::string render_speedscope(const Profile& profile);
// One self-contained page: a stack chart per thread on one time axis, click a sample to see its
// stack and the base it shares with every other sample; a flame graph; the --slow requests.
std::string render_timeline_html(const Profile& profile, const SampleOptions& options);
// A request of --slow: a run of consecutive samples of one thread whose first frame above the
// thread's base (the frames all its samples share) is the same function.
struct SlowRequest {
    size_t thread = 0;           // index in Profile::threads()
    size_t first = 0, last = 0;  // its first and last sample, indexes in that thread's samples
    std::vector<uint32_t> base;  // root first: the thread's base, then the request's function
    double first_s = 0, last_s = 0;
    double duration_ms() const { return (last_s - first_s) * 1000; }
};
// The requests that kept their base for longer than `slow_ms`, thread by thread, in time order.
// The one finder: the text report and the HTML page both list what it returns.
std::vector<SlowRequest> find_slow_requests(const Profile& profile, double slow_ms);
// --slow's text: each slow request with the stack at first and last sight.
std::string render_slow_requests(const Profile& profile, double slow_ms);

// Whatever the options ask for: the format's text (text: top table, plus slow requests).
std::string render_sample_output(const Profile& profile, const SampleOptions& options, SampleFormat format);

}  // namespace pyxray

namespace pyxray {

// One attempt of a front-end to take a sample: stop, snapshot, resume.
struct SampleStep {
    enum class Outcome { Taken, Skipped, Ended };
    Outcome outcome = Outcome::Taken;
    std::optional<Snapshot> snapshot;  // Taken
    std::string reason;                // Skipped (a torn read, say) or Ended (the process exited)
    size_t skipped_threads = 0;        // threads that exited while this sample stopped them
};

struct SampleLoopHooks {
    std::function<SampleStep()> take;
    // Debuggers: run the stopped target for about `seconds` and stop it again; a reason when it
    // stopped for something else (a breakpoint, Ctrl-C, its exit). Empty: the target runs by
    // itself between takes (the CLI resumes it in take()) and the loop sleeps.
    std::function<std::optional<std::string>(double seconds)> let_run;
    std::function<bool()> interrupted;                               // Ctrl-C
    std::function<void(const Profile&, double elapsed_s)> progress;  // about once a second
};

struct SampleRun {
    Profile profile;
    size_t skipped = 0;
    std::string last_skip_reason;
    size_t skipped_threads = 0;  // over all samples: threads that exited while being stopped
    std::string ended_because;   // empty when the duration or the count ran out
};

// Paces `take` at the options' rate (SampleSchedule), for the options' duration or count,
// until Ctrl-C or the target ends; each snapshot goes into the profile at the time it was taken.
SampleRun run_sample_loop(const SampleOptions& options, const SampleLoopHooks& hooks);

// When samples are due. Each interval is drawn uniformly from half to one and a half times the
// mean (1/rate): on a fixed grid, a target whose phases repeat with a period the interval
// divides (an event loop's tick, a polling loop) is seen at the same phases again and again.
// The mean rate is kept. A sample that ended after the next one was due is followed by one at
// once, and missed ones are not made up: a burst would sample one moment several times.
class SampleSchedule {
public:
    using Clock = std::chrono::steady_clock;
    SampleSchedule(double rate_hz, Clock::time_point start, uint64_t seed);
    // The time the sample after the one due last is due, once a sample ended at `now`.
    Clock::time_point next(Clock::time_point now);

private:
    std::mt19937_64 random_;
    std::uniform_real_distribution<double> interval_s_;
    Clock::time_point due_;
};

// The line a front-end prints when the loop ends: samples, rate, thread stacks, skips, why it
// ended. The one summary: the top table does not repeat it.
std::string describe_sample_run(const SampleRun& run);
// `sampling: N samples, R/s`, the progress line the front-ends show while sampling.
std::string describe_sample_progress(const Profile& profile, double elapsed_s);

// Writes each -o FILE in its format and returns what the console shows after the run's line:
// with -o, the top table (and slow requests) and a `wrote FILE` line per file; without, the
// format itself. One line when a file cannot be written.
Result<std::string> write_sample_outputs(const SampleRun& run, const SampleOptions& options);

}  // namespace pyxray
