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


def assert_one_line_error(completed, what):
    assert completed.returncode == 1, \
        f"{what}: exit {completed.returncode}, expected 1; stderr: {completed.stderr!r}"
    assert len(lines(completed.stderr)) == 1, \
        f"{what}: expected exactly one line on stderr, got {completed.stderr!r}"
    assert "Traceback" not in completed.stderr + completed.stdout


def test_cli_rejects_a_process_without_python(plain_target):
    assert_one_line_error(run_cli(plain_target, ["--json"]), "pyxray xbt --pid <sleep>")


def test_cli_rejects_a_file_that_is_not_elf(tmp_path):
    not_a_core = tmp_path / "notes.txt"
    not_a_core.write_text("this is not an ELF core file\n" * 100)
    core = Target("core", None, {}, 0, not_a_core)
    assert_one_line_error(run_cli(core, ["--json"], with_exe=False), "pyxray xbt --core <text>")


def test_cli_rejects_a_truncated_core(any_core_target, tmp_path):
    truncated = truncated_copy(any_core_target.core, tmp_path / "truncated.core")
    core = Target("core", any_core_target.interpreter, any_core_target.record, 0, truncated)
    try:
        completed = run_cli(core, ["--json"])
    finally:
        truncated.unlink()  # ~110 MB; pytest keeps tmp_path for three runs
    assert_one_line_error(completed, "pyxray xbt --core <first half of a core>")


def between_markers(output):
    """gdb's output between `echo BEGIN` and `echo ALIVE`: what the command in between printed,
    stdout and stderr in order."""
    assert "BEGIN\n" in output, f"gdb never ran the commands:\n{output[-3000:]}"
    assert "ALIVE\n" in output, f"gdb session died before `echo ALIVE`:\n{output[-3000:]}"
    return lines(output.split("BEGIN\n", 1)[1].split("ALIVE\n", 1)[0])


def gdb_error_lines(target, command):
    completed = run_gdb(target, ["echo BEGIN\\n", command, "echo ALIVE\\n"], merge_stderr=True)
    output = completed.stdout
    assert "Traceback" not in output and "Python Exception" not in output, output[-3000:]
    return between_markers(output), output


def test_gdb_rejects_an_unknown_option_and_stays_alive(any_live_target):
    printed, output = gdb_error_lines(any_live_target, "py-xbt --bogus")
    assert len(printed) == 1 and "--bogus" in printed[0], \
        f"expected one error line naming --bogus, got {printed}:\n{output[-3000:]}"


def test_gdb_rejects_a_process_without_python_and_stays_alive(plain_target):
    printed, output = gdb_error_lines(plain_target, "py-xbt -a")
    assert len(printed) == 1, f"expected one error line, got {printed}:\n{output[-3000:]}"


def assert_lldb_error_then_alive(target, command):
    """Without -b, lldb stops at the first failing -o command and reads on from stdin: ALIVE
    printed from there shows the session survived the error."""
    completed = run(lldb_command(target, [command], batch=False),
                    stdin_text='script print("ALIVE")\nprocess detach\nquit\n')
    output = completed.stdout + completed.stderr
    errors = [line for line in lines(completed.stderr) if line.startswith("error:")]
    assert len(errors) == 1, f"expected one error line from `{command}`:\n{output[-3000:]}"
    assert "Traceback" not in output
    assert "ALIVE" in lines(completed.stdout), f"LLDB session did not survive:\n{output[-3000:]}"
    return errors[0]


def test_lldb_rejects_an_unknown_option_and_stays_alive(any_live_target):
    error = assert_lldb_error_then_alive(any_live_target, "py-xbt --bogus")
    assert "--bogus" in error


def test_lldb_rejects_a_process_without_python_and_stays_alive(plain_target):
    assert_lldb_error_then_alive(plain_target, "py-xbt -a")


def test_lldb_rejects_an_unknown_backend_and_stays_alive(any_live_target):
    error = assert_lldb_error_then_alive(any_live_target, "py-backend elf")
    assert "'elf'" in error and "auto, direct, sbapi" in error


# py-threads / pyxray threads: the same rules.

def test_cli_threads_rejects_a_process_without_python(plain_target):
    assert_one_line_error(run_cli(plain_target, [], subcommand="threads"), "pyxray threads --pid <sleep>")


def test_cli_threads_needs_a_target():
    completed = run([CLI, "threads", "--stacks"])
    assert_one_line_error(completed, "pyxray threads without --pid/--core")
    assert "--pid PID or --core CORE" in completed.stderr


def test_gdb_threads_rejects_bad_input_and_stays_alive(plain_target):
    printed, output = gdb_error_lines(plain_target, "py-threads --bogus")
    assert len(printed) == 1 and "py-threads" in printed[0] and "--bogus" in printed[0], output[-3000:]
    printed, output = gdb_error_lines(plain_target, "py-threads")
    assert len(printed) == 1 and printed[0].startswith("py-threads:"), output[-3000:]


def test_lldb_threads_rejects_bad_input_and_stays_alive(plain_target):
    assert "--bogus" in assert_lldb_error_then_alive(plain_target, "py-threads --bogus")
    assert "py-threads:" in assert_lldb_error_then_alive(plain_target, "py-threads")


# py-tasks / pyxray tasks: the same rules.

def test_cli_tasks_rejects_a_process_without_python(plain_target):
    assert_one_line_error(run_cli(plain_target, [], subcommand="tasks"), "pyxray tasks --pid <sleep>")


def test_cli_tasks_needs_a_target():
    completed = run([CLI, "tasks", "--tree"])
    assert_one_line_error(completed, "pyxray tasks without --pid/--core")
    assert "--pid PID or --core CORE" in completed.stderr


def test_gdb_tasks_rejects_bad_input_and_stays_alive(plain_target):
    printed, output = gdb_error_lines(plain_target, "py-tasks --bogus")
    assert len(printed) == 1 and "py-tasks" in printed[0] and "--bogus" in printed[0], output[-3000:]
    printed, output = gdb_error_lines(plain_target, "py-tasks")
    assert len(printed) == 1 and printed[0].startswith("py-tasks:"), output[-3000:]


def test_lldb_tasks_rejects_bad_input_and_stays_alive(plain_target):
    assert "--bogus" in assert_lldb_error_then_alive(plain_target, "py-tasks --bogus")
    assert "py-tasks:" in assert_lldb_error_then_alive(plain_target, "py-tasks")
