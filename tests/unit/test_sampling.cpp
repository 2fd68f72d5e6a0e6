// The sampler's core on hand-made snapshots: aggregation, the top table, folded stacks,
// speedscope, the HTML page, --slow, and py-sample's argument parsing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

StackFrame python(const std::string& name, int line) {
    StackFrame frame;
    frame.kind = StackFrame::Kind::Python;
    frame.python.qualname = name;
    frame.python.function = name;
    frame.python.file = "app.py";
    frame.python.line = line;
    return frame;
}

StackFrame native(const std::string& function) {
    StackFrame frame;
    frame.native.function = function;
    frame.native.module = "/usr/lib/libc.so.6";
    return frame;
}

// One thread whose stack, innermost first, is `frames`.
Snapshot snapshot_of(int64_t tid, std::vector<StackFrame> frames) {
    Snapshot snapshot;
    ThreadStack thread;
    thread.tid = tid;
    thread.name = "worker";
    thread.frames = std::move(frames);
    snapshot.threads.push_back(std::move(thread));
    return snapshot;
}

Profile three_samples() {
    Profile profile;
    profile.add(snapshot_of(7, {native("poll"), python("wait", 3), python("main", 10)}), 0.0);
    profile.add(snapshot_of(7, {python("work", 5), python("main", 11)}), 0.01);
    profile.add(snapshot_of(7, {python("work", 5), python("main", 11)}), 0.02);
    profile.finish(0.03);
    return profile;
}

TEST(Sampling, InternsFramesAndKeepsStacksRootFirst) {
    Profile profile = three_samples();
    ASSERT_EQ(profile.threads().size(), 1u);
    const auto& samples = profile.threads()[0].samples;
    ASSERT_EQ(samples.size(), 3u);
    EXPECT_EQ(frame_label(profile.frames()[samples[0].stack.front()]), "main (app.py:10)");
    EXPECT_EQ(frame_label(profile.frames()[samples[0].stack.back()]), "poll");
    EXPECT_EQ(samples[1].stack, samples[2].stack);  // the same frames interned once
    EXPECT_EQ(profile.frames().size(), 5u);
    EXPECT_DOUBLE_EQ(profile.achieved_rate(), 100.0);
}

TEST(Sampling, AThreadKeepsThreadingsNameOnceASampleHasIt) {
    Profile profile;
    Snapshot starting = snapshot_of(7, {python("run", 1)});
    starting.threads[0].name = "python3";  // sampled before threading registered it
    starting.threads[0].name_source = NameSource::Os;
    Snapshot registered = snapshot_of(7, {python("run", 2)});
    registered.threads[0].name = "uploader";
    registered.threads[0].name_source = NameSource::Threading;
    profile.add(starting, 0.0);
    profile.add(registered, 0.01);
    profile.add(starting, 0.02);
    ASSERT_EQ(profile.threads().size(), 1u);
    EXPECT_EQ(profile.threads()[0].name, "uploader");
}

TEST(Sampling, FoldedCountsDistinctStacks) {
    EXPECT_EQ(render_folded(three_samples()),
              "# pyxray sample, mode wall\n"
              "main (app.py:10);wait (app.py:3);poll 1\n"
              "main (app.py:11);work (app.py:5) 2\n");
}

TEST(Sampling, TopTableCountsFunctionsNotLines) {
    std::string top = render_sample_top(three_samples());
    EXPECT_NE(top.find("   66.7    66.7  work (app.py)"), std::string::npos) << top;
    EXPECT_NE(top.find("    0.0   100.0  main (app.py)"), std::string::npos) << top;
    EXPECT_NE(top.find("   33.3    33.3  poll"), std::string::npos) << top;
}

TEST(Sampling, SpeedscopeHasOneSampledProfilePerThread) {
    auto document = nlohmann::json::parse(render_speedscope(three_samples()));
    EXPECT_EQ(document["$schema"], "https://www.speedscope.app/file-format-schema.json");
    ASSERT_EQ(document["profiles"].size(), 1u);
    const auto& profile = document["profiles"][0];
    EXPECT_EQ(profile["type"], "sampled");
    EXPECT_EQ(profile["samples"].size(), 3u);
    EXPECT_EQ(profile["weights"].size(), 3u);
    EXPECT_EQ(document["shared"]["frames"][profile["samples"][1][1].get<int>()]["name"], "work");
}

TEST(Sampling, HtmlEmbedsTheProfileWithoutEndingItsScript) {
    Profile profile;
    profile.add(snapshot_of(1, {python("</script><b>", 1)}), 0);
    std::string page = render_timeline_html(profile, {});
    EXPECT_EQ(page.find("</script><b>"), std::string::npos);
    EXPECT_NE(page.find("\\u003c/script\\u003e\\u003cb\\u003e"), std::string::npos);
    Profile comment;
    comment.add(snapshot_of(1, {python("<!--<script>", 1)}), 0);
    EXPECT_EQ(render_timeline_html(comment, {}).find("<!--<script>"), std::string::npos);
}

TEST(Sampling, SlowRequestsNeedTheSameBaseLongerThanTheThreshold) {
    Profile profile;
    double t = 0;
    auto add = [&](const std::string& request) {
        std::vector<StackFrame> frames{python("loop", 1)};
        if (!request.empty()) frames.insert(frames.begin(), python(request, 2));
        profile.add(snapshot_of(3, frames), t);
        t += 0.05;
    };
    for (const char* step : {"", "fast", "", "slow", "slow", "slow", "slow", "slow", ""}) add(step);
    profile.finish(t);
    std::string report = render_slow_requests(profile, 150);
    EXPECT_NE(report.find(": 1\n"), std::string::npos) << report;
    EXPECT_NE(report.find("slow (app.py:2) for at least 200 ms"), std::string::npos) << report;
    EXPECT_EQ(report.find("fast"), std::string::npos) << report;
}

// Threads serving requests, a sample every 62.5 ms (exact in binary): `steps[t][k]` is thread t's request at
// sample k
// ("" when idle in its loop).
Profile serving(const std::vector<std::vector<std::string>>& steps) {
    Profile profile;
    size_t count = steps[0].size();
    for (size_t k = 0; k < count; ++k) {
        Snapshot snapshot;
        for (size_t t = 0; t < steps.size(); ++t) {
            std::vector<StackFrame> frames{python("loop", 1), python("bootstrap", 9)};
            if (!steps[t][k].empty())
                frames.insert(frames.begin(), python(steps[t][k], 2 + static_cast<int>(k)));
            Snapshot one = snapshot_of(10 + static_cast<int64_t>(t), frames);
            snapshot.threads.push_back(one.threads[0]);
        }
        profile.add(snapshot, 0.0625 * static_cast<double>(k));
    }
    profile.finish(0.0625 * static_cast<double>(count));
    return profile;
}

TEST(Sampling, FindSlowRequestsReturnsThreadSamplesBaseAndTimes) {
    Profile profile = serving({{"", "a", "a", "a", "a", "", "b", "", "c", "c", "c", "c"},
                               {"d", "d", "", "e", "e", "e", "e", "e", "e", "", "", ""}});
    std::vector<SlowRequest> found = find_slow_requests(profile, 140);
    ASSERT_EQ(found.size(), 3u);
    // Thread 0: a (samples 1..4, 187.5 ms) and c (8..11, to the end of the profile).
    EXPECT_EQ(found[0].thread, 0u);
    EXPECT_EQ(found[0].first, 1u);
    EXPECT_EQ(found[0].last, 4u);
    EXPECT_DOUBLE_EQ(found[0].first_s, 0.0625);
    EXPECT_DOUBLE_EQ(found[0].last_s, 0.25);
    EXPECT_DOUBLE_EQ(found[0].duration_ms(), 187.5);
    ASSERT_EQ(found[0].base.size(), 3u);  // bootstrap, loop, then the request's function
    EXPECT_EQ(profile.frames()[found[0].base[0]].name, "bootstrap");
    EXPECT_EQ(profile.frames()[found[0].base[1]].name, "loop");
    EXPECT_EQ(profile.frames()[found[0].base[2]].name, "a");
    EXPECT_EQ(profile.frames()[found[0].base[2]].line, 3);  // at first sight
    EXPECT_EQ(found[1].thread, 0u);
    EXPECT_EQ(profile.frames()[found[1].base.back()].name, "c");
    EXPECT_EQ(found[1].last, 11u);
    // Thread 1: e (3..8, 312.5 ms); d (0..1, 62.5 ms) is short.
    EXPECT_EQ(found[2].thread, 1u);
    EXPECT_EQ(profile.frames()[found[2].base.back()].name, "e");
    EXPECT_EQ(found[2].first, 3u);
    EXPECT_EQ(found[2].last, 8u);
    EXPECT_DOUBLE_EQ(found[2].duration_ms(), 312.5);
    // The threshold is exclusive: 187.5 ms requests are not slower than 187.5 ms.
    EXPECT_EQ(find_slow_requests(profile, 187.5).size(), 1u);
    EXPECT_TRUE(find_slow_requests(profile, 312.5).empty());
}

TEST(Sampling, FindSlowRequestsSplitsRunsOfDifferentFunctions) {
    // Back to back without a sample in the loop between them: two requests, not one.
    Profile profile = serving({{"a", "a", "a", "a", "b", "b", "b", "b", ""}});
    std::vector<SlowRequest> found = find_slow_requests(profile, 100);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(profile.frames()[found[0].base.back()].name, "a");
    EXPECT_EQ(profile.frames()[found[1].base.back()].name, "b");
    EXPECT_EQ(found[1].first, 4u);
    // The text report lists what the finder found.
    std::string report = render_slow_requests(profile, 100);
    EXPECT_NE(report.find("): 2\n"), std::string::npos) << report;
    EXPECT_NE(
        report.find("thread 10 (worker): a (app.py:2) for at least 188 ms (t=0.000s..0.188s, 4 samples)"),
        std::string::npos)
        << report;
}

// The JSON document the page embeds.
nlohmann::json page_data(const std::string& page) {
    const std::string open = R"(<script id="profile-data" type="application/json">)";
    size_t start = page.find(open);
    EXPECT_NE(start, std::string::npos);
    start += open.size();
    return nlohmann::json::parse(page.substr(start, page.find("</script>", start) - start));
}

// A sample's frames, root first, from the page's stack trie.
std::vector<std::string> page_stack(const nlohmann::json& data, size_t thread, size_t index) {
    std::vector<std::string> names;
    for (int64_t node = data["threads"][thread]["stacks"][index]; node >= 0; node = data["nodes"][node][0])
        names.insert(names.begin(), data["frames"][data["nodes"][node][1].get<size_t>()][0]);
    return names;
}

TEST(Sampling, HtmlDataHoldsTimesStacksModeAndTheSlowRequestsFound) {
    Profile profile = serving({{"", "a", "a", "a", "a", ""}, {"b", "", "", "", "", "c"}});
    SampleOptions options;
    options.slow_ms = 100;
    options.rate_hz = 16;
    nlohmann::json data = page_data(render_timeline_html(profile, options));
    EXPECT_EQ(data["mode"], profile.mode_label());
    EXPECT_EQ(data["samples"], 6);
    EXPECT_EQ(data["requested_rate"], 16.0);
    EXPECT_DOUBLE_EQ(data["duration"].get<double>(), 0.375);
    ASSERT_EQ(data["threads"].size(), 2u);
    EXPECT_EQ(data["threads"][0]["tid"], 10);
    EXPECT_EQ(data["threads"][0]["name"], "worker");
    EXPECT_EQ(data["threads"][0]["times"][2], 0.125);  // real times, not sample numbers
    EXPECT_EQ(page_stack(data, 0, 2), (std::vector<std::string>{"bootstrap", "loop", "a"}));
    EXPECT_EQ(page_stack(data, 1, 5), (std::vector<std::string>{"bootstrap", "loop", "c"}));
    // Samples with the same stack share one trie node; a node's parent comes before it.
    EXPECT_NE(data["threads"][0]["stacks"][0], data["threads"][0]["stacks"][1]);
    EXPECT_EQ(data["threads"][0]["stacks"][0], data["threads"][1]["stacks"][1]);
    for (size_t n = 0; n < data["nodes"].size(); ++n)
        EXPECT_LT(data["nodes"][n][0].get<int64_t>(), int64_t(n));
    // The frames: name, file, line, Python or not.
    const auto& a =
        data["frames"][data["nodes"][data["threads"][0]["stacks"][1].get<size_t>()][1].get<size_t>()];
    EXPECT_EQ(a, nlohmann::json::array({"a", "app.py", 3, 1}));
    // The slow requests are find_slow_requests's.
    std::vector<SlowRequest> found = find_slow_requests(profile, 100);
    ASSERT_EQ(found.size(), 1u);
    ASSERT_EQ(data["slow"].size(), 1u);
    const auto& slow = data["slow"][0];
    EXPECT_EQ(slow["thread"], 0);
    EXPECT_EQ(slow["first"], 1);
    EXPECT_EQ(slow["last"], 4);
    EXPECT_EQ(slow["start"], 0.0625);
    EXPECT_EQ(slow["end"], 0.25);
    EXPECT_EQ(slow["ms"], 187.5);
    EXPECT_EQ(slow["base"].get<std::vector<uint32_t>>(), found[0].base);
    EXPECT_EQ(data["slow_ms"], 100.0);
    // Without --slow: no requests, and the page says how to get them.
    EXPECT_TRUE(page_data(render_timeline_html(profile, {}))["slow_ms"].is_null());
}

TEST(Sampling, ParsesOptionsAndNamesTheBadWord) {
    auto options = parse_sample_options({"--rate", "250", "--samples", "9", "--threads", "current",
                                         "--format", "html", "-o", "x.html", "--slow", "30"});
    ASSERT_TRUE(options) << options.error().message;
    EXPECT_EQ(options->rate_hz, 250);
    EXPECT_EQ(options->samples, 9u);
    EXPECT_FALSE(options->all_threads);
    EXPECT_EQ(options->format, SampleFormat::Html);
    EXPECT_EQ(sample_limit(*options), 9u);
    auto bad = parse_sample_options({"--rate", "0"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("--rate needs a positive number, not '0'"), std::string::npos);
    EXPECT_FALSE(parse_sample_options({"--samples", "3", "--duration", "1"}));
    EXPECT_FALSE(parse_sample_options({"--format", "svg"}));
    EXPECT_FALSE(parse_sample_options({"--what"}));
}

TEST(Sampling, LoopStopsAtTheCountAndKeepsWhatWasTakenWhenTheTargetEnds) {
    SampleOptions options;
    options.rate_hz = 1000;
    options.samples = 5;
    int taken = 0;
    SampleLoopHooks hooks;
    hooks.take = [&]() -> SampleStep {
        if (++taken == 4) return {SampleStep::Outcome::Ended, std::nullopt, "the process exited"};
        return {SampleStep::Outcome::Taken, snapshot_of(1, {python("f", 1)}), {}};
    };
    SampleRun run = run_sample_loop(options, hooks);
    EXPECT_EQ(run.profile.sample_count(), 3u);
    EXPECT_EQ(run.ended_because, "the process exited");
    EXPECT_NE(describe_sample_run(run).find("ended early: the process exited"), std::string::npos);
}

TEST(Sampling, TheRunLineCountsStacksAndThreadsLeftOutAndTheTableDoesNotRepeatIt) {
    SampleOptions options;
    options.rate_hz = 1000;
    options.samples = 3;
    SampleLoopHooks hooks;
    hooks.take = [&]() -> SampleStep {
        return {SampleStep::Outcome::Taken, snapshot_of(1, {python("f", 1)}), {}, 2};
    };
    SampleRun run = run_sample_loop(options, hooks);
    std::string line = describe_sample_run(run);
    EXPECT_NE(line.find("3 samples in "), std::string::npos) << line;
    EXPECT_NE(line.find(", 3 thread stacks, 6 threads left out (exited while being stopped)"),
              std::string::npos)
        << line;
    EXPECT_EQ(render_sample_top(run.profile).find("samples in"), std::string::npos);
}

// Two threads: 1 on a CPU and holding the GIL, 2 asleep (its native stack lost, as when it
// could not be unwound).
Snapshot running_and_sleeping() {
    Snapshot snapshot = snapshot_of(1, {python("work", 5)});
    snapshot.threads[0].on_cpu = true;
    snapshot.threads[0].holds_gil = true;
    Snapshot sleeping = snapshot_of(2, {python("wait", 3)});
    sleeping.threads[0].on_cpu = false;
    sleeping.threads[0].holds_gil = false;
    sleeping.threads[0].native_lost = true;
    snapshot.threads.push_back(sleeping.threads[0]);
    return snapshot;
}

TEST(Sampling, ModesKeepTheThreadsTheyNameAndIdleMarksTheOthers) {
    for (SampleMode mode : {SampleMode::Cpu, SampleMode::Gil}) {
        Profile only(mode, false);
        only.add(running_and_sleeping(), 0);
        ASSERT_EQ(only.stack_count(), 1u) << sample_mode_name(mode);
        EXPECT_EQ(only.threads()[0].tid, 1);
        EXPECT_EQ(only.mode_label(), std::string(sample_mode_name(mode)));

        Profile with_idle(mode, true);
        with_idle.add(running_and_sleeping(), 0);
        ASSERT_EQ(with_idle.stack_count(), 2u);
        const ThreadSample& idle = with_idle.threads()[1].samples[0];
        EXPECT_TRUE(idle.idle);
        EXPECT_EQ(frame_label(with_idle.frames()[idle.stack.back()]), "(idle)");
        EXPECT_FALSE(with_idle.threads()[0].samples[0].idle);
        EXPECT_EQ(with_idle.mode_label(), std::string(sample_mode_name(mode)) + " with idle threads");
    }
    Profile wall;
    wall.add(running_and_sleeping(), 0);
    EXPECT_EQ(wall.stack_count(), 2u);
    EXPECT_EQ(wall.native_lost(), 1u);
    SampleRun run{wall, 0, {}, 0, {}};
    EXPECT_NE(describe_sample_run(run).find(", 1 with Python frames only"), std::string::npos);
}

TEST(Sampling, EveryOutputSaysTheMode) {
    Profile profile(SampleMode::Cpu, true);
    profile.add(running_and_sleeping(), 0);
    EXPECT_EQ(render_folded(profile).rfind("# pyxray sample, mode cpu with idle threads\n", 0), 0u);
    EXPECT_NE(render_sample_top(profile).find("(mode cpu with idle threads)"), std::string::npos);
    auto speedscope = nlohmann::json::parse(render_speedscope(profile));
    EXPECT_EQ(speedscope["name"], "pyxray sample, mode cpu with idle threads");
}

TEST(Sampling, GilModeIsRefusedWithoutAGil) {
    SampleOptions options;
    options.mode = SampleMode::Gil;
    RuntimeInfo runtime;
    runtime.version = "3.13.1";
    EXPECT_TRUE(check_sample_mode(options, runtime));
    runtime.free_threaded = true;
    auto refused = check_sample_mode(options, runtime);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("--mode gil does not apply to Python 3.13.1: it is free-threaded"),
              std::string::npos);
    options.mode = SampleMode::Cpu;
    EXPECT_TRUE(check_sample_mode(options, runtime));
}

TEST(Sampling, EachOutputTakesItsFormatFromItsExtensionUnlessFormatIsGiven) {
    auto options = parse_sample_options({"--mode", "cpu", "--idle", "-o", "a.html", "-o", "b.folded", "-o",
                                         "c.speedscope.json", "--output", "d.txt"});
    ASSERT_TRUE(options) << options.error().message;
    EXPECT_EQ(options->mode, SampleMode::Cpu);
    EXPECT_TRUE(options->idle);
    auto outputs = sample_outputs_of(*options);
    ASSERT_TRUE(outputs);
    std::vector<SampleFormat> formats;
    for (const SampleOutput& output : *outputs) formats.push_back(output.format);
    EXPECT_EQ(formats, (std::vector<SampleFormat>{SampleFormat::Html, SampleFormat::Folded,
                                                  SampleFormat::Speedscope, SampleFormat::Text}));
    options->format = SampleFormat::Folded;
    auto forced = sample_outputs_of(*options);
    ASSERT_TRUE(forced);
    for (const SampleOutput& output : *forced) EXPECT_EQ(output.format, SampleFormat::Folded);
    auto unknown = parse_sample_options({"-o", "profile.svg"});
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("cannot tell the format of 'profile.svg' from its name"),
              std::string::npos);
    EXPECT_TRUE(parse_sample_options({"-o", "profile.svg", "--format", "folded"}));
    EXPECT_FALSE(parse_sample_options({"--mode", "io"}));
}

// This process as the target: the test's thread spins between two reads, another sleeps.
TEST(Sampling, CpuStatesTellARunningThreadFromASleepingOne) {
    std::atomic<int64_t> sleeper_tid = 0;
    std::atomic<bool> done = false;
    std::thread sleeper([&] {
        sleeper_tid = gettid();
        while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    while (sleeper_tid == 0) std::this_thread::yield();
    auto spin = [] {
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
        while (std::chrono::steady_clock::now() < until) {
        }
    };
    ThreadCpuStates cpu(getpid());
    spin();
    cpu.read();
    spin();
    cpu.read();
    Snapshot snapshot = snapshot_of(gettid(), {python("spin", 1)});
    snapshot.threads.push_back(snapshot_of(sleeper_tid, {python("sleep", 2)}).threads[0]);
    snapshot.threads.push_back(snapshot_of(1 << 30, {python("gone", 3)}).threads[0]);
    cpu.apply(snapshot);
    done = true;
    sleeper.join();
    EXPECT_EQ(snapshot.threads[0].on_cpu, true);
    EXPECT_EQ(snapshot.threads[1].on_cpu, false);
    EXPECT_EQ(snapshot.threads[2].on_cpu, std::nullopt);  // no such thread
}

TEST(Sampling, IntervalsVaryAroundTheMeanAndALateSampleIsFollowedAtOnce) {
    using namespace std::chrono_literals;
    using Clock = SampleSchedule::Clock;
    const Clock::time_point start{};
    SampleSchedule schedule(200, start, 7);  // a mean of 5 ms
    Clock::time_point due = start;
    double smallest = 1, largest = 0;
    constexpr int draws = 20000;
    for (int i = 0; i < draws; ++i) {
        Clock::time_point next = schedule.next(due);  // each sample ended the moment it was due
        double interval = std::chrono::duration<double>(next - due).count();
        smallest = std::min(smallest, interval);
        largest = std::max(largest, interval);
        due = next;
    }
    double mean = std::chrono::duration<double>(due - start).count() / draws;
    EXPECT_NEAR(mean, 0.005, 0.00005);
    EXPECT_GE(smallest, 0.0025 - 1e-9);
    EXPECT_LE(largest, 0.0075 + 1e-9);
    EXPECT_LT(smallest, 0.0026);
    EXPECT_GT(largest, 0.0074);
    EXPECT_EQ(schedule.next(due + 1s), due + 1s);  // late: at once, and nothing made up
}

// The bias the schedule removes: a 10 ms period sampled at 200 Hz. A fixed grid sees two phases
// of it for ever; these samples see every phase about equally often.
TEST(Sampling, ScheduledSamplesCoverEveryPhaseOfAPeriodTheMeanIntervalDivides) {
    using Clock = SampleSchedule::Clock;
    const Clock::time_point start{};
    SampleSchedule schedule(200, start, 11);
    constexpr int bins = 10, draws = 20000;
    std::array<int, bins> seen{};
    Clock::time_point due = start;
    for (int i = 0; i < draws; ++i) {
        due = schedule.next(due);
        auto phase_us = std::chrono::duration_cast<std::chrono::microseconds>(due - start).count() % 10000;
        ++seen[static_cast<size_t>(phase_us * bins / 10000)];
    }
    constexpr double expected = static_cast<double>(draws) / bins;
    for (int count : seen) EXPECT_NEAR(count, expected, expected / 10) << "phase bin";
}

}  // namespace
}  // namespace pyxray
