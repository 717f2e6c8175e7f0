#!/bin/bash
# The appliance's GRUB menu and boot drive layout, offline (ctest
# image.grub_cfg): grub.cfg parses (grub-script-check), has each slot in
# Production and Debug with the partition and kernel arguments of that
# slot, a serial console, the one-time/saved/fallback logic; make-disk.sh
# lays out the partitions grub.cfg and the tools name and puts GRUB (BIOS
# and UEFI) and its environment on the drive.
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
cfg=$HERE/../grub/grub.cfg
fail() { echo "FAIL: $*" >&2; exit 1; }
for t in grub-script-check grub-editenv sfdisk mdir mcopy python3; do
  command -v "$t" >/dev/null || fail "$t is missing (scripts/install-deps.sh)"
done
grub-script-check "$cfg" || fail "grub-script-check rejects grub.cfg"

ids=$(grep -o -- "--id [a-z-]*" "$cfg" | cut -d' ' -f2 | tr '\n' ' ')
[ "$ids" = "a-prod a-debug b-prod b-debug " ] || fail "menu entries: $ids"
# entry ID: the lines of that menuentry's body.
entry() { awk -v id="--id $1" 'index($0, id) {on=1; next} on && /^}/ {exit} on' "$cfg"; }
for slot in a b; do
  part=$([ $slot = a ] && echo 3 || echo 4)
  for mode in prod debug; do
    body=$(entry "$slot-$mode")
    grep -q "^  linux (\$bootdisk,gpt$part)/boot/vmlinuz boot=esan esan.slot=$slot " <<<"$body" || fail "$slot-$mode: linux line: $body"
    grep -q "^  initrd (\$bootdisk,gpt$part)/boot/initrd.img$" <<<"$body" || fail "$slot-$mode: initrd line: $body"
    for arg in console=ttyS0,115200n8 panic=10 crashkernel=1G-:256M; do
      grep -q " $arg" <<<"$body" || fail "$slot-$mode lacks $arg"
    done
    if [ $mode = debug ]; then
      grep -q ' esan.debug=1 ' <<<"$body" || fail "$slot-debug lacks esan.debug=1"
    else
      grep -q ' esan.debug' <<<"$body" && fail "$slot-prod has esan.debug"
      grep -q ' quiet$' <<<"$body" || fail "$slot-prod is not quiet"
    fi
  done
done
grep -q '^serial --unit=0 --speed=115200$' "$cfg" || fail "no serial line"
grep -q '^terminal_output serial console$' "$cfg" || fail "no serial terminal"
# next_entry is cleared and saved before its boot (a one-time boot), the
# saved entry is the default and the fallback.
grep -A4 'if \[ -n "$next_entry" \]' "$cfg" | tr '\n' ' ' | grep -q 'set default="$next_entry" *set next_entry= *save_env next_entry' \
  || fail "next_entry is not a one-time boot"
grep -q '^set default="$saved_entry"$' "$cfg" || fail "saved_entry is not the default"
grep -q '^set fallback="$saved_entry"$' "$cfg" || fail "saved_entry is not the fallback"

# The drive make-disk.sh assembles from a (fake) slot image.
w=$(mktemp -d "${TMPDIR:-/tmp}/esan-grub-test.XXXXXX")
trap 'rm -rf "$w"' EXIT
printf hsqs >"$w/slot.img"
truncate -s 4M "$w/slot.img"
ESAN_SLOT_MIB=64 "$HERE/../make-disk.sh" "$w/slot.img" "$w/disk.img" >/dev/null
names=$(sfdisk -J "$w/disk.img" | python3 -c 'import json,sys; print(" ".join(p["name"] for p in json.load(sys.stdin)["partitiontable"]["partitions"]))')
[ "$names" = "esan-bios esan-boot esan-a esan-b esan-config esan-logs" ] || fail "partitions: $names"
start() { sfdisk -J "$w/disk.img" | python3 -c 'import json,sys; print(next(p["start"] for p in json.load(sys.stdin)["partitiontable"]["partitions"] if p["name"]==sys.argv[1]))' "$1"; }
a=$(start esan-a)
[ "$(dd if="$w/disk.img" bs=512 skip="$a" count=1 status=none | head -c 4)" = hsqs ] || fail "slot A does not hold the slot image"
bios=$(start esan-bios)
# boot.img's pointer to core.img, core.img's to its second sector.
[ "$(od -An -tu8 -j $((0x5c)) -N 8 "$w/disk.img" | tr -d ' ')" = "$bios" ] || fail "the MBR does not point at core.img"
[ "$(od -An -tu8 -j $((bios * 512 + 0x1f4)) -N 8 "$w/disk.img" | tr -d ' ')" = "$((bios + 1))" ] || fail "core.img's block list"
dd if="$w/disk.img" of="$w/boot.fat" bs=512 skip="$(start esan-boot)" count=$((32 * 2048)) status=none
mdir -i "$w/boot.fat" -b ::/EFI/BOOT | grep -q BOOTX64.EFI || fail "no EFI/BOOT/BOOTX64.EFI"
mcopy -i "$w/boot.fat" ::/grub/grubenv ::/grub/grub.cfg "$w/"
cmp -s "$w/grub.cfg" "$cfg" || fail "the drive's grub.cfg is not grub/grub.cfg"
grub-editenv "$w/grubenv" list | grep -qx saved_entry=a-prod || fail "grubenv: $(grub-editenv "$w/grubenv" list)"
echo "PASS: grub.cfg and the drive layout"
