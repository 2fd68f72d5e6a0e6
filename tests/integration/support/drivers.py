"""Drive the three front-ends (gdb, LLDB, CLI) at a target and pull out what they print.

Each driver returns the tool's completed process; `xbt_json` extracts the one JSON document
pyxray printed from around the debugger's own chatter.
"""

import json
import os
import re
import subprocess
from pathlib import Path

from support.targets import REPO, quiet_environment

TOOL_TIMEOUT = 180  # seconds; a hang is a failure, never a wait forever

BUILD = Path(os.environ.get("PYXRAY_BUILD", REPO / "build")).resolve()
CLI = BUILD / "bin" / "pyxray"
GDB_SCRIPT = BUILD / "gdb" / "pyxray.py"
LLDB_PLUGIN = BUILD / "lldb" / "libpyxray_lldb.so"
LLDB = "lldb-16"

# gdb with the separate debug info of Debian's python3.11 (python3.11-dbg) out of reach
HIDE_DEBUG_INFO = ["-iex", "set debug-file-directory /nonexistent"]

FRONTENDS = ["gdb", "lldb", "cli"]
GDB_WITHOUT_DEBUG_INFO = "gdb-nodebuginfo"


class ToolFailure(AssertionError):
    pass


def require(path, what):
    if not path.exists():
        raise ToolFailure(f"{what} not built: no {path} (run `make build`, or set PYXRAY_BUILD)")


# A sanitized build (make sanitize-test) leaves the runtimes its plugins need in this file:
# gdb and lldb-16 are not built with ASan, so they get them preloaded (sanitizer/CMakeLists.txt).
SANITIZER_PRELOAD = BUILD / "sanitizer-preload"
SANITIZER_OPTIONS = {
    # gdb and LLDB themselves leak by design at exit; pyxray's own leaks show in the CLI runs.
    "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}
SANITIZER_REPORT = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|: runtime error: ")
DEBUGGERS = {"gdb", LLDB}


LEAK_SUPPRESSIONS = REPO / "sanitizer" / "lsan-suppressions.txt"


def tool_environment(command):
    """quiet_environment(); on a sanitized build, LeakSanitizer's suppressions of others' leaks,
    and the sanitizer runtimes for a debugger loading a sanitized plugin."""
    environment = quiet_environment()
    if not SANITIZER_PRELOAD.exists():
        return environment
    environment["LSAN_OPTIONS"] = f"suppressions={LEAK_SUPPRESSIONS}:print_suppressions=0"
    if Path(str(command[0])).name in DEBUGGERS:
        environment["LD_PRELOAD"] = SANITIZER_PRELOAD.read_text().strip()
        environment.update(SANITIZER_OPTIONS)
    return environment


def run(command, stdin_text=None, merge_stderr=False, extra_environment=None, timeout=TOOL_TIMEOUT):
    """Run a tool with a timeout; merge_stderr folds stderr into stdout, in order. A sanitizer
    report anywhere in its output fails the test, whatever the tool printed besides."""
    environment = dict(tool_environment(command), **(extra_environment or {}))
    try:
        completed = subprocess.run([str(part) for part in command], input=stdin_text,
                                   stdin=None if stdin_text is not None else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                                   text=True, errors="replace",
                                   timeout=timeout, env=environment)
    except subprocess.TimeoutExpired as expired:
        raise ToolFailure(f"timed out after {timeout} s: {' '.join(map(str, command))}; "
                          f"output so far: {_text(expired.stdout)[-2000:]}") from None
    output = completed.stdout + (completed.stderr or "")
    report = SANITIZER_REPORT.search(output)
    if report:
        raise ToolFailure(f"sanitizer report from {' '.join(map(str, command))}:\n"
                          f"{output[max(0, report.start() - 200):report.start() + 4000]}")
    return completed


def _text(data):
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")


def gdb_command(target, commands, extra_iex=()):
    """gdb -batch at the target, with pyxray's script sourced and `commands` run in order."""
    require(GDB_SCRIPT, "the gdb front-end")
    command = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", *extra_iex]
    if target.kind == "live":
        command += ["-p", target.pid]
    else:
        command += ["-c", target.core, target.executable]
    command += ["-ex", f"source {GDB_SCRIPT}"]
    for line in commands:
        command += ["-ex", line]
    return command


def run_gdb(target, commands, extra_iex=(), merge_stderr=False):
    return run(gdb_command(target, commands, extra_iex), merge_stderr=merge_stderr)


def lldb_command(target, commands, batch=True, detach=True):
    """lldb-16 at the target with the plugin loaded. Either way LLDB stops running -o commands
    at the first that fails; with batch it then exits 1, without it reads on from stdin.
    detach=False leaves a live process attached after the -o commands, for commands on stdin."""
    require(LLDB_PLUGIN, "the LLDB plugin")
    if target.kind == "live":
        opening = f"process attach -p {target.pid}"
    else:
        opening = f"target create --core {target.core} {target.executable}"
    command = [LLDB, "--no-lldbinit", *(["-b"] if batch else []),
               "-o", opening, "-o", f"plugin load {LLDB_PLUGIN}"]
    for line in commands:
        command += ["-o", line]
    if target.kind == "live" and detach:
        command += ["-o", "process detach"]
    return command


def run_lldb(target, commands):
    return run(lldb_command(target, commands))


def cli_command(target, flags, with_exe=True, subcommand="xbt"):
    require(CLI, "the pyxray CLI")
    if target.kind == "live":
        return [CLI, subcommand, "--pid", target.pid, *flags]
    command = [CLI, subcommand, "--core", target.core]
    if with_exe:
        command += ["--exe", target.executable]
    return command + list(flags)


def run_cli(target, flags, with_exe=True, subcommand="xbt"):
    return run(cli_command(target, flags, with_exe, subcommand))


def run_xbt(frontend, target, flags):
    """`py-xbt -a FLAGS` (debuggers) or `pyxray xbt FLAGS` (CLI, always all threads)."""
    if frontend == "cli":
        return run_cli(target, flags)
    return run_debugger(frontend, target, [" ".join(["py-xbt", "-a", *flags])])


def run_debugger(frontend, target, commands):
    """`commands` in order, in one session of the debugger `frontend`."""
    if frontend == "gdb":
        return run_gdb(target, commands)
    if frontend == GDB_WITHOUT_DEBUG_INFO:
        return run_gdb(target, commands, HIDE_DEBUG_INFO)
    if frontend == "lldb":
        return run_lldb(target, commands)
    raise ValueError(f"unknown debugger front-end {frontend}")


def run_tasks(frontend, target, flags):
    """`py-tasks FLAGS` (debuggers) or `pyxray tasks FLAGS` (CLI)."""
    if frontend == "cli":
        return run_cli(target, flags, subcommand="tasks")
    return run_debugger(frontend, target, [" ".join(["py-tasks", *flags])])


def run_threads(frontend, target, flags):
    """`py-threads FLAGS` (debuggers) or `pyxray threads FLAGS` (CLI)."""
    if frontend == "cli":
        return run_cli(target, flags, subcommand="threads")
    return run_debugger(frontend, target, [" ".join(["py-threads", *flags])])


JSON_START = re.compile(r'\{\s*"pyxray"\s*:')


def json_spans(text):
    """(start, end, document) of every {"pyxray": ...} document in text, in order."""
    decoder = json.JSONDecoder()
    spans, end = [], 0
    for match in JSON_START.finditer(text):
        if match.start() < end:
            continue  # inside the document just read
        try:
            document, end = decoder.raw_decode(text, match.start())
            spans.append((match.start(), end, document))
        except json.JSONDecodeError:
            continue
    return spans


def json_documents(completed):
    """Every {"pyxray": ...} document in the tool's stdout, in order, around the chatter."""
    return [document for _, _, document in json_spans(completed.stdout)]


def around_json(completed, what):
    """(text before, document, text after) the first {"pyxray": ...} document in the tool's
    stdout: the outputs of the commands run before and after the --json one in a session."""
    spans = json_spans(completed.stdout)
    if not spans:
        extract_json(completed, what)  # raises, saying what the tool printed instead
    start, end, document = spans[0]
    return completed.stdout[:start], document, completed.stdout[end:]


def extract_json(completed, what):
    """The first {"pyxray": ...} document in the tool's stdout, wherever the chatter puts it."""
    documents = json_documents(completed)
    if documents:
        return documents[0]
    raise ToolFailure(f"{what}: no pyxray JSON document in its output (exit "
                      f"{completed.returncode})\n--- stdout (tail)\n{completed.stdout[-3000:]}\n"
                      f"--- stderr (tail)\n{(completed.stderr or '')[-3000:]}")


def xbt_json(frontend, target, *flags):
    """The parsed --json output, run once per (front-end, flags) per target and cached;
    a failure is cached too so each test reports it without running the tool again."""
    key = (frontend, flags)
    if key not in target.results:
        try:
            completed = run_xbt(frontend, target, [*flags, "--json"])
            what = f"{frontend} py-xbt {' '.join(flags)} on {target.kind} {target.interpreter.id}"
            target.results[key] = extract_json(completed, what)
        except ToolFailure as failure:
            target.results[key] = failure
    result = target.results[key]
    if isinstance(result, ToolFailure):
        raise ToolFailure(str(result))
    return result
