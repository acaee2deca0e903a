#!/usr/bin/env bash
# Runs every libwzp test: installs dependencies, builds, runs the C++ tests (ctest)
# and the Python tests (pytest against the pip-installed package).
#
#   scripts/test.sh              normal: Release build (GCC), C++ tests, examples, install test, a 30 s
#                                relay soak (scripts/soak.sh, ctest programs.soak_short), Python tests
#   scripts/test.sh --sanitize   C++ tests under AddressSanitizer + UBSan (GCC, Debug), and the Python
#                                tests against an ASan + UBSan build of the extension
#   scripts/test.sh --tsan       clang + ThreadSanitizer: the core, transport, live (on one and four relay loops), C ABI and stress tests,
#                                and the web bridge (wzp-web) under its operator tests
#   scripts/test.sh --fuzz [S]   build the libFuzzer targets with clang and run each S seconds (default 20)
#
# Warnings are errors (WZP_WERROR=ON). ccache is used when installed. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

mode=normal
fuzz_seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) mode=sanitize ;;
    --tsan) mode=tsan ;;
    --fuzz) mode=fuzz; if [[ "${2:-}" =~ ^[0-9]+$ ]]; then fuzz_seconds=$2; shift; fi ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
python=/usr/bin/python3

# Arguments every configuration shares: warnings are errors here (never for users), and
# ccache lets configurations with the same flags (the C++ build and the Python extension's
# build) share object files.
build_args=(-DWZP_WERROR=ON)
if command -v ccache >/dev/null; then
  build_args+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
common_args=(-DPython3_EXECUTABLE="$python" "${build_args[@]}")

configure() {  # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "${common_args[@]}" "$@" >/dev/null
}
configure_and_build() {  # dir, extra cmake args...
  configure "$@"
  cmake --build "$1" -j "$jobs"
}
pytest_env=()
python_tests() {  # build dir, extra cmake args for the extension...
  # setup.py builds the extension with CMake in $WZP_PY_BUILD_DIR, adding $WZP_CMAKE_ARGS;
  # $pytest_env (an array of VAR=value) is the environment of pytest alone.
  local dir=$1; shift
  local venv=$dir/venv
  echo "== Python package (pip install --no-build-isolation .) and pytest ($dir)"
  [ -x "$venv/bin/python" ] || "$python" -m venv --system-site-packages "$venv"
  WZP_PY_BUILD_DIR="$root/$dir/python" WZP_CMAKE_ARGS="${build_args[*]} $*" \
    "$venv/bin/python" -m pip install --quiet --no-build-isolation --no-deps --no-index .
  # The program tests (wzp-relay, wzp-web, the browser tests) run the programs of this build; the
  # browser tests must run (not skip) here: install-deps.sh installed Chromium and its driver.
  (cd tests/python && env WZP_BUILD_DIR="$root/$dir" WZP_REQUIRE_BROWSER=1 "${pytest_env[@]}" \
    "$root/$venv/bin/python" -m pytest -q -p no:cacheprovider .)
}

case "$mode" in
  normal)
    # Release: what users and packagers build (GCC -O3 has warnings -O2 does not), and the
    # configuration setup.py builds the extension in, so the two share object files.
    configure_and_build build -DCMAKE_BUILD_TYPE=Release
    ctest --test-dir build --output-on-failure -j "$jobs"
    python_tests build -DCMAKE_BUILD_TYPE=Release
    ;;
  sanitize)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    asan_args=(-DCMAKE_BUILD_TYPE=Debug -DWZP_SANITIZE=ON)
    configure_and_build build-asan "${asan_args[@]}" -DWZP_BUILD_BENCH=OFF
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
    # The Python tests against the ASan build of the extension. The interpreter is not
    # instrumented, so the ASan runtime must be loaded first (LD_PRELOAD), and libstdc++ with it
    # (python does not link it, and ASan must find the real __cxa_throw at start). Leak checking is
    # off for this run only: CPython deliberately does not free its interned objects and
    # module state at exit, and every such allocation would be reported; leaks of the
    # library itself are covered by the C++ tests above, which run with detect_leaks=1.
    pytest_env=(LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1)
    python_tests build-asan "${asan_args[@]}"
    ;;
  tsan)
    # The tests that run threads: the event loop and queue, QUIC transport, live relay and
    # client, the C ABI and the stress tests. Only their executables are built.
    layers="core transport live live_loops capi stress"
    targets=""
    for layer in $layers; do
      if compgen -G "tests/cpp/$layer/*.cpp" >/dev/null; then targets="$targets wzp_${layer}_tests"; fi
    done
    targets="$targets wzp_struct_versions_test"  # capi.struct_versions: a C program on a live relay
    targets="$targets wzp-web"  # the web bridge: I/O threads, shared event loops, token checks
    CC=clang CXX=clang++ configure build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWZP_TSAN=ON \
      -DWZP_BUILD_BENCH=OFF -DWZP_BUILD_EXAMPLES=ON
    # shellcheck disable=SC2086
    cmake --build build-tsan -j "$jobs" --target $targets
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp"
    ctest --test-dir build-tsan --output-on-failure -j "$jobs" -R "^(${layers// /|})\\."
    # wzp-web under TSan, driven by its operator tests (a race makes it exit non-zero, which they
    # check). They need the Python package: the Release build's (built here when absent).
    if [ ! -x build/venv/bin/python ]; then
      configure build -DCMAKE_BUILD_TYPE=Release
      "$python" -m venv --system-site-packages build/venv
      WZP_PY_BUILD_DIR="$root/build/python" WZP_CMAKE_ARGS="${build_args[*]} -DCMAKE_BUILD_TYPE=Release" \
        build/venv/bin/python -m pip install --quiet --no-build-isolation --no-deps --no-index .
    fi
    (cd tests/python && WZP_BUILD_DIR="$root/build-tsan" WZP_REQUIRE_BROWSER=1 \
      "$root/build/venv/bin/python" -m pytest -q -p no:cacheprovider test_web_bridge.py)
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
