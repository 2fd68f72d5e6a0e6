#!/usr/bin/python3
"""Reading a ~2 GB zstd core against the same core uncompressed (issue 16): `pyxray xbt --core`
wall time and peak memory (max RSS) of each, runs alternated, with every output checked to be
the same.

The core is gcore's of a Python process that holds SIZE_GB (default 2) of compressible but not
trivial memory: random bytes mapped onto 9 symbols with a skewed distribution (about 2 bits of
entropy a byte, no long repeats), in 64 MiB bytes objects. It is compressed with the `zstd`
command at its default level (3), multi-threaded, as systemd-coredump's zstd would be read.
Standard library only; prints a Markdown section for bench/RESULTS.md. Timings are never
asserted.

  /usr/bin/python3 bench/compressed_core_bench.py [--build DIR] [--python PATH] [--size-gb N]
                                                  [--repeats N] [--workdir DIR]
"""
import argparse
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
CHUNK = 64 << 20
HOUR = 3600

# Runs in the target: fills memory, then says it is ready and sleeps.
HOLDER = r"""
import os, sys, time
size, ready = int(sys.argv[1]), sys.argv[2]
# byte -> symbol k (0-8) with probability 2**-(k+1): about 2 bits of entropy a byte
table = bytes(8 - value.bit_length() for value in range(256))
chunks = [os.urandom(%(chunk)d).translate(table) for _ in range(size // %(chunk)d)]
open(ready, "w").close()
time.sleep(%(hour)d)
""" % {"chunk": CHUNK, "hour": HOUR}


def timed(command, environment=None):
    """Wall seconds and the child's own max RSS (MB) for one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen([str(part) for part in command], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=environment)
    # wait4 reaps the child and gives its own rusage (RUSAGE_CHILDREN would be a running max)
    stdout_chunks = []
    while True:
        chunk = process.stdout.read(1 << 20)
        if not chunk:
            break
        stdout_chunks.append(chunk)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    return seconds, usage.ru_maxrss / 1024, process.returncode, b"".join(stdout_chunks), stderr


def make_core(python, size, workdir):
    ready = workdir / "ready"
    target = subprocess.Popen([python, "-c", HOLDER, str(size), str(ready)], stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while not ready.exists():
            if target.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the memory holder exited or took too long (status {target.poll()})")
            time.sleep(0.1)
        core = workdir / "core"
        start = time.perf_counter()
        subprocess.run(["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-p", str(target.pid),
                        "-ex", f"gcore {core}"], stdin=subprocess.DEVNULL, capture_output=True, check=True,
                       timeout=1800)
        return core, time.perf_counter() - start
    finally:
        target.kill()
        target.wait()


def compress(core):
    out = core.with_name("core.zst")
    start = time.perf_counter()
    subprocess.run(["zstd", "-q", "-T0", str(core), "-o", str(out)], check=True, timeout=1800)
    return out, time.perf_counter() - start


def median_range(values, unit, digits=2):
    return (f"{statistics.median(values):.{digits}f} {unit} [{min(values):.{digits}f}-"
            f"{max(values):.{digits}f}] x{len(values)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.environ.get("PYXRAY_BUILD", REPO / "build"), type=Path)
    parser.add_argument("--python",
                        default=str(next(Path.home().glob(".pyenv/versions/3.12.*/bin/python3.12"),
                                         "/usr/bin/python3.11")))
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new directory under $TMPDIR")
    args = parser.parse_args()
    cli = args.build / "bin" / "pyxray"
    if not cli.exists():
        sys.exit(f"no {cli}: run make build, or pass --build DIR")
    workdir = Path(tempfile.mkdtemp(prefix="pyxray-zstd-bench-", dir=args.workdir))
    load_before = os.getloadavg()
    try:
        size = int(args.size_gb * (1 << 30)) // CHUNK * CHUNK
        core, gcore_seconds = make_core(args.python, size, workdir)
        zst, zstd_seconds = compress(core)
        runs = {"uncompressed": [], "zstd": []}
        first_output = None
        for _ in range(args.repeats):
            for name, path in (("zstd", zst), ("uncompressed", core)):
                seconds, rss, status, stdout, stderr = timed([cli, "xbt", "--core", path])
                if status != 0:
                    sys.exit(f"pyxray xbt --core {path} failed ({status}): {stderr.decode()[-2000:]}")
                runs[name].append((seconds, rss))
                first_output = stdout if first_output is None else first_output
                if stdout != first_output or b"CPython" not in stdout:
                    sys.exit(f"{name}: output differs from the first run's:\n{stdout.decode()[:2000]}")
        core_size, zst_size = core.stat().st_size, zst.stat().st_size
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    load_after = os.getloadavg()
    plain_seconds = [run[0] for run in runs["uncompressed"]]
    zstd_seconds_runs = [run[0] for run in runs["zstd"]]
    print("## Compressed cores (issue 16): `bench/compressed_core_bench.py`\n")
    print(f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"`uname -a`: `{' '.join(platform.uname())}`; {os.cpu_count()} logical CPUs")
    print(f"- Load average (1, 5, 15 min) at start and end: {' '.join(f'{x:.2f}' for x in load_before)} / "
          f"{' '.join(f'{x:.2f}' for x in load_after)}")
    print(f"- Target: `{args.python}` holding {size / (1 << 30):.1f} GiB of 2-bits-a-byte random bytes; "
          f"gcore wrote {core_size / 1e9:.2f} GB in {gcore_seconds:.1f} s; `zstd -T0` (level 3) made it "
          f"{zst_size / 1e9:.2f} GB ({core_size / zst_size:.1f}x) in {zstd_seconds:.1f} s")
    tmpdir = os.environ.get("TMPDIR") or "/tmp"
    tmpdir_fstype = subprocess.run(["df", "--output=fstype", tmpdir],
                                   capture_output=True, text=True).stdout.split()[-1]
    print(f"- Temporary directory: {tmpdir} ({tmpdir_fstype})")
    print("- Every run's output was the same (`pyxray xbt --core`, text).\n")
    print("| core | `pyxray xbt --core` wall time | max RSS |")
    print("|---|---|---|")
    for name, label in (("uncompressed", f"uncompressed, {core_size / 1e9:.2f} GB"),
                        ("zstd", f"zstd, {zst_size / 1e9:.2f} GB")):
        seconds = [run[0] for run in runs[name]]
        rss = [run[1] for run in runs[name]]
        print(f"| {label} | {median_range(seconds, 's')} | {median_range(rss, 'MB', 0)} |")
    extra = statistics.median(zstd_seconds_runs) - statistics.median(plain_seconds)
    rate = core_size / 1e6 / max(extra, 1e-9)
    print(f"\nThe zstd core costs {extra:.2f} s more (medians): decompressing into the temporary file "
          f"at about {rate:.0f} MB/s of core; memory stays flat.")


if __name__ == "__main__":
    main()
