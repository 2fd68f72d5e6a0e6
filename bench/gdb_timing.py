"""Runs inside gdb (`source bench/gdb_timing.py`): times backtrace commands on one thread.

Parameters come as JSON in the environment variable PYXRAY_BENCH:
  {"bench_dir": ..., "lwp": 123, "sequence": ["py-xbt --python-only", "py-bt", ...]}
Selects the thread whose LWP is `lwp`, runs each command of `sequence` in order with
gdb.execute(..., to_string=True) timed by time.perf_counter, counts the Python frames each
printed, and prints one line: MARKER followed by a JSON list of
{"command", "seconds", "python_frames", "excerpt"} (or {"error": ...} and stops).
"""

import json
import os
import sys
import time

import gdb

MARKER = "PYXRAY-BENCH-RESULT "


def select_thread(lwp):
    for thread in gdb.selected_inferior().threads():
        if thread.ptid[1] == lwp:
            thread.switch()
            return
    raise gdb.GdbError(f"no thread with LWP {lwp} in the attached process")


def time_commands(sequence, counting):
    results = []
    for command in sequence:
        start = time.perf_counter()
        try:
            output = gdb.execute(command, to_string=True)
        except gdb.error as error:
            results.append({"command": command, "error": f"{command}: {error}"})
            break
        seconds = time.perf_counter() - start
        results.append({"command": command, "seconds": seconds,
                        "python_frames": counting.python_frames(command, output),
                        "excerpt": counting.excerpt(output)})
    return results


def main():
    parameters = json.loads(os.environ["PYXRAY_BENCH"])
    sys.path.insert(0, parameters["bench_dir"])
    import counting
    try:
        select_thread(parameters["lwp"])
        results = time_commands(parameters["sequence"], counting)
    except gdb.error as error:
        results = [{"command": "select thread", "error": str(error)}]
    print(MARKER + json.dumps(results), flush=True)


main()
