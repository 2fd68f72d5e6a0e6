#!/usr/bin/env bash
# The pyxray demo: start fixtures/stacks.py (six threads: a method of a class, a plain sleeper,
# a Python key function called back from C's list.sort, a recursion, a generator with non-ASCII
# names resumed from C's list(), a function holding a local of every type pyxray decodes), then
# show `py-xbt -a` from gdb, from LLDB and from the CLI on the live process, make a core with
# gcore and show the CLI (also with every frame's variables) and gdb on the core. Run it through `make demo` (which builds first).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${PYXRAY_BUILD:-$REPO/build}
CLI=$BUILD/bin/pyxray
GDB_SCRIPT=$BUILD/gdb/pyxray.py
LLDB_PLUGIN=$BUILD/lldb/libpyxray_lldb.so
export DEBUGINFOD_URLS=
READY_TIMEOUT_S=30
GDB=(gdb -nx -batch -iex 'set debuginfod enabled off')

for built in "$CLI" "$GDB_SCRIPT" "$LLDB_PLUGIN"; do
  [[ -e "$built" ]] || { echo "demo: $built is missing; run \`make build\` first" >&2; exit 1; }
done

pick_python() {
  local found
  found=$(compgen -G "$HOME/.pyenv/versions/3.11.*/bin/python3.11" | sort -V | tail -n 1 || true)
  if [[ -n "$found" ]]; then echo "$found"; return; fi
  [[ -x /usr/bin/python3.11 ]] && { echo /usr/bin/python3.11; return; }
  echo "demo: no Python 3.11 (looked for ~/.pyenv/versions/3.11.*/bin/python3.11 and" \
       "/usr/bin/python3.11)" >&2
  exit 1
}

WORK=$(mktemp -d /tmp/pyxray-demo.XXXXXX)
FIXTURE_PID=
cleanup() {
  if [[ -n "$FIXTURE_PID" ]]; then
    kill "$FIXTURE_PID" 2>/dev/null || true
    wait "$FIXTURE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Bounded poll: the ready file, then every thread in a sleep syscall (clock_nanosleep 230,
# pselect6 270 on x86-64) so the native stacks are settled.
wait_until_blocked() {
  local deadline=$((SECONDS + READY_TIMEOUT_S)) task number all_asleep
  while [[ ! -e "$WORK/ready" ]]; do
    kill -0 "$FIXTURE_PID" 2>/dev/null || { echo "demo: stacks.py died:" >&2; cat "$WORK/log" >&2; exit 1; }
    ((SECONDS < deadline)) || { echo "demo: stacks.py not ready after ${READY_TIMEOUT_S}s" >&2; exit 1; }
    sleep 0.05
  done
  while :; do
    all_asleep=yes
    for task in /proc/"$FIXTURE_PID"/task/*; do
      read -r number _ < "$task/syscall" || number=gone
      [[ "$number" == 230 || "$number" == 270 ]] || all_asleep=no
    done
    [[ $all_asleep == yes ]] && return
    ((SECONDS < deadline)) || { echo "demo: stacks.py threads not all asleep" >&2; exit 1; }
    sleep 0.05
  done
}

FAILED=()
section() {  # section TITLE SHOWN COMMAND...: run one step, keep going if it fails
  local title=$1 shown=$2 status=0
  shift 2
  printf '\n=== %s ===\n$ %s\n' "$title" "$shown"
  "$@" || status=$?
  ((status == 0)) || { echo "(exit status $status)"; FAILED+=("$title"); }
}

# gdb and LLDB talk about attaching; show what py-xbt prints.
gdb_xbt() { "${GDB[@]}" "$@" -ex "source $GDB_SCRIPT" -ex 'echo --8<--\n' -ex 'py-xbt -a' 2>&1 \
              | sed -n '/^--8<--$/,$p' | sed '1d; /^\[Inferior 1 .* detached\]$/d'; }
lldb_xbt() { lldb-16 --no-lldbinit -b "$@" -o "plugin load $LLDB_PLUGIN" -o 'py-xbt -a' 2>&1 \
               | sed -n '/^(lldb) py-xbt -a$/,$p'; }

PYTHON=$(pick_python)
"$PYTHON" "$REPO/fixtures/stacks.py" --depth 3 --record "$WORK/record.json" --ready "$WORK/ready" \
  > "$WORK/log" 2>&1 &
FIXTURE_PID=$!
wait_until_blocked
echo "demo: fixtures/stacks.py is running under $PYTHON as pid $FIXTURE_PID; every thread sleeps"

section "gdb, live" "gdb -p $FIXTURE_PID -ex 'source $GDB_SCRIPT' -ex 'py-xbt -a'" \
  gdb_xbt -p "$FIXTURE_PID"
section "LLDB, live" "lldb-16 -o 'process attach -p $FIXTURE_PID' -o 'plugin load $LLDB_PLUGIN' -o 'py-xbt -a'" \
  lldb_xbt -o "process attach -p $FIXTURE_PID"
section "CLI, live" "$CLI xbt --pid $FIXTURE_PID" "$CLI" xbt --pid "$FIXTURE_PID"

CORE=$WORK/core
"${GDB[@]}" -p "$FIXTURE_PID" -ex "gcore $CORE" > "$WORK/gcore.log" 2>&1 || true
[[ -s "$CORE" ]] || { echo "demo: gcore wrote no core:" >&2; cat "$WORK/gcore.log" >&2; exit 1; }
kill "$FIXTURE_PID"; wait "$FIXTURE_PID" 2>/dev/null || true; FIXTURE_PID=
echo; echo "demo: made a core with gcore ($(du -h "$CORE" | cut -f1)) and stopped the process"

section "CLI, core" "$CLI xbt --core $CORE" "$CLI" xbt --core "$CORE"
section "CLI, core, variables" "$CLI xbt --core $CORE --python-only --locals --max-items 8" \
  "$CLI" xbt --core "$CORE" --python-only --locals --max-items 8
section "gdb, core" "gdb -c $CORE $PYTHON -ex 'source $GDB_SCRIPT' -ex 'py-xbt -a'" \
  gdb_xbt -c "$CORE" "$PYTHON"

echo
if ((${#FAILED[@]})); then
  echo "demo: these steps failed: ${FAILED[*]}" >&2
  exit 1
fi
echo "demo: done"
