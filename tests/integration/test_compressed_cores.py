"""Compressed cores (issue 16): a real gcore core of stacks.py, compressed with the real `zstd`,
`lz4`, `xz` and `gzip` commands (fast levels), is read by every CLI command that takes a core
exactly as the uncompressed core is; the format is told by its magic bytes, never by the name;
a truncated copy is one line naming the format, exit 1; the temporary file the core is
decompressed into is gone afterwards, whatever happened.

The cores are conftest's session-scoped ones (shared with test_xbt and others in a full run);
each interpreter's compressed copies are made once for this module.
"""

import json
import shutil
import subprocess

import pytest

from support import interpreters
from support.drivers import CLI, require, run
from support.frames import recorded_threads
from support.targets import prefix_copy

# Two layouts: an --enable-shared pyenv build, and Debian's LTO python3.11 (_PyRuntime in the
# executable). Both are in the sanitized slice (Makefile SANITIZE_SLICE).
INTERPRETERS = ["pyenv-3.12", "debian-3.11"]
# Each format's command at a fast level, writing to stdout; the suffix its tool would use.
FORMATS = {
    "zstd": (["zstd", "-1", "-q", "-T0", "-c"], ".zst"),
    "lz4": (["lz4", "-1", "-q", "-c"], ".lz4"),
    "xz": (["xz", "-0", "-T2", "-q", "-c"], ".xz"),
    "gzip": (["gzip", "-1", "-c"], ".gz"),
}
COMPRESS_TIMEOUT = 300


def compress(core, directory, name):
    """`core` compressed by the real command of format `name`, into `directory`."""
    command, suffix = FORMATS[name]
    out = directory / f"core{suffix}"
    with open(core, "rb") as plain, open(out, "wb") as written:
        subprocess.run(command, stdin=plain, stdout=written, check=True, timeout=COMPRESS_TIMEOUT)
    return out


class CompressedCores:
    """Per interpreter: the uncompressed core, its copy in each format, and what `pyxray xbt
    --json` prints for the uncompressed one (the expected output)."""

    def __init__(self, directory, core_targets):
        self.directory = directory
        self.core_targets = core_targets
        self.made = {}

    def get(self, interp_id):
        if interp_id not in self.made:
            target = self.core_targets.get(interpreters.find(interp_id))
            directory = self.directory / interp_id
            directory.mkdir()
            copies = {name: compress(target.core, directory, name) for name in FORMATS}
            self.made[interp_id] = (target, copies)
        return self.made[interp_id]

    def close(self):
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def compressed(tmp_path_factory, core_targets):
    cores = CompressedCores(tmp_path_factory.mktemp("compressed"), core_targets)
    yield cores
    cores.close()


@pytest.fixture
def empty_tmpdir(tmp_path):
    """A TMPDIR of the test's own: pyxray's temporary file must leave nothing in it."""
    directory = tmp_path / "tmpdir"
    directory.mkdir()
    return directory


def pyxray(subcommand, core, *flags, tmpdir=None):
    require(CLI, "the pyxray CLI")
    extra = {"TMPDIR": str(tmpdir)} if tmpdir else None
    return run([CLI, subcommand, "--core", core, *flags], extra_environment=extra)


def expected_output(target, subcommand, *flags):
    """What pyxray prints for the uncompressed core (cached per target and command)."""
    key = ("uncompressed", subcommand, flags)
    if key not in target.results:
        completed = pyxray(subcommand, target.core, *flags)
        assert completed.returncode == 0, completed.stderr
        assert completed.stderr == "", "an uncompressed core is read silently"
        target.results[key] = completed.stdout
    return target.results[key]


def assert_said_decompressing(completed, core, name, tmpdir):
    lines = completed.stderr.splitlines()
    assert lines and lines[0] == (f"pyxray: {core} is {name}-compressed: decompressing it into a "
                                  f"temporary file in {tmpdir} (unnamed, removed at exit)"), \
        completed.stderr
    assert list(tmpdir.iterdir()) == [], "the temporary file is left behind"


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize("core_interp", INTERPRETERS)
def test_compressed_core_reads_as_the_uncompressed_one(core_interp, name, compressed, empty_tmpdir):
    target, copies = compressed.get(core_interp)
    completed = pyxray("xbt", copies[name], "--json", tmpdir=empty_tmpdir)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == expected_output(target, "xbt", "--json")
    assert_said_decompressing(completed, copies[name], name, empty_tmpdir)
    assert completed.stderr.splitlines()[-1].startswith("pyxray: decompressed "), completed.stderr
    # and it is the right core, not merely the same output twice
    document = json.loads(completed.stdout)
    assert document["target"]["pid"] == target.record["pid"]


def repr_addresses(target):
    """The ids stacks.py's objects thread recorded for its locals (first three)."""
    return [str(entry[3]) for entry in recorded_threads(target.record)["objects"]["frames"][0]["locals"][:3]]


@pytest.mark.parametrize("core_interp", INTERPRETERS)
def test_every_core_command_reads_a_compressed_core(core_interp, compressed, empty_tmpdir):
    """`pyxray core`, `threads` and `repr` go through the same opening as xbt."""
    target, copies = compressed.get(core_interp)
    zstd = copies["zstd"]
    completed = run([CLI, "core", zstd], extra_environment={"TMPDIR": str(empty_tmpdir)})
    assert completed.returncode == 0, completed.stderr
    plain = run([CLI, "core", target.core])
    assert completed.stdout == plain.stdout
    for subcommand, flags in (("threads", ["--json"]), ("repr", repr_addresses(target))):
        completed = pyxray(subcommand, zstd, *flags, tmpdir=empty_tmpdir)
        assert completed.returncode == 0, completed.stderr
        assert completed.stdout == expected_output(target, subcommand, *flags), subcommand
        assert_said_decompressing(completed, zstd, "zstd", empty_tmpdir)


@pytest.mark.parametrize("name", list(FORMATS))
def test_truncated_compressed_core_is_one_line_and_exit_1(name, compressed, empty_tmpdir, tmp_path):
    target, copies = compressed.get(INTERPRETERS[0])
    whole = copies[name]
    cut = prefix_copy(whole, tmp_path / f"cut-{whole.name}", whole.stat().st_size // 2)
    completed = pyxray("xbt", cut, "--json", tmpdir=empty_tmpdir)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == ""
    assert_said_decompressing(completed, cut, name, empty_tmpdir)
    errors = completed.stderr.splitlines()[1:]
    assert len(errors) == 1, completed.stderr
    assert errors[0].startswith(f"pyxray: cannot read core '{cut}': its {name} stream is truncated: "
                                f"it ends after {cut.stat().st_size} compressed bytes"), errors[0]
    assert "Traceback" not in completed.stderr


def test_format_is_told_by_magic_not_by_name(compressed, empty_tmpdir, tmp_path):
    """zstd bytes named .gz, and an uncompressed core named .zst, both read as what they are."""
    target, copies = compressed.get(INTERPRETERS[0])
    misnamed = tmp_path / "core.gz"
    misnamed.symlink_to(copies["zstd"])
    completed = pyxray("xbt", misnamed, "--json", tmpdir=empty_tmpdir)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == expected_output(target, "xbt", "--json")
    assert_said_decompressing(completed, misnamed, "zstd", empty_tmpdir)
    plain_named_zst = tmp_path / "core.zst"
    plain_named_zst.symlink_to(target.core)
    completed = pyxray("xbt", plain_named_zst, "--json", tmpdir=empty_tmpdir)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert completed.stdout == expected_output(target, "xbt", "--json")
