#!/bin/bash
# Builds the esan appliance (issue 18): a slot image (a squashfs of the whole
# system: Debian 12, esan's .deb, the cluster stack, an admin's tools, the
# kernel and an initramfs that runs it from RAM) and a boot drive holding it
# in slot A (make-disk.sh).
#
# Usage: build-image.sh ESAN_DEB [CACHE_DIR]
#   (default $ESAN_IMAGE_CACHE, else /var/cache/esan-image)
# Prints the directory holding the result on its last line of stdout:
#   CACHE_DIR/img-<key>/{slot.img,slot.img.sha256,disk.img,release,key,build.log}
# <key> hashes the base system's key (build-base.sh), the .deb and every
# file of the appliance (image/): the image is rebuilt when any changes and
# reused otherwise; other img-* directories are removed after a build. A
# lock makes concurrent callers wait; a build works in .tmp-img-<key> and is
# renamed into place only when complete.
#
# Needs root, squashfs-tools and what build-base.sh and make-disk.sh need.
# Cold (no base): about 10 minutes; with the base cached: about 2.
set -euo pipefail
deb=${1:?usage: build-image.sh ESAN_DEB [CACHE_DIR]}
CACHE=${2:-${ESAN_IMAGE_CACHE:-/var/cache/esan-image}}
HERE=$(dirname "$(readlink -f "$0")")
[ -f "$deb" ] || { echo "build-image.sh: $deb does not exist" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "build-image.sh: needs root" >&2; exit 1; }
command -v mksquashfs >/dev/null || { echo "build-image.sh: mksquashfs is missing (scripts/install-deps.sh)" >&2; exit 1; }

start=$(date +%s)
base=$("$HERE/build-base.sh" "$CACHE" | tail -1)
base_time=$(( $(date +%s) - start ))
files=$(cd "$HERE" && find build-image.sh make-disk.sh grub initramfs rootfs -type f | LC_ALL=C sort)
key=$( (cat "$base/key"; sha256sum <"$deb"; cd "$HERE" && for f in $files; do echo "$f"; cat "$f"; done) \
      | sha256sum | cut -c1-16)
out=$CACHE/img-$key
exec 9>"$CACHE/.img-lock"
flock 9
if [ -f "$out/key" ]; then
  echo "$out"
  exit 0
fi
tmp=$CACHE/.tmp-img-$key
rm -rf "$tmp"
mkdir -p "$tmp"
log=$tmp/build.log
echo "build-image.sh: building the appliance image $key" >&2
r=$tmp/root
cp -a "$base/root" "$r"
cp "$deb" "$r/tmp/esan.deb"
cp -a "$HERE/rootfs/." "$r/"
install -m 0755 "$HERE/initramfs/hooks/esan" "$r/etc/initramfs-tools/hooks/esan"
install -m 0644 "$HERE/initramfs/scripts/esan" "$r/etc/initramfs-tools/scripts/esan"
cat >"$r/etc/initramfs-tools/conf.d/esan" <<'CONF'
# esan appliance: only the modules the boot=esan script needs (its hook
# lists them) and zstd, for a small initramfs GRUB reads quickly.
MODULES=list
COMPRESS=zstd
CONF
# The cluster stack starts only once it is configured (an authkey exists).
for unit in corosync pacemaker; do
  mkdir -p "$r/etc/systemd/system/$unit.service.d"
  printf '[Unit]\nConditionPathExists=/etc/corosync/authkey\n' >"$r/etc/systemd/system/$unit.service.d/esan-image.conf"
done
version=$(dpkg-deb -f "$deb" Version)
release="esan $version image $key built $(date -u +%FT%TZ)"
echo "$release" >"$r/etc/esan-image/release"
# In a mount namespace of its own: the chroot's /proc, /sys and /dev go
# away with it, whatever happens.
if ! unshare --mount --propagation private bash -euc '
    r=$1
    mount -t proc proc "$r/proc"
    mount -t sysfs sys "$r/sys"
    mount --rbind /dev "$r/dev"
    chroot "$r" dpkg -i /tmp/esan.deb
    rm "$r/tmp/esan.deb"
    chroot "$r" systemctl enable esand.service systemd-networkd.service ssh.service \
      esan-firstboot.service esan-config-sync.path esan-config-sync.timer esan-shutdown-save.service \
      esan-log-archive.timer esan-slot-good.service esan-boot-check.timer esan-debug-shell.service \
      esan-console.service esan-crash-check.service kdump-tools.service
    # tty1 shows esan-tui (esan-console.service), not a login prompt.
    chroot "$r" systemctl mask getty@tty1.service
    chroot "$r" systemctl set-default multi-user.target
    echo "root:esan" | chroot "$r" chpasswd
    chroot "$r" update-initramfs -u -k all
    # The crash kernel boots the initramfs of the slot (/etc/default/kdump-tools).
    # kdump-config load makes an initramfs of its own at every boot unless
    # /var/lib/kdump holds one per kernel and a copy of its sysctl file:
    # there, the slot initramfs (a hard link, stored once) and that copy.
    rm -rf "$r"/var/lib/kdump && mkdir -p "$r"/var/lib/kdump
    for i in "$r"/boot/initrd.img-*; do
      v=${i##*/initrd.img-}
      ln "$i" "$r/var/lib/kdump/initrd.img-$v"
      cp "$r/etc/kdump/sysctl.conf" "$r/var/lib/kdump/latest_sysctls-$v"
    done
  ' _ "$r" >>"$log" 2>&1; then
  echo "build-image.sh: customizing the system failed; the end of $log:" >&2
  tail -30 "$log" >&2
  exit 1
fi
# Stable names GRUB's menu uses (hard links: stored once).
kernel=$(ls "$r"/boot/vmlinuz-* | sort -V | tail -1)
ln -f "$kernel" "$r/boot/vmlinuz"
ln -f "$r/boot/initrd.img-${kernel#*/boot/vmlinuz-}" "$r/boot/initrd.img"
# gzip: the compression GRUB's squashfs reader knows (it loads the kernel
# and initramfs straight from the slot).
if ! mksquashfs "$r" "$tmp/slot.img" -comp gzip -noappend -quiet -no-progress \
    -e proc/* sys/* dev/* run/* tmp/* >>"$log" 2>&1; then
  echo "build-image.sh: mksquashfs failed; the end of $log:" >&2
  tail -20 "$log" >&2
  exit 1
fi
rm -rf "$r"
(cd "$tmp" && sha256sum slot.img >slot.img.sha256)
"$HERE/make-disk.sh" "$tmp/slot.img" "$tmp/disk.img" >>"$log" 2>&1 || {
  echo "build-image.sh: make-disk.sh failed; the end of $log:" >&2
  tail -20 "$log" >&2
  exit 1
}
echo "$release" >"$tmp/release"
took=$(( $(date +%s) - start ))
echo "built in $took s (base: $base_time s)" >>"$log"
echo "$key" >"$tmp/key"
mv "$tmp" "$out"
for old in "$CACHE"/img-*; do
  [ "$old" = "$out" ] || rm -rf "$old"
done
echo "build-image.sh: built $out in $took s (base $base_time s); slot image $(stat -c %s "$out/slot.img") bytes" >&2
echo "$out"
