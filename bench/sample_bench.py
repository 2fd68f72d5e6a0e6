#!/usr/bin/python3
"""The sampler's rate and cost (issue 7): for the standalone stop-the-world and non-blocking
samplers, py-sample in gdb and in LLDB, and the classic `gdb -p PID -batch -ex 'thread apply
all bt'` loop, at 10, 100 and 1,000 Hz requested (and 2,000 Hz for the standalone samplers): the
achieved rate, the sampler's own CPU, and the slowdown of a 4-thread pure-Python target against
an identical copy started with it and left alone, over the sampler command's whole run
(attaching and detaching included), averaged over repeats with the copies' roles swapped.

Both copies are pinned to CPU 0, so they see the same CPU speed (a CPU of a virtual machine
varies by 10% from second to second, and two CPUs differ by more); the samplers get CPU 1, as a
profiler has a core of its own on a production machine. A copy a sampler stops leaves CPU 0 to
its twin, so for stopping samplers the slowdown column is an upper bound (up to twice the time
stopped); a non-blocking sampler's figure is exact.
Standard library only; prints a Markdown table (see bench/README.md). Timings are never asserted.

Issue 22 adds two tables, which `--only speed` runs alone: the speed figures (the non-blocking
sampler at 10,000 Hz requested on a 4-thread Python-only target under each interpreter of
--speed-pythons, its achieved rate and its own CPU; gdb's and LLDB's merged py-sample at 1,000 Hz;
each beside py-spy and Austin when they are installed, as ratios) and the bias check (the 70/30
periodic split of fixtures/sample/periodic.py sampled at 200 Hz, a divisor of its 10 ms period,
and at 173 Hz, by every front-end: hot()'s share of the samples against the share the target
measured itself).

  /usr/bin/python3 bench/sample_bench.py [--build DIR] [--python PATH] [--seconds S] [--repeats N]
                                         [--floor-repeats N] [--floor-seconds S]
                                         [--only all|issue7|speed] [--speed-pythons PATH ...]
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "bench" / "sample_target.py"
CPU_SPLIT = REPO / "fixtures" / "sample" / "cpu_split.py"
PERIODIC = REPO / "fixtures" / "sample" / "periodic.py"
SPEED_RATE = 10000  # Austin's default interval, 100 us
DEBUGGER_RATE = 1000
BIAS_RATES = (200, 173)  # a divisor of periodic.py's 10 ms period, and a rate that is not
FRONT_ENDS = ("stop-the-world", "non-blocking", "gdb py-sample", "lldb py-sample")
RATES = {"stop-the-world": [10, 100, 1000, 2000], "non-blocking": [10, 100, 1000, 2000],
         "gdb py-sample": [10, 100, 1000], "lldb py-sample": [10, 100, 1000]}
ACHIEVED = re.compile(r"(\d+) samples in ([\d.]+) s \(([\d.]+)/s achieved\)")


def cpu_plan():
    """(CPUs of the targets, CPUs of the samplers): one CPU each way when there are two."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return set(cpus), set(cpus)
    return {cpus[0]}, set(cpus[1:])


def pinned(cpus):
    return lambda: os.sched_setaffinity(0, cpus)


def start_pair(python, seconds, workdir, threads, cpus, copies=2):
    """`copies` identical targets (two by default) started together; returns them once all run."""
    pair = []
    for name in ("first", "second")[:copies]:
        ready = Path(workdir) / f"{name}.ready"
        process = subprocess.Popen([python, TARGET, "--seconds", str(seconds), "--threads", str(threads),
                                    "--ready", ready], stdout=subprocess.PIPE, text=True,
                                   preexec_fn=pinned(cpus))
        pair.append((process, ready))
    for process, ready in pair:
        while not ready.exists():
            if process.poll() is not None:
                sys.exit(f"sample_target.py exited with {process.returncode}")
            time.sleep(0.005)
    return [process for process, _ in pair]


def work_between(process, start, end):
    """Iterations the target did between two monotonic times (the sampler's run)."""
    out, _ = process.communicate(timeout=120)
    timeline = json.loads(out.strip().splitlines()[-1])["timeline"]

    def at(moment):
        return next((done for when, done in timeline if when >= moment), timeline[-1][1])
    return at(end) - at(start)


def sampler_command(build, mode, pid, rate, seconds, python_only=False, output=None):
    words = ["--rate", str(rate), "--duration", str(seconds), *(["--python-only"] if python_only else []),
             *(["-o", str(output), "--format", "folded"] if output else [])]
    if mode in ("stop-the-world", "non-blocking"):
        extra = ["--nonblocking"] if mode == "non-blocking" else []
        return [build / "bin" / "pyxray", "sample", "--pid", str(pid), *words, *extra]
    line = " ".join(["py-sample", *words])
    if mode == "gdb py-sample":
        return ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-p", str(pid),
                "-ex", f"source {build / 'gdb' / 'pyxray.py'}", "-ex", line]
    return ["lldb-16", "--no-lldbinit", "-b", "-o", f"process attach -p {pid}",
            "-o", f"plugin load {build / 'lldb' / 'libpyxray_lldb.so'}", "-o", line, "-o", "process detach"]


def classic_loop(pid, seconds, cpus):
    """The classic poor man's profiler: one gdb per sample, native frames only."""
    count, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        subprocess.run(["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-p", str(pid),
                        "-ex", "thread apply all bt"],
                       capture_output=True, timeout=120, preexec_fn=pinned(cpus))
        count += 1
    return count / (time.monotonic() - start)


def children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_sampler(build, mode, rate, seconds, pid, cpus):
    """The achieved rate of one sampler run (None when nothing samples)."""
    if mode == "classic gdb loop":
        return classic_loop(pid, seconds, cpus)
    if mode == "(none)":
        time.sleep(seconds)
        return None
    return achieved_rate(mode, sampler_command(build, mode, pid, rate, seconds), cpus)


def achieved_rate(mode, command, cpus):
    """Runs one sampler command on `cpus`; the achieved rate from its summary line."""
    output = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=300,
                            preexec_fn=pinned(cpus))
    found = ACHIEVED.search(output.stdout + output.stderr)
    if not found:
        sys.exit(f"{mode}: no achieved rate in its output:\n{(output.stdout + output.stderr)[-2000:]}")
    return float(found.group(3))


def measure_once(args, mode, rate, swap):
    """(achieved rate, sampler CPU seconds per second, slowdown %) of one run; `swap` samples the
    copy started second, so that being started first favours neither role."""
    target_cpus, sampler_cpus = cpu_plan()
    with tempfile.TemporaryDirectory(prefix="pyxray-sample-bench-") as workdir:
        # The targets outlive the sampling: attach and detach happen inside their run.
        pair = start_pair(args.python, args.seconds + 3, workdir, args.threads, target_cpus)
        sampled, alone = reversed(pair) if swap else pair
        time.sleep(0.5)
        cpu_before, start = children_cpu_s(), time.monotonic()
        achieved = run_sampler(args.build, mode, rate, args.seconds, sampled.pid, sampler_cpus)
        end, cpu = time.monotonic(), children_cpu_s() - cpu_before  # the targets are not reaped yet
        done, baseline = work_between(sampled, start, end), work_between(alone, start, end)
    return achieved, cpu / (end - start), 100.0 * (1 - done / baseline)


def measure(args, mode, rate, repeats):
    runs = [measure_once(args, mode, rate, swap=repeat % 2 == 1) for repeat in range(repeats)]
    achieved = [run[0] for run in runs if run[0] is not None]
    slowdowns = [run[2] for run in runs]
    mean, margin = mean_and_margin(slowdowns) if len(slowdowns) > 1 else (slowdowns[0], 0.0)
    return {"achieved": statistics.mean(achieved) if achieved else None,
            "cpu": 100.0 * statistics.mean(run[1] for run in runs),
            "slowdown": mean, "margin": margin, "runs": len(runs),
            "lowest": min(slowdowns), "highest": max(slowdowns)}


def row(label, requested, figures):
    achieved = "-" if figures["achieved"] is None else f"{figures['achieved']:.1f}"
    return (f"| {label} | {requested} | {achieved} | {figures['cpu']:.0f}% "
            f"| {figures['slowdown']:+.1f}% ± {figures['margin']:.1f} "
            f"| {figures['runs']}: {figures['lowest']:+.1f} to {figures['highest']:+.1f} |")


def rate_alone(args, mode, rate, python_only):
    """The achieved rate on one copy alone on its CPU: what the sampler sustains when the target
    has its CPU to itself, as a service on its own core does."""
    target_cpus, sampler_cpus = cpu_plan()
    with tempfile.TemporaryDirectory(prefix="pyxray-sample-bench-") as workdir:
        pair = start_pair(args.python, args.seconds + 3, workdir, args.threads, target_cpus, copies=1)
        time.sleep(0.5)
        command = sampler_command(args.build, mode, pair[0].pid, rate, args.seconds, python_only)
        achieved = achieved_rate(mode, command, sampler_cpus)
        pair[0].kill()
        pair[0].communicate()
    return achieved


def print_rates_alone(args):
    print("\n| sampler, one copy alone on its CPU | requested | stacks | achieved samples/s |")
    print("|---|---|---|---|")
    for mode, rate in (("stop-the-world", 1000), ("stop-the-world", 2000), ("gdb py-sample", 1000),
                       ("lldb py-sample", 1000)):
        for python_only in (False, True):
            achieved = rate_alone(args, mode, rate, python_only)
            stacks = "Python only" if python_only else "merged"
            print(f"| {mode} | {rate} Hz | {stacks} | {achieved:.1f} |", flush=True)


def mean_and_margin(values):
    """The mean, and the half-width of its 95% interval (normal runs)."""
    return statistics.mean(values), 1.96 * statistics.stdev(values) / len(values) ** 0.5


def print_floor_check(args):
    """Issue 7's floor, non-blocking at 100 Hz slowing the target by less than 2%: runs with and
    without the sampler alternate, so that the machine's slow drifts reach both alike, and each
    sampled run is compared with the unsampled run next to it."""
    floor_args = argparse.Namespace(**{**vars(args), "seconds": args.floor_seconds})
    pairs = []
    for repeat in range(args.floor_repeats):
        swap = repeat % 2 == 1
        unsampled = measure_once(floor_args, "(none)", 0, swap)[2]
        sampled = measure_once(floor_args, "non-blocking", 100, swap)[2]
        pairs.append((unsampled, sampled))
    print(f"\n| floor check: {args.floor_repeats} alternating pairs of {args.floor_seconds:g} s runs "
          f"| target slowdown: mean ± 95% |")
    print("|---|---|")
    for label, values in (("none", [p[0] for p in pairs]), ("non-blocking, 100 Hz", [p[1] for p in pairs]),
                          ("difference, pair by pair", [p[1] - p[0] for p in pairs])):
        mean, margin = mean_and_margin(values)
        print(f"| {label} | {mean:+.2f}% ± {margin:.2f} |", flush=True)


def start_fixture(command, workdir, cpus, name):
    """A fixture started with --ready on `cpus`; returned once it runs."""
    ready = Path(workdir) / f"{name}.ready"
    process = subprocess.Popen([*map(str, command), "--ready", str(ready)], stdout=subprocess.DEVNULL,
                               preexec_fn=pinned(cpus))
    while not ready.exists():
        if process.poll() is not None:
            sys.exit(f"{name} exited with {process.returncode}")
        time.sleep(0.005)
    return process


def stop_fixture(process):
    process.kill()
    process.wait()


def sampled_run(command, cpus):
    """(summary output, wall seconds, CPU seconds) of one sampler command on `cpus`."""
    cpu_before, start = children_cpu_s(), time.monotonic()
    output = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=300,
                            preexec_fn=pinned(cpus))
    return output.stdout + output.stderr, time.monotonic() - start, children_cpu_s() - cpu_before


def peer_commands(pid, rate, seconds):
    """The peers that are installed, by name: their command sampling `pid` without stopping it."""
    interval_us = int(1e6 / rate)
    peers = {}
    if shutil.which("py-spy"):
        peers["py-spy"] = ["py-spy", "record", "--nonblocking", "-r", str(rate), "-d", str(int(seconds)),
                           "-p", str(pid), "-f", "raw", "-o", os.devnull]
    if shutil.which("austin"):
        peers["austin"] = ["austin", "-i", str(interval_us), "-x", str(seconds), "-p", str(pid),
                           "-o", os.devnull]
    return peers


PEER_SAMPLES = re.compile(r"(?:Samples|samples)\D{0,20}(\d+)")


def speed_row(label, python, command, seconds, achieved_of):
    """One sampler at SPEED_RATE on a 4-thread cpu_split.py: (achieved/s, CPU share %)."""
    target_cpus, sampler_cpus = cpu_plan()
    with tempfile.TemporaryDirectory(prefix="pyxray-speed-bench-") as workdir:
        target = start_fixture([python, CPU_SPLIT, "--threads", "3", "--seconds", seconds + 30], workdir,
                               target_cpus, "cpu_split")
        time.sleep(0.5)
        try:
            output, wall, cpu = sampled_run(command(target.pid), sampler_cpus)
        finally:
            stop_fixture(target)
    achieved = achieved_of(output, wall)
    shown = "-" if achieved is None else f"{achieved:.0f}"
    per_sample = 1e6 * cpu / (achieved * wall) if achieved else float("nan")
    print(f"| {label} | {Path(python).parent.parent.name} | {shown} | {100.0 * cpu / wall:.0f}% "
          f"| {per_sample:.0f} |", flush=True)
    return achieved, 100.0 * cpu / wall


def ours_achieved(output, wall):
    found = ACHIEVED.search(output)
    return float(found.group(3)) if found else None


def peer_achieved(output, wall):
    found = PEER_SAMPLES.search(output)
    return int(found.group(1)) / wall if found else None


def print_speed(args):
    """Issue 22's speed floors, side by side with the peers that are installed."""
    print("\n| issue 22 speed: sampler, 4-thread Python-only cpu_split.py | interpreter "
          "| achieved samples/s | sampler CPU (share of one CPU) | CPU µs per sample |")
    print("|---|---|---|---|---|")
    seconds = args.seconds
    for python in args.speed_pythons:
        ours = speed_row(f"pyxray --nonblocking, {SPEED_RATE} Hz", python,
                         lambda pid: sampler_command(args.build, "non-blocking", pid, SPEED_RATE, seconds),
                         seconds, ours_achieved)
        for name in peer_commands(0, SPEED_RATE, seconds):
            theirs = speed_row(f"{name}, {SPEED_RATE} Hz", python,
                               lambda pid, name=name: peer_commands(pid, SPEED_RATE, seconds)[name], seconds,
                               peer_achieved)
            if theirs[0] and ours[0]:
                print(f"| ratio pyxray / {name} | | {ours[0] / theirs[0]:.2f} "
                      f"| {ours[1] / theirs[1]:.2f} | |")
    for mode in ("gdb py-sample", "lldb py-sample"):
        speed_row(f"{mode}, merged, {DEBUGGER_RATE} Hz", args.python,
                  lambda pid, mode=mode: sampler_command(args.build, mode, pid, DEBUGGER_RATE, seconds),
                  seconds, ours_achieved)
    missing = [name for name in ("py-spy", "austin") if not shutil.which(name)]
    if missing:
        print(f"\nnot installed, so no ratio: {', '.join(missing)}")


def hot_share(folded_path):
    """hot()'s share of the samples in hot() or cold() of a folded profile (None when none)."""
    hot = cold = 0
    for line in Path(folded_path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if any(frame.startswith("hot (") for frame in frames):
            hot += int(count)
        elif any(frame.startswith("cold (") for frame in frames):
            cold += int(count)
    return (hot / (hot + cold), hot + cold) if hot + cold else (None, 0)


def bias_once(args, mode, rate):
    """(hot's share in the samples, samples in hot or cold, the target's own hot share)."""
    target_cpus, sampler_cpus = cpu_plan()
    with tempfile.TemporaryDirectory(prefix="pyxray-bias-bench-") as workdir:
        truth = Path(workdir) / "truth.json"
        folded = Path(workdir) / "profile.folded"
        target = start_fixture([args.python, PERIODIC, "--threads", "3", "--truth", truth,
                                "--seconds", args.bias_seconds + 30], workdir, target_cpus, "periodic")
        time.sleep(1.5)
        try:
            sampled_run(sampler_command(args.build, mode, target.pid, rate, args.bias_seconds,
                                        python_only=mode != "stop-the-world", output=folded), sampler_cpus)
            time.sleep(0.3)  # the truth file is rewritten every 0.2 s
            measured = json.loads(truth.read_text())
        finally:
            stop_fixture(target)
        share, samples = hot_share(folded) if folded.exists() else (None, 0)
    return share, samples, measured["hot_s"] / (measured["hot_s"] + measured["cold_s"])


def print_bias(args):
    print(f"\n| bias check: periodic.py (10 ms period, 70% in hot(), 4 threads), {args.bias_seconds:g} s "
          f"| requested | hot's share of the samples | the target's own measure | difference | samples |")
    print("|---|---|---|---|---|---|")
    for mode in FRONT_ENDS:
        for rate in BIAS_RATES:
            share, samples, truth = bias_once(args, mode, rate)
            shown = "-" if share is None else f"{100 * share:.1f}%"
            difference = "-" if share is None else f"{100 * (share - truth):+.1f}"
            print(f"| {mode} | {rate} Hz | {shown} | {100 * truth:.1f}% | {difference} | {samples} |",
                  flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=Path, default=Path(os.environ.get("PYXRAY_BUILD", REPO / "build")))
    parser.add_argument("--python",
                        default=str(max(Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=4, help="runs per row, the copies' roles swapped")
    parser.add_argument("--floor-repeats", type=int, default=16,
                        help="pairs of runs, none and non-blocking at 100 Hz, for issue 7's 2%% floor")
    parser.add_argument("--floor-seconds", type=float, default=6.0, help="length of each of those runs")
    parser.add_argument("--only", choices=("all", "issue7", "speed", "bias"), default="all",
                        help="issue7: the first tables; speed: issue 22's speed and bias tables; bias: "
                             "the bias table alone")
    parser.add_argument("--speed-pythons", nargs="+", default=[
        str(max(Path.home().glob(f".pyenv/versions/3.{minor}.*/bin/python3.{minor}"))) for minor in (12, 11)],
        help="interpreters of the non-blocking speed rows")
    parser.add_argument("--bias-seconds", type=float, default=10.0, help="length of each bias-check run")
    args = parser.parse_args()
    args.build = args.build.resolve()
    target_cpus, sampler_cpus = cpu_plan()
    if args.only == "bias":
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print_bias(args)
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
        return
    if args.only != "issue7":
        print(f"issue 22 tables; load average before: {os.getloadavg()[0]:.2f}")
        print_speed(args)
        print_bias(args)
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
        if args.only == "speed":
            return
    print(f"target: {args.threads} threads of pure-Python work under {args.python}, two copies on CPU "
          f"{sorted(target_cpus)}, samplers on CPU {sorted(sampler_cpus)}; sampled for {args.seconds:g} s, "
          f"{args.repeats} runs per row; load average before: {os.getloadavg()[0]:.2f}\n")
    print("| sampler | requested | achieved samples/s | sampler CPU "
          "| target slowdown: mean ± 95% | runs: lowest to highest |")
    print("|---|---|---|---|---|---|")
    print(row("(none: both copies alone)", "-", measure(args, "(none)", 0, args.repeats)), flush=True)
    for mode, rates in RATES.items():
        for rate in rates:
            print(row(mode, f"{rate} Hz", measure(args, mode, rate, args.repeats)), flush=True)
    print(row("`gdb -p PID -batch -ex 'thread apply all bt'` loop", "as fast as it goes",
              measure(args, "classic gdb loop", 0, args.repeats)))
    print_rates_alone(args)
    print_floor_check(args)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
