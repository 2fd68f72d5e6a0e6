#!/usr/bin/python3
"""make_seeds.py FUZZ_BUILD OUT_DIR [INTERPRETER_ID ...]: one fuzz seed per interpreter of the
test matrix (tests/integration/interpreters.py), each from a gcore core of fixtures/stacks.py
made and deleted on the spot, written by FUZZ_BUILD/fuzz/seed_from_core. Run from anywhere with
Debian's Python (/usr/bin/python3). The default set is the committed corpus's."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))
import interpreters  # noqa: E402
from targets import FixtureProcess, make_core  # noqa: E402

DEFAULT_IDS = ["pyenv-3.8", "pyenv-3.12", "debian-3.13t"]


def seed_for(interpreter_id, extractor, out_dir):
    interpreter = interpreters.find(interpreter_id)
    with tempfile.TemporaryDirectory(prefix="pyxray-seed-") as work:
        process = FixtureProcess(interpreter, Path(work) / "run")
        try:
            process.wait_until_blocked()
            core = make_core(process.pid, Path(work) / "core")
        finally:
            process.stop()
        environment = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
        subprocess.run([str(extractor), str(core), str(out_dir / f"{interpreter_id}.seed")],
                       check=True, env=environment)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    extractor = Path(sys.argv[1]) / "fuzz" / "seed_from_core"
    out_dir = Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    for interpreter_id in sys.argv[3:] or DEFAULT_IDS:
        seed_for(interpreter_id, extractor, out_dir)


if __name__ == "__main__":
    main()
