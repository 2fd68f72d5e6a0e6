#!/usr/bin/python3
"""The sampler's rate and cost (issue 7): for the standalone stop-the-world and non-blocking
samplers, py-sample in gdb and in LLDB, and the classic `gdb -p PID -batch -ex 'thread apply
all bt'` loop, at 10, 100 and 1,000 Hz requested: the achieved rate, and the slowdown of a
4-thread pure-Python target against an identical copy started with it and left alone, over
the sampler command's whole run (attaching and detaching included).
Standard library only; prints a Markdown table (see bench/README.md). Timings are never asserted.

  /usr/bin/python3 bench/sample_bench.py [--build DIR] [--python PATH] [--seconds S]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "bench" / "sample_target.py"
RATES = [10, 100, 1000]
ACHIEVED = re.compile(r"(\d+) samples in ([\d.]+) s \(([\d.]+)/s achieved\)")


def start_pair(python, seconds, workdir, threads):
    """Two identical targets started together; returns them once both run."""
    pair = []
    for name in ("sampled", "alone"):
        ready = Path(workdir) / f"{name}.ready"
        process = subprocess.Popen([python, TARGET, "--seconds", str(seconds), "--threads", str(threads),
                                    "--ready", ready], stdout=subprocess.PIPE, text=True)
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


def sampler_command(build, mode, pid, rate, seconds):
    words = ["--rate", str(rate), "--duration", str(seconds)]
    if mode in ("stop-the-world", "non-blocking"):
        extra = ["--nonblocking"] if mode == "non-blocking" else []
        return [build / "bin" / "pyxray", "sample", "--pid", str(pid), *words, *extra]
    line = " ".join(["py-sample", *words])
    if mode == "gdb py-sample":
        return ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-p", str(pid),
                "-ex", f"source {build / 'gdb' / 'pyxray.py'}", "-ex", line]
    return ["lldb-16", "--no-lldbinit", "-b", "-o", f"process attach -p {pid}",
            "-o", f"plugin load {build / 'lldb' / 'libpyxray_lldb.so'}", "-o", line, "-o", "process detach"]


def classic_loop(pid, seconds):
    """The classic poor man's profiler: one gdb per sample, native frames only."""
    count, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        subprocess.run(["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-p", str(pid),
                        "-ex", "thread apply all bt"], capture_output=True, timeout=120)
        count += 1
    return count / (time.monotonic() - start)


def measure(build, python, mode, rate, seconds, threads):
    with tempfile.TemporaryDirectory(prefix="pyxray-sample-bench-") as workdir:
        # The targets outlive the sampling: attach and detach happen inside their run.
        sampled, alone = start_pair(python, seconds + 3, workdir, threads)
        time.sleep(0.5)
        start = time.monotonic()
        if mode == "classic gdb loop":
            achieved = classic_loop(sampled.pid, seconds)
        elif mode == "(none: both alone)":
            achieved = None
            time.sleep(seconds)
        else:
            output = subprocess.run([str(part) for part in sampler_command(build, mode, sampled.pid, rate, seconds)],
                                    capture_output=True, text=True, timeout=300)
            found = ACHIEVED.search(output.stdout + output.stderr)
            if not found:
                sys.exit(f"{mode}: no achieved rate in its output:\n{(output.stdout + output.stderr)[-2000:]}")
            achieved = float(found.group(3))
        end = time.monotonic()
        done, baseline = work_between(sampled, start, end), work_between(alone, start, end)
    return achieved, 100.0 * (1 - done / baseline)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=Path, default=Path(os.environ.get("PYXRAY_BUILD", REPO / "build")))
    parser.add_argument("--python", default=str(max(Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    build = args.build.resolve()
    print(f"target: {args.threads} threads of pure-Python work under {args.python}; "
          f"sampled for {args.seconds:g} s; load average before: {os.getloadavg()[0]:.2f}\n")
    print("| sampler | requested | achieved samples/s | target slowdown |")
    print("|---|---|---|---|")
    _, noise = measure(build, args.python, "(none: both alone)", 0, args.seconds, args.threads)
    print(f"| (none: both copies alone) | - | - | {noise:+.1f}% |", flush=True)
    for mode in ("stop-the-world", "non-blocking", "gdb py-sample", "lldb py-sample"):
        for rate in RATES:
            achieved, slowdown = measure(build, args.python, mode, rate, args.seconds, args.threads)
            print(f"| {mode} | {rate} Hz | {achieved:.1f} | {slowdown:+.1f}% |", flush=True)
    achieved, slowdown = measure(build, args.python, "classic gdb loop", 0, args.seconds, args.threads)
    print(f"| `gdb -p PID -batch -ex 'thread apply all bt'` loop | as fast as it goes | {achieved:.1f} | "
          f"{slowdown:+.1f}% |")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
