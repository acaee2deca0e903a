#!/usr/bin/env bash
# Runs every libwzp test: installs dependencies, builds, runs the C++ tests (ctest)
# and the Python tests (pytest against the pip-installed package).
#
#   scripts/test.sh              normal build: C++ tests, examples, Python tests
#   scripts/test.sh --sanitize   the same C++ tests under AddressSanitizer + UBSan
#   scripts/test.sh --fuzz [S]   build the libFuzzer targets with clang and run each S seconds (default 20)
#
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

mode=normal
fuzz_seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) mode=sanitize ;;
    --fuzz) mode=fuzz; if [[ "${2:-}" =~ ^[0-9]+$ ]]; then fuzz_seconds=$2; shift; fi ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
python=/usr/bin/python3

configure() {  # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DPython3_EXECUTABLE="$python" "$@" >/dev/null
}
configure_and_build() {  # dir, extra cmake args...
  configure "$@"
  cmake --build "$1" -j "$jobs"
}

case "$mode" in
  normal)
    configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    ctest --test-dir build --output-on-failure -j "$jobs"

    echo "== Python package (pip install --no-build-isolation .) and pytest"
    venv=build/venv
    [ -x "$venv/bin/python" ] || "$python" -m venv --system-site-packages "$venv"
    "$venv/bin/python" -m pip install --quiet --no-build-isolation --no-deps --no-index . 
    (cd tests/python && "$root/$venv/bin/python" -m pytest -q -p no:cacheprovider .)
    ;;
  sanitize)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DWZP_SANITIZE=ON -DWZP_BUILD_BENCH=OFF
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
    ;;
  fuzz)
    CC=clang CXX=clang++ configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWZP_FUZZ=ON \
      -DWZP_BUILD_TESTS=ON -DWZP_BUILD_BENCH=OFF -DWZP_BUILD_EXAMPLES=OFF
    # Only the fuzz targets: every parser they reach, built with coverage and sanitizers.
    targets=$(for f in tests/fuzz/fuzz_*.cpp; do basename "$f" .cpp; done)
    # shellcheck disable=SC2086
    cmake --build build-fuzz -j "$jobs" --target $targets
    status=0
    for f in build-fuzz/tests/fuzz_*; do
      [ -x "$f" ] || continue
      name=$(basename "$f")
      corpus=build-fuzz/corpus/$name
      mkdir -p "$corpus"
      echo "== $name (${fuzz_seconds}s)"
      if ! "$f" "$corpus" -max_total_time="$fuzz_seconds" -print_final_stats=0 >"build-fuzz/$name.log" 2>&1; then
        echo "FAIL: $name found a crash; see build-fuzz/$name.log" >&2; tail -30 "build-fuzz/$name.log" >&2; status=1
      else
        grep -E '^#[0-9]+.*DONE' "build-fuzz/$name.log" | tail -1 || true
      fi
    done
    [ $status -eq 0 ] && echo "fuzz: every target ran ${fuzz_seconds}s without a finding"
    exit $status
    ;;
esac
