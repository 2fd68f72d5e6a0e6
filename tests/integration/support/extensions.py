"""C (and C++: a .cpp source) extensions of fixtures/ built per interpreter against its own
headers, with debug info and no optimisation (-O0 -g), so every statement has a line of its own
and no function is inlined into its caller."""

import json
import subprocess

import pytest

from support.targets import quiet_environment

BUILD_TIMEOUT = 120

_SYSCONFIG = ("import json, sysconfig; print(json.dumps({'include': sysconfig.get_paths()['include'],"
              " 'suffix': sysconfig.get_config_var('EXT_SUFFIX')}))")


def interpreter_environment(interpreter):
    return dict(quiet_environment(), **dict(interpreter.environment))


def build_extension(interpreter, source, name, out, extra_flags=()):
    """Builds `source` as the extension module `name` for `interpreter` into directory `out`
    (created if needed), with the compiler's `extra_flags` too, and returns `out`."""
    described = subprocess.run([str(interpreter.executable), "-c", _SYSCONFIG], capture_output=True,
                               text=True, timeout=BUILD_TIMEOUT, env=interpreter_environment(interpreter))
    if described.returncode != 0:
        pytest.fail(f"{interpreter.executable} cannot describe its headers: {described.stderr[-1000:]}",
                    pytrace=False)
    config = json.loads(described.stdout)
    out.mkdir(parents=True, exist_ok=True)
    compiler = "c++" if str(source).endswith(".cpp") else "cc"
    command = [compiler, "-shared", "-fPIC", "-O0", "-g", *extra_flags, "-I", config["include"], str(source),
               "-o", str(out / f"{name}{config['suffix']}")]
    built = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if built.returncode != 0:
        pytest.fail(f"cannot build {name} for {interpreter.id}: {' '.join(command)}\n"
                    f"{built.stderr[-2000:]}", pytrace=False)
    return out
