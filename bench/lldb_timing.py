"""Runs inside LLDB (`command script import bench/lldb_timing.py`): times commands on one thread.

The LLDB twin of gdb_timing.py, with the same PYXRAY_BENCH parameters and the same output line.
Commands run through SBCommandInterpreter.HandleCommand, timed by time.perf_counter.
"""

import json
import os
import sys
import time

import lldb

MARKER = "PYXRAY-BENCH-RESULT "


def select_thread(debugger, lwp):
    process = debugger.GetSelectedTarget().GetProcess()
    thread = process.GetThreadByID(lwp)
    if not thread.IsValid():
        raise LookupError(f"no thread with id {lwp} in the attached process")
    process.SetSelectedThread(thread)


def time_commands(debugger, sequence, counting):
    interpreter = debugger.GetCommandInterpreter()
    results = []
    for command in sequence:
        returned = lldb.SBCommandReturnObject()
        start = time.perf_counter()
        interpreter.HandleCommand(command, returned)
        seconds = time.perf_counter() - start
        if not returned.Succeeded():
            error = (returned.GetError() or "failed").strip()
            results.append({"command": command, "error": f"{command}: {error}"})
            break
        output = returned.GetOutput() or ""
        results.append({"command": command, "seconds": seconds,
                        "python_frames": counting.python_frames(command, output),
                        "excerpt": counting.excerpt(output)})
    return results


def __lldb_init_module(debugger, internal_dict):
    parameters = json.loads(os.environ["PYXRAY_BENCH"])
    sys.path.insert(0, parameters["bench_dir"])
    import counting
    try:
        select_thread(debugger, parameters["lwp"])
        results = time_commands(debugger, parameters["sequence"], counting)
    except LookupError as error:
        results = [{"command": "select thread", "error": str(error)}]
    print(MARKER + json.dumps(results), flush=True)
