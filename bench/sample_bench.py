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

  /usr/bin/python3 bench/sample_bench.py [--build DIR] [--python PATH] [--seconds S] [--repeats N]
                                         [--floor-repeats N] [--floor-seconds S]
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "bench" / "sample_target.py"
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


def sampler_command(build, mode, pid, rate, seconds, python_only=False):
    words = ["--rate", str(rate), "--duration", str(seconds), *(["--python-only"] if python_only else [])]
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
    args = parser.parse_args()
    args.build = args.build.resolve()
    target_cpus, sampler_cpus = cpu_plan()
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
