#!/usr/bin/python3
"""The heap census (issue 21) on a big heap: `pyxray heap` wall time and memory on a live process
and on its gcore core (first with the kernel's page cache dropped, then warm), each output
checked against the program's own record (fixtures/heap.py: the count of its Order class).

No peer takes a census from outside the process after the fact; the reference beside the
figures is the target's own census, gc.get_objects() with sys.getsizeof() of each object, run
inside it (what guppy or objgraph would cost, on a process still alive). Prints a Markdown
section for bench/RESULTS.md. Timings are never asserted.

  /usr/bin/python3 bench/heap_bench.py [--build DIR] [--python PATH] [--orders N] [--repeats N]
                                       [--workdir DIR]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 900


def timed(command, repeats, before=None):
    """(seconds, max RSS in KB, stdout) per run."""
    runs = []
    for _ in range(repeats):
        if before:
            before()
        started = time.monotonic()
        completed = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True)
        elapsed = time.monotonic() - started
        if completed.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {completed.stderr[-2000:]}")
        runs.append((elapsed, int(completed.stderr.strip().splitlines()[-1]), completed.stdout))
    return runs


def drop_page_cache():
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def checked(runs, record, what):
    for _, _, stdout in runs:
        types = {f"{entry['module']}.{entry['qualname']}": entry
                 for entry in json.loads(stdout)["heap"]["types"]}
        shown = types.get("__main__.Order", {}).get("count")
        if shown != record["orders"]:
            raise SystemExit(f"{what}: {shown} Order objects, the record says {record['orders']}")
    return runs


def summary(runs):
    times = [elapsed for elapsed, _, _ in runs]
    rss = max(kb for _, kb, _ in runs) / 1024
    spread = f"{statistics.median(times):.2f} s [{min(times):.2f}-{max(times):.2f}] x{len(runs)}"
    return spread, f"{rss:.0f} MB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.environ.get("PYXRAY_BUILD", str(REPO / "build")))
    parser.add_argument("--python", default=str(Path.home() / ".pyenv/versions/3.12.1/bin/python3"))
    parser.add_argument("--orders", type=int, default=6000000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    args = parser.parse_args()
    cli = str(Path(args.build) / "bin" / "pyxray")
    workdir = Path(tempfile.mkdtemp(prefix="heap-bench-", dir=args.workdir))
    load_before = os.getloadavg()
    record_path, ready = workdir / "record.json", workdir / "ready"
    process = subprocess.Popen([args.python, str(REPO / "fixtures" / "heap.py"), "--record", str(record_path),
                                "--ready", str(ready), "--orders", str(args.orders)], cwd=workdir)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"heap.py did not get ready (exit {process.poll()})")
            time.sleep(0.2)
        record = json.loads(record_path.read_text())
        live_command = [cli, "heap", "--pid", str(process.pid), "--json"]
        live = checked(timed(live_command, args.repeats), record, "live")
        core = workdir / "core"
        started = time.monotonic()
        subprocess.run(["gdb", "-p", str(process.pid), "-batch", "-ex", f"gcore {core}"], capture_output=True,
                       check=True)
        gcore_seconds = time.monotonic() - started
    finally:
        process.kill()
        process.wait()
    try:
        command = [cli, "heap", "--core", str(core), "--json"]
        cold = checked(timed(command, args.repeats, drop_page_cache), record, "core, cold")
        warm = checked(timed(command, args.repeats), record, "core, warm")
        core_size = core.stat().st_size
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    tracked = json.loads(live[0][2])["heap"]["total"]["count"]
    print("### Heap census: `pyxray heap --json` (issue 21)\n")
    loads = " / ".join(" ".join(f"{x:.2f}" for x in load) for load in (load_before, os.getloadavg()))
    print(f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, `{platform.node()}`, "
          f"{os.cpu_count()} CPUs, load {loads}")
    print(f"- Target: `{args.python}` running `fixtures/heap.py --orders {args.orders}`: "
          f"{tracked:,} tracked objects; gcore wrote {core_size / 1e9:.2f} GB in {gcore_seconds:.1f} s")
    print(f"- Command: `/usr/bin/python3 bench/heap_bench.py --orders {args.orders} "
          f"--repeats {args.repeats}`; every output's Order count checked against the record\n")
    print("| target | wall time | max RSS |\n|---|---|---|")
    for name, runs in (("live process", live), ("core, page cache dropped before each run", cold),
                       ("core, page cache warm", warm)):
        elapsed, rss = summary(runs)
        print(f"| {name} | {elapsed} | {rss} |")
    print(f"\nReference: the target's own census (gc.get_objects() and sys.getsizeof() of each object, "
          f"inside the process) took {record['census_seconds']:.2f} s.")


if __name__ == "__main__":
    main()
