#!/usr/bin/python3
"""make_seeds.py FUZZ_BUILD OUT_DIR [INTERPRETER_ID ...]: one fuzz seed per interpreter of the
test matrix (tests/integration/support/interpreters.py), each from a gcore core of fixtures/stacks.py
made and deleted on the spot, written by FUZZ_BUILD/fuzz/seed_from_core; and one of
fixtures/asyncio_tasks.py (asyncio-ID.seed, its tasks' pages kept) per ID of ASYNCIO_IDS. Run
from anywhere with Debian's Python (/usr/bin/python3). The default set is the committed corpus's."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))
from support import interpreters  # noqa: E402
from support.targets import FixtureProcess, make_core  # noqa: E402

DEFAULT_IDS = ["pyenv-3.8", "pyenv-3.12", "debian-3.13t"]
ASYNCIO_IDS = ["pyenv-3.12"]
REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60


def asyncio_core(interpreter, work):
    """A gcore core of fixtures/asyncio_tasks.py once it says every task is in place."""
    ready, record = Path(work) / "ready", Path(work) / "record.json"
    process = subprocess.Popen([str(interpreter.executable), str(REPO / "fixtures" / "asyncio_tasks.py"),
                                "--record", str(record), "--ready", str(ready)])
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"asyncio_tasks.py on {interpreter.id} did not get ready")
            time.sleep(0.05)
        return make_core(process.pid, Path(work) / "core")
    finally:
        process.kill()
        process.wait()


def stacks_core(interpreter, work):
    process = FixtureProcess(interpreter, Path(work) / "run")
    try:
        process.wait_until_blocked()
        return make_core(process.pid, Path(work) / "core")
    finally:
        process.stop()


def seed_for(interpreter_id, extractor, out_dir, asyncio=False):
    interpreter = interpreters.find(interpreter_id)
    with tempfile.TemporaryDirectory(prefix="pyxray-seed-") as work:
        core = asyncio_core(interpreter, work) if asyncio else stacks_core(interpreter, work)
        environment = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
        name = f"asyncio-{interpreter_id}.seed" if asyncio else f"{interpreter_id}.seed"
        subprocess.run([str(extractor), str(core), str(out_dir / name)], check=True, env=environment)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    extractor = Path(sys.argv[1]) / "fuzz" / "seed_from_core"
    out_dir = Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    for interpreter_id in sys.argv[3:] or DEFAULT_IDS:
        seed_for(interpreter_id, extractor, out_dir)
    for interpreter_id in [] if sys.argv[3:] else ASYNCIO_IDS:
        seed_for(interpreter_id, extractor, out_dir, asyncio=True)


if __name__ == "__main__":
    main()
