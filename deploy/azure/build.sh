#!/usr/bin/env bash
# build.sh <profile> [--engine ENGINE_IMAGE] [--key KEY.pem] [--bin-dir DIR]
#
# Packages the UID2 operator as an SGX enclave for Azure (AKS confidential nodes or any SGX
# host with Docker), with no Docker engine and no SGX needed to build:
#   1. a minimal root filesystem: uid2-operator, its shared libraries (ldd), /bin/sh, CA
#      certificates, conf/<profile>-config.json, static/js/*.js (and data/uid2 for the local profile);
#   2. a container image of it (shroud image create);
#   3. shielded with the Gramine engine image given by --engine (shroud shield), or a STAND-IN
#      engine made here when --engine is omitted (loudly labelled: such an image does not run
#      under real Gramine, only under `shroud run`);
#   4. signed with --key, or an ephemeral RSA-3072/e=3 key (shroud sign-image);
# and writes, under deploy/azure/build/:
#   uid2-operator-azure-sgx.tar.gz          the signed image (docker-archive; `docker load -i`)
#   uid2-operator/uid2-operator.tar.gz      the enclave bundle:
#                                           tar xf uid2-operator.tar.gz && cd uid2-operator && shroud run
#   uid2-operator-aks.yml                   AKS Deployment + Service, tokens from a Secret
# and prints MRSIGNER, MRENCLAVE, PRODID and SVN.
# A profile is conf/<profile>-config.json (measured: it holds every URL; only core_api_token and
# optout_api_token come from the host environment), plus deploy/azure/profiles/<profile>.env
# when its enclave parameters differ from the defaults. Builds are reproducible for a fixed key:
# SOURCE_DATE_EPOCH (default 0) fixes every timestamp.
set -euo pipefail

usage() { sed -n '2,3p' "$0" | sed 's/^# //'; exit 2; }
[ $# -ge 1 ] || usage
profile="$1"; shift
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
engine="" key="" bin_dir="${BIN_DIR:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine="$(realpath "$2")"; shift 2 ;;
    --key) key="$(realpath "$2")"; shift 2 ;;
    --bin-dir) bin_dir="$(realpath "$2")"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "build.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
# Any profile with a conf/<profile>-config.json packages; deploy/azure/profiles/<profile>.env
# (optional) overrides the enclave parameters below.
CONFIG="conf/$profile-config.json" ISVSVN=2 ENCLAVE_SIZE=8G MAX_THREADS=64 EPC_MIB=512 DEBUG=false
WITH_DATA=0
profile_file="$here/profiles/$profile.env"
if [ -f "$profile_file" ]; then
  # shellcheck disable=SC1090
  . "$profile_file"
fi
[ -f "$repo/$CONFIG" ] || {
  echo "build.sh: no $CONFIG for profile '$profile' (profiles: conf/<profile>-config.json)" >&2
  exit 2
}
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"

# The programs: a release build unless --bin-dir/BIN_DIR points at one.
if [ -z "$bin_dir" ]; then
  bin_dir="$repo/build/release/bin"
  if [ ! -x "$bin_dir/uid2-operator" ] || [ ! -x "$bin_dir/shroud" ]; then
    echo "build.sh: building uid2-operator and shroud (release)" >&2
    (cd "$repo" && cmake --preset release >/dev/null && cmake --build --preset release --target uid2-operator shroud)
  fi
fi
shroud="$bin_dir/shroud"
operator="$bin_dir/uid2-operator"
for p in "$shroud" "$operator"; do [ -x "$p" ] || { echo "build.sh: missing $p" >&2; exit 1; }; done

out="$here/build"
rm -rf "$out"
mkdir -p "$out/uid2-operator"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- 1. root filesystem -------------------------------------------------------------------
rootfs="$work/rootfs"
copy_with_libs() {  # copy a program and every library ldd lists, at the same paths
  local prog="$1" dest="$2"
  install -D -m 0755 "$prog" "$rootfs$dest"
  ldd "$prog" | awk '/=> \//{print $3} /^\t\/.*\(0x/{print $1}' | while read -r lib; do
    [ -e "$rootfs$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
}
copy_with_libs "$operator" /usr/bin/uid2-operator
copy_with_libs "$(readlink -f /bin/sh)" /bin/sh          # apploader.sh
install -D -m 0644 "$repo/$CONFIG" "$rootfs/app/$CONFIG"
mkdir -p "$rootfs/app/static/js"  # /static/js/*.js: the JS SDK files dropped in static/js/
find "$repo/static/js" -maxdepth 1 -type f -name '*.js' -exec install -m 0644 {} "$rootfs/app/static/js/" \;
if [ "${WITH_DATA:-0}" = 1 ]; then
  mkdir -p "$rootfs/app/data"
  cp -r "$repo/data/uid2" "$rootfs/app/data/uid2"
fi
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\n' > "$rootfs/etc/group"
mkdir -p "$rootfs/tmp" "$rootfs/app/run"

"$shroud" -q image create --rootfs "$rootfs" --entrypoint /usr/bin/uid2-operator \
  --cmd --profile --cmd "$profile" --workdir /app --tag "uid2-operator:$profile" \
  -o "$work/uid2-operator.tar"

# --- 2. engine ----------------------------------------------------------------------------
if [ -z "$engine" ]; then
  cat >&2 <<'WARN'
******************************************************************************************
* build.sh: NO --engine GIVEN: USING A STAND-IN GRAMINE ENGINE.                          *
* The image runs under `shroud run` (direct runtime) but NOT under real Gramine/SGX, and *
* its MRENCLAVE is that of the stand-in PAL. For SGX hosts pass the real engine:         *
*   skopeo copy docker://gramineproject/gramine:1.9-jammy docker-archive:engine.tar      *
*   deploy/azure/build.sh <profile> --engine engine.tar --key enclave-key.pem            *
******************************************************************************************
WARN
  e="$work/engine"
  mkdir -p "$e/usr/lib/x86_64-linux-gnu/gramine/sgx" "$e/usr/bin"
  gcc -fPIC -shared -nostdlib -ffreestanding -fno-stack-protector -fno-builtin \
    -fno-tree-loop-distribute-patterns -Wl,-e,enclave_entry -Wl,-z,relro -Wl,-z,now \
    -Wl,--hash-style=sysv -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -O2 \
    -Wl,-z,noseparate-code -o "$e/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so" \
    "$repo/tests/data/gramine-sign/libpal-standin.c"
  for l in sgx direct; do
    printf '#!/bin/sh\necho "STAND-IN gramine-%s: this image was built without a real Gramine engine; run its bundle with shroud run" >&2\nexit 1\n' "$l" \
      > "$e/usr/bin/gramine-$l"
    chmod 0755 "$e/usr/bin/gramine-$l"
  done
  "$shroud" -q image create --rootfs "$e" --label com.shroud.standin-engine=true \
    --tag shroud-standin-engine:1 -o "$work/engine.tar"
  engine="$work/engine.tar"
fi

# --- 3. shield ----------------------------------------------------------------------------
sed -e "s/@ISVSVN@/$ISVSVN/" -e "s/@ENCLAVE_SIZE@/$ENCLAVE_SIZE/" \
  -e "s/@MAX_THREADS@/$MAX_THREADS/" -e "s/@DEBUG@/$DEBUG/" \
  "$here/uid2-operator.manifest.template" > "$work/uid2-operator.manifest"
"$shroud" shield "$work/uid2-operator.tar" --engine "$engine" -m "$work/uid2-operator.manifest" \
  --tag "uid2-operator-azure-sgx:$profile-unsigned" -o "$work/unsigned.tar"

# --- 4. sign ------------------------------------------------------------------------------
if [ -z "$key" ]; then
  echo "build.sh: no --key: signing with an EPHEMERAL key (MRSIGNER changes on every build)" >&2
  key="$work/ephemeral-enclave-key.pem"   # deleted with $work; never in the image
  openssl genrsa -3 -out "$key" 3072 2>/dev/null
fi
bundle="$work/bundle/uid2-operator"
"$shroud" -q sign-image "$work/unsigned.tar" "$key" --gzip --tag "uid2-operator-azure-sgx:$profile" \
  --bundle "$bundle" -o "$out/uid2-operator-azure-sgx.tar.gz"
tar -C "$work/bundle" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 \
  --numeric-owner -cf - uid2-operator | gzip -n > "$out/uid2-operator/uid2-operator.tar.gz"

"$shroud" -q deploy k8s --image "${IMAGE_REF:-uid2-operator-azure-sgx:$profile}" \
  --name uid2-operator --port 8080 --port 9091 --health-path /ops/healthcheck \
  --epc-mib "$EPC_MIB" \
  --env-from-secret uid2-operator-secrets:core-api-token=core_api_token \
  --env-from-secret uid2-operator-secrets:optout-api-token=optout_api_token \
  -o "$out/uid2-operator-aks.yml"

info="$("$shroud" info-image "$out/uid2-operator-azure-sgx.tar.gz" --json)"
field() { printf '%s' "$info" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
echo "MRSIGNER=$(field mr_signer)"
echo "MRENCLAVE=$(field mr_enclave)"
echo "PRODID=$(field isv_prod_id)"
echo "SVN=$(field isv_svn)"
echo "build.sh: wrote $out/uid2-operator-azure-sgx.tar.gz, $out/uid2-operator/uid2-operator.tar.gz, $out/uid2-operator-aks.yml" >&2
