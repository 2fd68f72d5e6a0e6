"""Sampler targets and runs shared by the sampling tests: a fixture of fixtures/sample running
until killed, one sampler run in any front-end, and the check that it left the target as found."""
import os
import subprocess
import time
from pathlib import Path

import pytest

from support import drivers

READY_TIMEOUT = 60.0


class SampleTarget:
    """A fixture of fixtures/sample running until killed; waited for by its ready file."""

    def __init__(self, script, interpreter, workdir, *extra):
        self.ready = Path(workdir) / "ready"
        command = [str(interpreter.executable), str(script), "--ready", str(self.ready), *extra]
        environment = dict(os.environ, **dict(interpreter.environment))
        self.process = subprocess.Popen(command, cwd=workdir, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        env=environment)
        self.pid = self.process.pid
        self.kind = "live"
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.ready.exists():
            if self.process.poll() is not None:
                pytest.fail(f"{script.name} exited: {self.process.stderr.read()[-2000:]}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"{script.name} never wrote its ready file", pytrace=False)
            time.sleep(0.01)

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.kill()
        self.process.wait(timeout=30)


def run_sampler(sampler, target, words):
    """Runs one sampler on the target; returns its console output."""
    if sampler.startswith("cli"):
        nonblocking = ["--nonblocking"] if sampler == "cli-nonblocking" else []
        completed = drivers.run([drivers.CLI, "sample", "--pid", target.pid, *words, *nonblocking])
        assert completed.returncode == 0, completed.stderr
        return completed.stdout + completed.stderr
    line = " ".join(["py-sample", *words])
    if sampler == "gdb":
        completed = drivers.run_gdb(target, [line, "info signals SIG63"], merge_stderr=True)
    else:
        completed = drivers.run(drivers.lldb_command(target, [line, "process handle SIGSTOP"]),
                                merge_stderr=True)
    return completed.stdout


def assert_not_stopped_or_signalled(target):
    """After the sampler left: running on, untraced, no signal of ours pending."""
    status = Path(f"/proc/{target.pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    assert fields["TracerPid"].strip() == "0", status
    assert fields["State"].split()[0] not in ("T", "t"), status
    for pending in ("SigPnd", "ShdPnd"):
        assert int(fields[pending], 16) == 0, f"{pending} {fields[pending]}"
