#!/usr/bin/env bash
# Installs every Debian package libwzp's build, tests, examples and benchmarks need.
# Idempotent; quiet when everything is already present; uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  clang libclang-rt-14-dev
  libsodium-dev libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
  libopus-dev libcodec2-dev libspeexdsp-dev libisal-dev libsndfile1-dev nlohmann-json3-dev libcurl4-gnutls-dev
  libcpp-httplib-dev libcli11-dev libhiredis-dev redis-server curl
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-prometheus-client espeak-ng python3-numpy python3-scipy
  libboost-dev libssl-dev chromium chromium-driver python3-selenium python3-websocket
  python3 python3-dev python3-venv python3-pip python3-pytest python3-pybind11 pybind11-dev python3-setuptools
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
