#!/usr/bin/env bash
# Install, as root, the Debian packages pyxray builds and tests with (ENVIRONMENT.md), and only
# those that are missing; then check the pyenv interpreters the tests run on. Safe to re-run.
# Never the unversioned `lldb` (lldb-14, whose python3-lldb conflicts with lldb-16's); never
# autoremove.
set -euo pipefail

# From ENVIRONMENT.md; the last line is what the image already has, listed so a bare Debian
# 12 gets it too (installing a present package is skipped).
PACKAGES=(
  lldb-16 liblldb-16-dev python3-lldb-16 libdw-dev libelf-dev python3-dev pybind11-dev
  python3-pytest python3.11-dbg libfmt-dev nlohmann-json3-dev libcli11-dev
  gdb cmake ninja-build g++-12 pkgconf libgtest-dev
  # compressed cores (systemd-coredump's zstd, lz4, xz; gzip), read by the core library, and
  # the tools the tests compress a real core with
  libzstd-dev liblz4-dev liblzma-dev zlib1g-dev zstd lz4 xz-utils gzip
  # the Debian package: CPack finds its dependencies with dpkg-shlibdeps; man checks its page
  dpkg-dev man-db
  # the sampler's tests (tests/integration/test_sample.py): speedscope's schema, the HTML
  # timeline in headless Chromium
  python3-jsonschema chromium chromium-driver python3-selenium
  # the CLI's debuginfod client (libdebuginfod), and the server its tests start
  libdebuginfod-dev debuginfod
  # make lint: the C++ formatter and checker, the Python linter
  clang-format clang-tidy flake8
  # the compiler cache the Makefile's builds go through
  ccache
  # the libFuzzer harness (fuzz/): clang-14 and its fuzzer/sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # to build the interpreters of the test matrix from Debian's sources (fixtures/interpreters/)
  gcc make binutils xz-utils patch libssl-dev zlib1g-dev libffi-dev libbz2-dev
  liblzma-dev libsqlite3-dev libreadline-dev libncurses-dev libexpat1-dev uuid-dev
)
PYENV_MINORS=(3.11 3.12)

missing_packages() {
  local package status
  for package in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || echo "$package"
  done
}

install_packages() {
  local -a missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#PACKAGES[@]} Debian packages present"
    return
  fi
  if ((EUID != 0)); then
    echo "install-deps: missing Debian packages: ${missing[*]}; run this script as root" \
         "(sudo $0) or install them with apt-get" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

check_pyenv() {
  local minor found absent=()
  for minor in "${PYENV_MINORS[@]}"; do
    found=$(compgen -G "$HOME/.pyenv/versions/$minor.*/bin/python$minor" | head -n 1 || true)
    if [[ -n "$found" ]]; then
      echo "install-deps: pyenv $minor: $found"
    else
      absent+=("$HOME/.pyenv/versions/$minor.*/bin/python$minor")
    fi
  done
  if ((${#absent[@]})); then
    echo "install-deps: pyenv interpreters missing: ${absent[*]}; the integration tests" \
         "skip them (fail under CI=true). Install them with: pyenv install 3.11 3.12" >&2
    [[ "${CI:-}" != "true" ]] || exit 1
  fi
}

install_packages
check_pyenv
