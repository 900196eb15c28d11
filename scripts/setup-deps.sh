#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, test, benchmark and fuzz.
# Idempotent: a second run installs nothing new. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git clang clang-format libclang-rt-14-dev
  libfuzzer-14-dev
  libssl-dev openssl libboost-dev libcurl4-openssl-dev libtomlplusplus-dev rapidjson-dev
  libarchive-dev libseccomp-dev libfuse3-dev fuse3 libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev ca-certificates curl
  nginx-light skopeo umoci python3 python3-yaml python3-cryptography
  libpsl-dev publicsuffix
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi
echo "setup-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
