#!/usr/bin/env bash
# Installs the Debian 12 packages esan needs to build, test and demo.
# Idempotent: apt runs only when something is missing.
# Usage: install-deps.sh [--bench]
set -euo pipefail
PKGS=(cmake ninja-build g++ pkg-config python3
      liburing-dev libisal-dev libssl-dev libfmt-dev libspdlog-dev libcli11-dev
      nlohmann-json3-dev libgtest-dev libgmock-dev
      libiscsi-dev libiscsi-bin qemu-utils qemu-block-extra procps)
# --bench: also what bench/compare needs (tgt as the side-by-side peer,
# gnuplot for the chart).
if [ "${1:-}" = "--bench" ]; then
  PKGS+=(tgt gnuplot-nox)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
