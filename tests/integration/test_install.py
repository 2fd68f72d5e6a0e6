"""Everyday use: `cmake --install`, the Debian package installed with apt-get and used from gdb,
LLDB and the CLI, the init lines, help, option errors, Tab completion, colour and --version.

The package is built from $PYXRAY_BUILD (`cmake --build BUILD --target package`), installed
with `apt-get install ./pyxray_*.deb` (as root, as CI runs) and purged at the end, whatever a
previous run left installed. Everything runs on one live stacks.py (pyenv's 3.11). The
sanitized pass leaves this file out (SANITIZE_SLICE in the Makefile): it checks packaging.
"""

import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from support import interpreters
from support.drivers import BUILD, LLDB, run, tool_environment
from support.targets import REPO

INTERPRETER = "pyenv-3.11"
ANSI = "\x1b["
PACKAGE = "pyxray"
PREFIX = Path("/usr")
VERSION = re.search(r"project\(pyxray VERSION (\S+)", (REPO / "CMakeLists.txt").read_text()).group(1)
LLDB_PLUGIN_NAME = "libpyxray_lldb.so"


def checked(command, environment=None, **options):
    completed = subprocess.run([str(part) for part in command], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=600,
                               env={**tool_environment(command), **(environment or {})}, **options)
    assert completed.returncode == 0, \
        f"{' '.join(map(str, command))}: exit {completed.returncode}\n{completed.stdout[-3000:]}" \
        f"\n{completed.stderr[-3000:]}"
    return completed


def installed():
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], capture_output=True,
                            text=True)
    return status.stdout == "install ok installed"


def purge():
    if installed():
        checked(["apt-get", "purge", "-y", PACKAGE])


@pytest.fixture(scope="module")
def deb():
    """The package CPack builds from this build tree."""
    checked(["cmake", "--build", BUILD, "--target", "package"])
    return BUILD / f"{PACKAGE}_{VERSION}_amd64.deb"


@pytest.fixture(scope="module")
def installed_deb(deb):
    if os.geteuid() != 0:
        pytest.skip("installing the .deb needs root (CI runs as root)")
    purge()  # a previous run's package, of another build
    checked(["apt-get", "install", "-y", "--no-install-recommends", f"./{deb.name}"], cwd=deb.parent)
    yield PREFIX
    purge()


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """`cmake --install BUILD --prefix P --strip` into a fresh directory."""
    destination = tmp_path_factory.mktemp("prefix")
    checked(["cmake", "--install", BUILD, "--prefix", destination, "--strip"])
    return destination


@pytest.fixture(scope="module")
def live(live_targets):
    return live_targets.get(interpreters.find(INTERPRETER))


def gdb_line(prefix_path):
    return f"source {prefix_path}/share/pyxray/gdb/pyxray.py"


def lldb_line(prefix_path):
    return f"plugin load {prefix_path}/lib/pyxray/{LLDB_PLUGIN_NAME}"


def installed_files(prefix_path):
    return [prefix_path / "bin" / "pyxray",
            prefix_path / "lib" / "pyxray" / LLDB_PLUGIN_NAME,
            prefix_path / "share" / "pyxray" / "gdb" / "pyxray.py",
            prefix_path / "share" / "man" / "man1" / "pyxray.1",
            *(prefix_path / "share" / "pyxray" / "gdb").glob("_pyxray_gdb.cpython-*.so")]


def gdb_at(pid, init_line, *commands):
    command = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-p", pid,
               "-ex", init_line]
    for line in commands:
        command += ["-ex", line]
    return run(command)


def lldb_at(pid, init_line, *commands):
    command = [LLDB, "--no-lldbinit", "-b", "-o", f"process attach -p {pid}", "-o", init_line]
    for line in commands:
        command += ["-o", line]
    return run([*command, "-o", "process detach"])


def assert_merged_stack(output, what):
    assert re.search(r"^#\d+\s+Py\s+sorter \(", output, re.MULTILINE), f"{what}:\n{output[-3000:]}"
    assert re.search(r"^#\d+\s+C\s+", output, re.MULTILINE), f"{what}:\n{output[-3000:]}"


# --- cmake --install --------------------------------------------------------------------------

def test_cmake_install_puts_every_file_in_place_and_nothing_refers_to_the_build(prefix):
    files = installed_files(prefix)
    assert len(files) == 5, f"no gdb module installed: {sorted(map(str, prefix.rglob('*')))}"
    for path in files:
        assert path.is_file(), f"missing {path}"
    for binary in [files[0], files[1], files[4]]:
        dynamic = checked(["readelf", "-d", binary]).stdout
        assert "RPATH" not in dynamic and "RUNPATH" not in dynamic, f"{binary}:\n{dynamic}"
        text = checked(["strings", "-a", binary]).stdout
        for tree in {str(BUILD), str(REPO)}:
            assert tree not in text, f"{binary} names {tree}"


def test_init_lines_name_the_installed_files(prefix):
    cli = prefix / "bin" / "pyxray"
    assert checked([cli, "gdbinit"]).stdout == gdb_line(prefix) + "\n"
    assert checked([cli, "lldbinit"]).stdout == lldb_line(prefix) + "\n"


def test_installed_gdb_package_finds_its_module_beside_itself(prefix, live):
    output = gdb_at(live.pid, gdb_line(prefix), "py-xbt -a --python-only").stdout
    assert re.search(r"^#\d+\s+Py\s+sorter \(", output, re.MULTILINE), output[-3000:]


# --- the Debian package -----------------------------------------------------------------------

def test_package_has_the_project_version_and_declares_its_dependencies(deb):
    fields = checked(["dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends"]).stdout
    assert f"Version: {VERSION}\n" in fields and "Architecture: amd64" in fields, fields
    for library in ["libdw1", "libelf1", "liblldb-16", "libc6"]:
        assert library in fields, f"Depends lacks {library}: {fields}"


def test_installed_package_works_from_gdb_lldb_and_the_cli(installed_deb, live):
    cli = installed_deb / "bin" / "pyxray"
    assert checked([cli, "--version"]).stdout.startswith(f"pyxray {VERSION}\n")
    gdb_init = checked([cli, "gdbinit"]).stdout.strip()
    lldb_init = checked([cli, "lldbinit"]).stdout.strip()
    assert (gdb_init, lldb_init) == (gdb_line(PREFIX), lldb_line(PREFIX))
    assert_merged_stack(gdb_at(live.pid, gdb_init, "py-xbt -a").stdout, "gdb py-xbt -a")
    assert_merged_stack(lldb_at(live.pid, lldb_init, "py-xbt -a").stdout, "lldb py-xbt -a")
    assert_merged_stack(checked([cli, "xbt", "--pid", live.pid]).stdout, "pyxray xbt")
    page = checked(["man", "-P", "cat", "pyxray"], {"MANWIDTH": "100"}).stdout
    assert "pyxray - X-rays of Python processes" in page and "gdbinit" in page, page[:2000]


def test_help_in_both_debuggers_has_usage_options_and_examples(installed_deb, live):
    gdb = gdb_at(live.pid, gdb_line(PREFIX), "help py-xbt", "help py-locals").stdout
    lldb = lldb_at(live.pid, lldb_line(PREFIX), "help py-xbt", "help py-locals").stdout
    for name, output in [("gdb", gdb), ("lldb", lldb)]:
        # LLDB prints the usage itself, as "Syntax:"
        usage = "Usage:" if name == "gdb" else "Syntax:"
        for wanted in [f"{usage} py-xbt", "-a, --all-threads", "--color=WHEN", "Examples:",
                       "py-xbt -a --python-only", f"{usage} py-locals", "--max-string N"]:
            assert wanted in output, f"{name}: no {wanted!r} in help:\n{output[-4000:]}"


def test_gdb_completes_options_with_tab(installed_deb, live):
    output = gdb_at(live.pid, gdb_line(PREFIX), "complete py-xbt --na", "complete py-xbt --color=al",
                    "complete py-threads --st", "complete py-tasks --tr", "complete py-heap --by c").stdout
    for wanted in ["py-xbt --native-all", "py-xbt --color=always", "py-threads --stacks", "py-tasks --tree",
                   "py-heap --by count"]:
        assert re.search(rf"^{re.escape(wanted)}$", output, re.MULTILINE), output[-2000:]


def test_bad_options_are_named_with_the_valid_ones(installed_deb, live):
    gdb = run(["gdb", "-nx", "-batch", "-p", live.pid, "-ex", gdb_line(PREFIX),
               "-ex", "py-xbt --bogus", "-ex", "py-xbt --color=sometimes"], merge_stderr=True).stdout
    assert "py-xbt: unknown option '--bogus'; valid options: -a/--all-threads, " in gdb, gdb[-2000:]
    assert "--color needs one of auto, always, never, not 'sometimes'" in gdb, gdb[-2000:]
    lldb = lldb_at(live.pid, lldb_line(PREFIX), "py-xbt --bogus")
    assert "py-xbt: unknown option '--bogus'; valid options: -a/--all-threads, " in lldb.stderr, lldb.stderr
    cli = run([PREFIX / "bin" / "pyxray", "xbt", "--pid", live.pid, "--bogus"])
    assert cli.returncode == 1 and len(cli.stderr.splitlines()) == 1, cli.stderr
    assert "'--bogus'" in cli.stderr and "valid options: " in cli.stderr and "--pid" in cli.stderr
    unknown = run([PREFIX / "bin" / "pyxray", "bogus"])
    assert unknown.returncode == 1 and unknown.stderr.startswith(
        "pyxray: unknown command or option 'bogus'; commands: xbt, threads, "), unknown.stderr


# --- colour -----------------------------------------------------------------------------------

def on_a_terminal(command, environment):
    """stdout of `command` run with its standard output on a pseudo-terminal."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([str(part) for part in command], stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=subprocess.PIPE, env=environment)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the program closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    process.wait(timeout=120)
    process.stderr.close()
    return b"".join(chunks).decode(errors="replace")


def test_colour_always_never_no_color_and_json(installed_deb, live):
    cli = [PREFIX / "bin" / "pyxray", "xbt", "--pid", live.pid]
    assert ANSI in checked([*cli, "--color=always"]).stdout
    assert ANSI not in checked(cli).stdout  # auto, not a terminal
    assert ANSI not in checked([*cli, "--color=always", "--json"]).stdout
    environment = tool_environment(cli)
    environment.pop("NO_COLOR", None)
    environment["TERM"] = "xterm"
    assert ANSI in on_a_terminal(cli, environment)
    assert ANSI not in on_a_terminal([*cli, "--color=never"], environment)
    assert ANSI not in on_a_terminal(cli, dict(environment, NO_COLOR="1"))
    gdb = gdb_at(live.pid, gdb_line(PREFIX), "py-xbt -a --color=always", "echo ==\\n",
                 "py-xbt -a", "echo ==\\n", "py-xbt -a --color=never").stdout.split("==\n")
    assert ANSI in gdb[0] and ANSI not in gdb[1] + gdb[2], gdb
    lldb = lldb_at(live.pid, lldb_line(PREFIX), "py-xbt -a --color=always").stdout
    assert ANSI in lldb, lldb[-2000:]
    # the current line of py-list
    listing = gdb_at(live.pid, gdb_line(PREFIX), "py-list --color=always").stdout
    assert re.search(r"\x1b\[1m>\s*\d+ ", listing), listing[-2000:]


# --- refusing the wrong host ------------------------------------------------------------------

def test_gdb_module_refuses_another_python_with_a_message(prefix, tmp_path):
    """pyxray.py in a Python other than the one its module was built for (pyenv's 3.12 standing
    in for a gdb that embeds it, with a stand-in `gdb` module): one clear error."""
    other = interpreters.find("pyenv-3.12")
    (tmp_path / "gdb.py").write_text("class GdbError(Exception):\n    pass\n")
    script = prefix / "share" / "pyxray" / "gdb" / "pyxray.py"
    program = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import gdb\n"
               f"try:\n    exec(open({str(script)!r}).read(), {{'__file__': {str(script)!r}}})\n"
               f"except gdb.GdbError as error:\n    print(error)\n")
    output = checked([other.executable, "-c", program]).stdout
    assert re.match(r"pyxray: its gdb module was built for Python 3\.11, but this gdb embeds "
                    r"Python 3\.12\.\d+; ", output), output


def test_lldb_plugin_refuses_another_lldb_with_a_message(prefix, tmp_path):
    """fixtures/other_lldb_host.cpp: a host that says it is lldb 14 loads the installed plugin."""
    host = tmp_path / "other_lldb_host"
    checked(["g++", "-std=c++17", "-rdynamic", "-I/usr/lib/llvm-16/include",
             REPO / "fixtures" / "other_lldb_host.cpp", "-o", host, "-L/usr/lib/llvm-16/lib",
             "-llldb", "-ldl"])
    refused = run([host, prefix / "lib" / "pyxray" / LLDB_PLUGIN_NAME])
    assert refused.returncode == 3, f"exit {refused.returncode}: {refused.stderr}"
    assert refused.stderr.startswith(
        "pyxray: this plugin was built for LLDB 16, not for lldb version 14.0.6; "), refused.stderr
