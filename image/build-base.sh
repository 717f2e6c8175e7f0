#!/bin/bash
# Builds the appliance's base system (issue 18): a Debian 12 root file
# system holding every package of packages.txt, nothing of esan's own yet.
# build-image.sh adds esan's .deb, the appliance's files and the initramfs
# on a copy of it; this slow part (downloads and dpkg) is cached.
#
# Usage: build-base.sh CACHE_DIR
# Prints CACHE_DIR/base-<key> on its last line of stdout; the tree is in
# its root/ directory. <key> hashes this script and packages.txt: the base
# is rebuilt when either changes and reused otherwise. Other base-* keys
# are removed after a build. A lock (CACHE_DIR/.base-lock) makes concurrent
# callers wait for one build; a build works in CACHE_DIR/.tmp-base-<key>
# and is renamed into place only when complete.
#
# Needs root, network access to deb.debian.org and mmdebstrap
# (scripts/install-deps.sh). Cold: about 8 minutes on a 2-core machine.
set -euo pipefail
CACHE=${1:?usage: build-base.sh CACHE_DIR}
HERE=$(dirname "$(readlink -f "$0")")
SUITE=bookworm
MIRRORS=("deb http://deb.debian.org/debian $SUITE main"
         "deb http://deb.debian.org/debian $SUITE-updates main"
         "deb http://deb.debian.org/debian-security $SUITE-security main")
pkgs=$(sed 's/#.*//' "$HERE/packages.txt" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//' | tr ' ' ',')
[ -n "$pkgs" ] || { echo "build-base.sh: packages.txt lists no package" >&2; exit 1; }

key=$(cat "$0" "$HERE/packages.txt" | sha256sum | cut -c1-16)
out=$CACHE/base-$key
mkdir -p "$CACHE"
exec 9>"$CACHE/.base-lock"
flock 9
if [ -f "$out/key" ]; then
  echo "$out"
  exit 0
fi
command -v mmdebstrap >/dev/null || { echo "build-base.sh: mmdebstrap is missing (scripts/install-deps.sh)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "build-base.sh: needs root" >&2; exit 1; }

tmp=$CACHE/.tmp-base-$key
rm -rf "$tmp"
mkdir -p "$tmp/root"
start=$(date +%s)
echo "build-base.sh: building the base system $key (about 8 minutes when cold)" >&2
# No recommends, no documentation; no SSH host keys (each appliance makes
# its own on first boot and keeps them on its configuration partition).
# MODULES=list before the kernel comes: kdump-tools' kernel hook would
# otherwise build its initramfs with MODULES=dep, which fails in a chroot
# (build-image.sh sets the appliance's initramfs configuration; the crash
# kernel uses the slot's own initramfs).
if ! mmdebstrap --mode=root --variant=minbase --include="$pkgs" \
    --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" && echo MODULES=list >"$1/etc/initramfs-tools/conf.d/esan-base"' \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
    "$SUITE" "$tmp/root" "${MIRRORS[@]}" >"$tmp/build.log" 2>&1; then
  echo "build-base.sh: mmdebstrap failed; the end of its log ($tmp/build.log):" >&2
  tail -30 "$tmp/build.log" >&2
  exit 1
fi
echo "built in $(( $(date +%s) - start )) s" >>"$tmp/build.log"
echo "$key" >"$tmp/key"
mv "$tmp" "$out"
for old in "$CACHE"/base-*; do
  [ "$old" = "$out" ] || rm -rf "$old"
done
echo "build-base.sh: built $out in $(( $(date +%s) - start )) s" >&2
echo "$out"
