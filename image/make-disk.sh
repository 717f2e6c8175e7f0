#!/bin/bash
# Assembles the esan appliance's boot drive from a slot image (issue 18):
# a GPT disk image file, without loop devices or root.
#
# Usage: make-disk.sh SLOT_IMG DISK_IMG [CONFIG_DIR]
#   CONFIG_DIR: files to put on the configuration partition (e.g. a
#   config.tar), else it starts empty.
# Environment: ESAN_SLOT_MIB (size of each slot, default 1024).
#
# Partitions (GPT labels, which the initramfs and the tools look for):
#   1 esan-bios   1 MiB   BIOS boot: GRUB's core.img (i386-pc)
#   2 esan-boot  32 MiB   EFI system partition, FAT: grub/grub.cfg,
#                         grub/grubenv, EFI/BOOT/BOOTX64.EFI
#   3 esan-a              slot A: SLOT_IMG (a squashfs of the whole system)
#   4 esan-b              slot B: empty until the first esan-upgrade
#   5 esan-config 64 MiB  ext4: config.tar (esan-config-sync)
#   6 esan-logs  256 MiB  ext4: log archives (esan-log-archive)
# The MBR gets GRUB's boot.img pointing at core.img in partition 1, so the
# drive boots with a BIOS; with UEFI, firmware starts BOOTX64.EFI.
#
# Needs sfdisk (fdisk), mkfs.vfat (dosfstools), mtools, mke2fs, grub-pc-bin,
# grub-efi-amd64-bin, grub-common (scripts/install-deps.sh).
set -euo pipefail
slot_img=${1:?usage: make-disk.sh SLOT_IMG DISK_IMG [CONFIG_DIR]}
disk=${2:?usage: make-disk.sh SLOT_IMG DISK_IMG [CONFIG_DIR]}
config_dir=${3:-}
HERE=$(dirname "$(readlink -f "$0")")
SLOT_MIB=${ESAN_SLOT_MIB:-1024}
GRUB_MODS="part_gpt fat squash4 ext2 normal linux echo serial terminal terminfo loadenv test configfile gzio
           regexp search boot cat ls halt reboot sleep"
for tool in sfdisk mkfs.vfat mcopy mmd mke2fs grub-mkimage grub-editenv; do
  command -v "$tool" >/dev/null || { echo "make-disk.sh: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
for d in /usr/lib/grub/i386-pc /usr/lib/grub/x86_64-efi; do
  [ -d "$d" ] || { echo "make-disk.sh: $d is missing (grub-pc-bin, grub-efi-amd64-bin)" >&2; exit 1; }
done
size=$(stat -Lc %s "$slot_img")
[ "$size" -le $((SLOT_MIB * 1048576)) ] || {
  echo "make-disk.sh: $slot_img ($size bytes) does not fit a $SLOT_MIB MiB slot (ESAN_SLOT_MIB)" >&2
  exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/esan-disk.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Offsets in MiB.
bios=1 boot=2 a=$((2 + 32)) b=$((34 + SLOT_MIB)) cfg=$((34 + 2 * SLOT_MIB)) logs=$((34 + 2 * SLOT_MIB + 64))
total=$((logs + 256 + 1))
rm -f "$disk"
truncate -s "${total}M" "$disk"
sfdisk -q "$disk" <<SFDISK
label: gpt
start=${bios}MiB, size=1MiB, type=21686148-6449-6E6F-744E-656564454649, name=esan-bios
start=${boot}MiB, size=32MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esan-boot
start=${a}MiB, size=${SLOT_MIB}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=esan-a
start=${b}MiB, size=${SLOT_MIB}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=esan-b
start=${cfg}MiB, size=64MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=esan-config
start=${logs}MiB, size=256MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=esan-logs
SFDISK
put() { dd if="$1" of="$disk" bs=1M seek="$2" conv=notrunc,sparse status=none; }

# BIOS: core.img in partition 1 (LBA 2048). boot.img's code (not the
# partition table) goes to the MBR; both carry the sector to load next:
# boot.img at 0x5c the first sector of core.img, core.img's first sector
# (diskboot) at 0x1f4 the sector after it (its length grub-mkimage fills).
lba=$((bios * 2048))
# shellcheck disable=SC2086
grub-mkimage -O i386-pc -o "$work/core.img" -p "(hd0,gpt2)/grub" biosdisk $GRUB_MODS
[ "$(stat -c %s "$work/core.img")" -le 1048576 ] || { echo "make-disk.sh: core.img exceeds 1 MiB" >&2; exit 1; }
le64() { printf "$(printf '%016x' "$1" | sed -E 's/(..)(..)(..)(..)(..)(..)(..)(..)/\\x\8\\x\7\\x\6\\x\5\\x\4\\x\3\\x\2\\x\1/')"; }
le64 $((lba + 1)) | dd of="$work/core.img" bs=1 seek=$((0x1f4)) conv=notrunc status=none
cp /usr/lib/grub/i386-pc/boot.img "$work/boot.img"
le64 "$lba" | dd of="$work/boot.img" bs=1 seek=$((0x5c)) conv=notrunc status=none
dd if="$work/boot.img" of="$disk" bs=440 count=1 conv=notrunc status=none
put "$work/core.img" "$bios"

# UEFI: the removable-media path of the EFI system partition.
# shellcheck disable=SC2086
grub-mkimage -O x86_64-efi -o "$work/BOOTX64.EFI" -p /grub $GRUB_MODS
grub-editenv "$work/grubenv" create
grub-editenv "$work/grubenv" set saved_entry=a-prod
mkfs.vfat -C -n ESANBOOT "$work/boot.fat" $((32 * 1024)) >/dev/null
mmd -i "$work/boot.fat" ::/grub ::/EFI ::/EFI/BOOT
mcopy -i "$work/boot.fat" "$HERE/grub/grub.cfg" "$work/grubenv" ::/grub/
mcopy -i "$work/boot.fat" "$work/BOOTX64.EFI" ::/EFI/BOOT/
put "$work/boot.fat" "$boot"

put "$slot_img" "$a"
if [ -n "$config_dir" ]; then
  mke2fs -q -t ext4 -L esan-config -d "$config_dir" "$work/config.ext4" 64M >/dev/null
else
  mke2fs -q -t ext4 -L esan-config "$work/config.ext4" 64M >/dev/null
fi
put "$work/config.ext4" "$cfg"
mke2fs -q -t ext4 -L esan-logs "$work/logs.ext4" 256M >/dev/null
put "$work/logs.ext4" "$logs"
