"""Bad input: one line that says what is wrong, exit status 1, the debugger session alive."""

import pytest

from support.drivers import CLI, lldb_command, run, run_cli, run_gdb
from support.targets import PlainProcess, Target, truncated_copy


@pytest.fixture
def plain_target():
    """`sleep 100`: a process with no CPython in it."""
    process = PlainProcess.start()
    yield Target("live", None, {}, process.pid)
    process.stop()


def lines(text):
    return [line for line in text.splitlines() if line.strip()]


def no_python(target):
    """What every command says of a process without CPython."""
    return f"no CPython runtime in process {target.pid}: no _PyRuntime symbol"


def unknown_option(command):
    return f"{command}: unknown option '--bogus'; valid options: "


def assert_one_line_error(completed, what, expected):
    """Exit 1 and one line on stderr that says `expected` (never a crash's 'internal error')."""
    assert completed.returncode == 1, \
        f"{what}: exit {completed.returncode}, expected 1; stderr: {completed.stderr!r}"
    assert len(lines(completed.stderr)) == 1, \
        f"{what}: expected exactly one line on stderr, got {completed.stderr!r}"
    assert expected in completed.stderr, f"{what}: expected {expected!r} in {completed.stderr!r}"
    assert "internal error" not in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout


COMMANDS = ["xbt", "threads", "tasks", "heap"]


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_rejects_a_process_without_python(plain_target, command):
    completed = run_cli(plain_target, [], subcommand=command)
    assert_one_line_error(completed, f"pyxray {command} --pid <sleep>", no_python(plain_target))


@pytest.mark.parametrize("command", ["threads", "tasks", "heap"])
def test_cli_command_needs_a_target(command):
    completed = run([CLI, command])
    assert_one_line_error(completed, f"pyxray {command} without a target",
                          f"pyxray: {command} needs a target: PID, CORE, --pid PID or --core CORE")


def test_cli_rejects_a_file_that_is_not_elf(tmp_path):
    not_a_core = tmp_path / "notes.txt"
    not_a_core.write_text("this is not an ELF core file\n" * 100)
    core = Target("core", None, {}, 0, not_a_core)
    assert_one_line_error(run_cli(core, ["--json"], with_exe=False), "pyxray xbt --core <text>",
                          f"cannot read core '{not_a_core}': not an ELF file")


def test_cli_rejects_a_truncated_core(any_core_target, tmp_path):
    truncated = truncated_copy(any_core_target.core, tmp_path / "truncated.core")
    core = Target("core", any_core_target.interpreter, any_core_target.record, 0, truncated)
    try:
        completed = run_cli(core, ["--json"])
    finally:
        truncated.unlink()  # ~110 MB; pytest keeps tmp_path for three runs
    assert_one_line_error(completed, "pyxray xbt --core <first half of a core>", "truncated")


def between_markers(output):
    """gdb's output between `echo BEGIN` and `echo ALIVE`: what the command in between printed,
    stdout and stderr in order."""
    assert "BEGIN\n" in output, f"gdb never ran the commands:\n{output[-3000:]}"
    assert "ALIVE\n" in output, f"gdb session died before `echo ALIVE`:\n{output[-3000:]}"
    return lines(output.split("BEGIN\n", 1)[1].split("ALIVE\n", 1)[0])


def assert_gdb_error_then_alive(target, command, expected):
    completed = run_gdb(target, ["echo BEGIN\\n", command, "echo ALIVE\\n"], merge_stderr=True)
    output = completed.stdout
    assert "Traceback" not in output and "Python Exception" not in output, output[-3000:]
    printed = between_markers(output)
    assert len(printed) == 1 and expected in printed[0] and "internal error" not in printed[0], \
        f"expected one line with {expected!r} from `{command}`, got {printed}:\n{output[-3000:]}"


def assert_lldb_error_then_alive(target, command, expected, *more_expected):
    """Without -b, lldb stops at the first failing -o command and reads on from stdin: ALIVE
    printed from there shows the session survived the error."""
    completed = run(lldb_command(target, [command], batch=False),
                    stdin_text='script print("ALIVE")\nprocess detach\nquit\n')
    output = completed.stdout + completed.stderr
    errors = [line for line in lines(completed.stderr) if line.startswith("error:")]
    assert len(errors) == 1, f"expected one error line from `{command}`:\n{output[-3000:]}"
    for fragment in (expected, *more_expected):
        assert fragment in errors[0], f"expected {fragment!r} from `{command}`, got {errors[0]!r}"
    assert "internal error" not in errors[0]
    assert "Traceback" not in output
    assert "ALIVE" in lines(completed.stdout), f"LLDB session did not survive:\n{output[-3000:]}"


ERROR_CHECKS = {"gdb": assert_gdb_error_then_alive, "lldb": assert_lldb_error_then_alive}
DEBUGGER_COMMANDS = ["py-xbt", "py-threads", "py-tasks", "py-heap"]


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("command", DEBUGGER_COMMANDS)
def test_debugger_rejects_an_unknown_option_and_stays_alive(any_live_target, debugger, command):
    ERROR_CHECKS[debugger](any_live_target, f"{command} --bogus", unknown_option(command))


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("command", DEBUGGER_COMMANDS)
def test_debugger_rejects_a_process_without_python_and_stays_alive(plain_target, debugger, command):
    ERROR_CHECKS[debugger](plain_target, command, f"{command}: " + no_python(plain_target))


def test_lldb_rejects_an_unknown_backend_and_stays_alive(any_live_target):
    assert_lldb_error_then_alive(any_live_target, "py-backend elf", "'elf'", "auto, direct, sbapi")
