#!/usr/bin/python3
"""Listing N pending asyncio tasks (issue 19): `pyxray tasks --json` wall time on a live process
and on its gcore core, each output checked to hold every task with its whole coroutine chain.

No peer lists the tasks of CPython 3.8-3.13 from outside the process (CPython's own
`python -m asyncio ps` reads only 3.14+), so the reference beside each figure is the same
target's `pyxray xbt --python-only`: what a user of pyxray pays anyway to see the loop thread.
The target runs one event loop with N tasks, each suspended in `asyncio.Event.wait` through
two coroutines of its own. Standard library only; prints a Markdown section for
bench/RESULTS.md. Timings are never asserted.

  /usr/bin/python3 bench/tasks_bench.py [--build DIR] [--python PATH] [--tasks N ...]
                                        [--repeats N] [--workdir DIR]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 300

# Runs in the target: N tasks waiting on one Event, then says it is ready.
TARGET = r"""
import asyncio, sys
count, ready = int(sys.argv[1]), sys.argv[2]

async def wait_for_signal(event):
    await event.wait()

async def handler(event):
    await wait_for_signal(event)

async def main():
    event = asyncio.Event()
    tasks = [asyncio.create_task(handler(event), name=f"t-{i}") for i in range(count)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    open(ready, "w").close()
    await event.wait()

asyncio.run(main())
"""


def wait_ready(process, ready):
    deadline = time.monotonic() + READY_TIMEOUT
    while not os.path.exists(ready):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the target did not get ready (exit {process.poll()})")
        time.sleep(0.05)


def timed(command):
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {completed.stderr.strip()}")
    return elapsed, completed.stdout


def check_tasks(output, count):
    tasks = json.loads(output)["tasks"]
    waiting = [t for t in tasks if t["name"].startswith("t-")]
    whole = [t for t in waiting
             if [f["function"] for f in t["coroutine"]] == ["wait", "wait_for_signal", "handler"]]
    if len(waiting) != count or len(whole) != count:
        raise SystemExit(f"expected {count} tasks with whole chains, got {len(waiting)} ({len(whole)} whole)")


def median_text(values):
    return (f"{statistics.median(values) * 1000:.1f} ms "
            f"[{min(values) * 1000:.1f}-{max(values) * 1000:.1f}] x{len(values)}")


def measure(pyxray, python, count, repeats, workdir):
    ready = os.path.join(workdir, f"ready-{count}")
    process = subprocess.Popen([python, "-c", TARGET, str(count), ready])
    try:
        wait_ready(process, ready)
        core_prefix = os.path.join(workdir, f"core-{count}")
        subprocess.run(["gcore", "-o", core_prefix, str(process.pid)],
                       capture_output=True, check=True, timeout=600)
        core = f"{core_prefix}.{process.pid}"
        rows = {}
        for where, target in (("live", ["--pid", str(process.pid)]),
                              ("core", ["--core", core, "--exe", python])):
            tasks_times, xbt_times = [], []
            for _ in range(repeats):  # alternated, so load hits both alike
                elapsed, output = timed([pyxray, "tasks", *target, "--json"])
                check_tasks(output, count)
                tasks_times.append(elapsed)
                xbt_times.append(timed([pyxray, "xbt", *target, "--python-only", "--json"])[0])
            rows[where] = (tasks_times, xbt_times)
        os.unlink(core)
        return rows
    finally:
        process.kill()
        process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(REPO / "build"))
    parser.add_argument("--python", default="/root/.pyenv/versions/3.12.1/bin/python3")
    parser.add_argument("--tasks", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    pyxray = os.path.join(args.build, "bin", "pyxray")
    workdir = args.workdir or tempfile.mkdtemp(prefix="pyxray-tasks-bench-")
    try:
        print("### Listing pending asyncio tasks: `pyxray tasks --json` (issue 19)\n")
        print(f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, `{platform.node()}`, "
              f"{os.cpu_count()} CPUs, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
              f"target `{args.python}`")
        print(f"- Command: `/usr/bin/python3 bench/tasks_bench.py --tasks {' '.join(map(str, args.tasks))} "
              f"--repeats {args.repeats}`; every output checked: each task listed with its whole chain "
              "(Event.wait <- wait_for_signal <- handler)\n")
        print("| tasks | target | `pyxray tasks --json` "
              "| `pyxray xbt --python-only --json` (reference) | ratio |")
        print("|---:|---|---|---|---:|")
        for count in args.tasks:
            rows = measure(pyxray, args.python, count, args.repeats, workdir)
            for where, (tasks_times, xbt_times) in rows.items():
                ratio = statistics.median(tasks_times) / statistics.median(xbt_times)
                print(f"| {count:,} | {where} | {median_text(tasks_times)} | {median_text(xbt_times)} "
                      f"| {ratio:.1f}x |")
                sys.stdout.flush()
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
