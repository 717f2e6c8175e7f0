#!/bin/bash
# Builds the initiator guest of the HA tests (issue 14): a Debian 12 root
# file system with a real Linux initiator stack -- the Debian kernel
# (iscsi_tcp, dm-multipath, scsi_dh_alua), open-iscsi, multipath-tools, fio,
# sg3-utils -- booted by qemu with -kernel/-initrd (tests/ha/guest/guest.h).
#
# Usage: build-image.sh [CACHE_DIR]
#   (default $ESAN_GUEST_CACHE, else /var/cache/esan-guest)
# Prints the directory holding the image on its last line of stdout:
#   CACHE_DIR/<key>/{vmlinuz,initrd.img,root.img,key,build.log}
# <key> is a hash of this script and of `init` (the guest's PID 1, baked into
# the image): the image is rebuilt when either changes and reused otherwise.
# Other keys' directories are removed after a build. A lock
# (CACHE_DIR/.lock) makes concurrent callers wait for one build. A build
# works in CACHE_DIR/.tmp-<key> and is renamed into place only when complete,
# so an interrupted build leaves nothing that looks usable.
#
# Needs root, network access to deb.debian.org, mmdebstrap and e2fsprogs
# (scripts/install-deps.sh). Cold: about 9 minutes on the 2-core machine
# (mostly downloads and dpkg); cached: immediate.
set -euo pipefail
CACHE=${1:-${ESAN_GUEST_CACHE:-/var/cache/esan-guest}}
HERE=$(dirname "$(readlink -f "$0")")
# The guest's packages. systemd is not among them: `init` is PID 1.
PKGS=linux-image-amd64,open-iscsi,multipath-tools,fio,sg3-utils,udev,kmod,iproute2,procps,e2fsprogs
SUITE=bookworm
MIRRORS=("deb http://deb.debian.org/debian $SUITE main"
         "deb http://deb.debian.org/debian $SUITE-updates main"
         "deb http://deb.debian.org/debian-security $SUITE-security main")

key=$(cat "$0" "$HERE/init" | sha256sum | cut -c1-16)
out=$CACHE/$key
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$out/key" ]; then
  echo "$out"
  exit 0
fi
for tool in mmdebstrap mke2fs; do
  command -v "$tool" >/dev/null || { echo "build-image.sh: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "build-image.sh: needs root" >&2; exit 1; }

tmp=$CACHE/.tmp-$key
rm -rf "$tmp"
mkdir -p "$tmp/root"
start=$(date +%s)
echo "build-image.sh: building the guest image $key (about 9 minutes when cold)" >&2
# Customize: a small initramfs (only what finds the root disk: virtio and
# ext4), no documentation, and the init.
if ! mmdebstrap --mode=root --variant=minbase --include="$PKGS" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='echo MODULES=list > "$1/etc/initramfs-tools/conf.d/esan-guest"' \
    --customize-hook='printf "%s\n" virtio_pci virtio_blk ext4 crc32c_generic >> "$1/etc/initramfs-tools/modules"' \
    --customize-hook='chroot "$1" update-initramfs -u -k all' \
    --customize-hook="install -m 0755 '$HERE/init' \"\$1/sbin/esan-guest-init\"" \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
    "$SUITE" "$tmp/root" "${MIRRORS[@]}" >"$tmp/build.log" 2>&1; then
  echo "build-image.sh: mmdebstrap failed; the end of its log ($tmp/build.log):" >&2
  tail -30 "$tmp/build.log" >&2
  exit 1
fi
cp "$tmp"/root/boot/vmlinuz-* "$tmp/vmlinuz"
cp "$tmp"/root/boot/initrd.img-* "$tmp/initrd.img"
if ! mke2fs -q -t ext4 -L esan-guest -d "$tmp/root" "$tmp/root.img" 2G >>"$tmp/build.log" 2>&1; then
  echo "build-image.sh: mke2fs failed:" >&2
  tail -10 "$tmp/build.log" >&2
  exit 1
fi
rm -rf "$tmp/root"
echo "built in $(( $(date +%s) - start )) s" >>"$tmp/build.log"
echo "$key" >"$tmp/key"
mv "$tmp" "$out"
for old in "$CACHE"/*; do
  [ "$old" = "$out" ] || rm -rf "$old"
done
echo "build-image.sh: built $out in $(( $(date +%s) - start )) s" >&2
echo "$out"
