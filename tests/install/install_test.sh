#!/usr/bin/env bash
# Installs libwzp into a temporary prefix, as a user or packager would, and builds
# examples/c/example.c against the installed SDK twice: with `pkg-config --cflags --libs wzp`
# and with a tiny CMake project using find_package(wzp); then runs both programs.
#   install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER
set -euo pipefail
build=$1 src=$2 cc=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install: $(cat "$work/install.log")"

libdir=$(dirname "$(find "$prefix" -name 'libwzp.so.0' | head -1)")
[ -f "$libdir/libwzp.so.0" ] || fail "libwzp.so.0 was not installed"
[ -L "$libdir/libwzp.so" ] || fail "the libwzp.so development symlink was not installed"
[ -L "$libdir/libwzp.so.0" ] || fail "libwzp.so.0 is not the SONAME symlink"
soname=$(objdump -p "$libdir/libwzp.so.0" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libwzp.so.0 ] || fail "SONAME is '$soname', not libwzp.so.0"
[ -f "$prefix/include/wzp.h" ] || fail "wzp.h was not installed into include/"
[ -f "$libdir/pkgconfig/wzp.pc" ] || fail "wzp.pc was not installed"
for f in wzpConfig.cmake wzpConfigVersion.cmake wzpTargets.cmake; do
  [ -f "$libdir/cmake/wzp/$f" ] || fail "$f was not installed"
done
for daemon in wzp-relay wzp-call; do
  [ -x "$prefix/bin/$daemon" ] || fail "$daemon was not installed into bin/"
  LD_LIBRARY_PATH=$libdir "$prefix/bin/$daemon" --help >/dev/null || fail "installed $daemon --help failed"
done
# Nothing may point back into the build or source tree.
if grep -rl -e "$build" -e "$src/include" "$libdir/pkgconfig" "$libdir/cmake"; then
  fail "installed package files refer to the build or source tree"
fi

# 1. pkg-config, exactly as a Makefile-based project would.
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion wzp)" != "" ] || fail "pkg-config does not know wzp"
# shellcheck disable=SC2046
"$cc" -std=c99 -o "$work/example_pc" "$src/examples/c/example.c" $(pkg-config --cflags --libs wzp) \
  || fail "example.c does not build with pkg-config --cflags --libs wzp"
LD_LIBRARY_PATH=$libdir "$work/example_pc" >"$work/pc.out" || fail "the pkg-config build does not run"
# ldd's whole output first: `ldd | grep -q` under pipefail fails when grep stops reading early.
deps=$(LD_LIBRARY_PATH=$libdir ldd "$work/example_pc")
grep -q "libwzp.so.0 => $libdir/" <<<"$deps" || fail "example_pc did not load the installed libwzp"

# 2. find_package(wzp) with the imported target wzp::wzp.
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_PREFIX_PATH="$prefix" -DWZP_EXAMPLE_SOURCE="$src/examples/c/example.c" >"$work/consumer.log" 2>&1 \
  || fail "find_package(wzp) failed: $(cat "$work/consumer.log")"
cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 || fail "the find_package build failed: $(cat "$work/consumer.log")"
LD_LIBRARY_PATH=$libdir "$work/consumer/consumer" >"$work/cmake.out" || fail "the find_package build does not run"
deps=$(LD_LIBRARY_PATH=$libdir ldd "$work/consumer/consumer")
grep -q "libwzp.so.0 => $libdir/" <<<"$deps" || fail "consumer did not load the installed libwzp"

# 3. The Debian package (cpack -G DEB): the library inside, runtime dependencies from dpkg-shlibdeps.
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/deb") >"$work/cpack.log" 2>&1 \
  || fail "cpack -G DEB failed: $(cat "$work/cpack.log")"
deb=$(find "$work/deb" -maxdepth 1 -name '*.deb' | head -1)
[ -n "$deb" ] || fail "cpack made no .deb: $(cat "$work/cpack.log")"
contents=$(dpkg-deb -c "$deb")
for f in 'lib.*/libwzp\.so\.0\.' 'include/wzp\.h' 'pkgconfig/wzp\.pc' 'cmake/wzp/wzpConfig\.cmake' 'bin/wzp-relay'; do
  grep -q "$f" <<<"$contents" || fail "the .deb lacks $f"
done
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libsodium libngtcp2 libgnutls libcurl libstdc++; do
  grep -q "$dep" <<<"$depends" || fail "the .deb does not depend on $dep (Depends: $depends)"
done
echo "install: $(basename "$deb"), Depends: $depends"
echo "install: pkg-config and find_package(wzp) builds ran: $(head -1 "$work/pc.out")"
