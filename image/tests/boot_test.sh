#!/bin/bash
# The esan appliance booted in qemu (issue 18; ctest image.boot, label image).
#
# Usage: boot_test.sh BUILD_DIR
# Builds (or reuses from /var/cache/esan-image, $ESAN_IMAGE_CACHE) the image
# with BUILD_DIR's esand, esanctl and esan-tui, then qemu (TCG, one process per boot) boots it from a
# copy of its drive, through GRUB, with host port forwards on 127.0.0.1 for
# iSCSI, the management API and SSH, and a second disk for the LUN's data:
#   boot 1 (slot A): a LUN configured through esanctl --url, data written
#     through libiscsi (qemu-io); the config reaches the config partition by
#     itself; esan-tui runs on tty1 and comes back when it ends; a failed
#     config save raises config_sync_failed in esand, the next good one
#     config_sync_recovered; the crash kernel is loaded; a kernel crash (no
#     shutdown, so no shutdown save): kdump's crash kernel saves a dump to
#     the logs partition and reboots;
#   boot 2 (A): a crash_dump event names the dump; the config and its
#     history are back, the data reads back;
#     the config partition is wiped and the system serves on; a sync puts it
#     back; esan-upgrade refuses a wrong checksum; slot B gets an image that
#     boots a kernel but no system; reboot;
#   boot 3 (B) fails (panic) and reboots; boot 4 is slot A again (fallback),
#     config and data intact; esan-upgrade puts a new image in slot B;
#   boot 5 (B): the new image runs, is GRUB's saved entry, config and data
#     intact.
# Prints the image's size, its build time and each boot's time to "esand ready".
set -euo pipefail
build=${1:?usage: boot_test.sh BUILD_DIR}
build=$(readlink -f "$build")
HERE=$(dirname "$(readlink -f "$0")")
SRC=$(readlink -f "$HERE/../..")
CACHE=${ESAN_IMAGE_CACHE:-/var/cache/esan-image}
fail() { echo "FAIL: $*" >&2; [ -f "${serial:-}" ] && { echo "--- serial console, last lines:" >&2; tr -d '\r' <"$serial" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | grep -v '^\s*$' | tail -25 >&2; }; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root"
for t in qemu-system-x86_64 qemu-io ssh ssh-keygen mksquashfs unsquashfs cpack sfdisk python3; do
  command -v "$t" >/dev/null || fail "$t is missing (scripts/install-deps.sh)"
done
for b in esand esanctl esan-tui; do [ -x "$build/bin/$b" ] || fail "$build/bin/$b is not built"; done
esanctl=$build/bin/esanctl

w=$(mktemp -d "${TMPDIR:-/tmp}/esan-image-test.XXXXXX")
qpid=""
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT

# The .deb, cached by the binaries and packaging files it is made from (a
# fresh cpack would differ in its timestamps and rebuild the image).
debkey=$( (sha256sum "$build/bin/esand" "$build/bin/esanctl" "$build/bin/esan-tui"; cd "$SRC" && find packaging docs/API.md docs/HA.md ra -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16)
debdir=$CACHE/deb-$debkey
if ! ls "$debdir"/esan_*.deb >/dev/null 2>&1; then
  mkdir -p "$CACHE"
  rm -rf "$CACHE"/deb-*
  cpack --config "$build/CPackConfig.cmake" -G DEB -B "$w/deb" >"$w/cpack.log" 2>&1 || { cat "$w/cpack.log"; fail "cpack"; }
  mkdir -p "$debdir.tmp" && cp "$w"/deb/esan_*.deb "$debdir.tmp/" && mv "$debdir.tmp" "$debdir"
fi
deb=$(ls "$debdir"/esan_*.deb | head -1)

t0=$(date +%s)
img=$("$SRC/image/build-image.sh" "$deb" "$CACHE" | tail -1) || fail "build-image.sh"
echo "image: $img ($(( $(date +%s) - t0 )) s here; $(grep '^built in' "$img/build.log"))"
echo "image: slot image $(stat -c %s "$img/slot.img") bytes; drive $(stat -c %s "$img/disk.img") bytes, $(du -k "$img/disk.img" | cut -f1) KiB allocated"
echo "image: $(cat "$img/release")"

# The drive: a copy, with a first configuration on its config partition
# (what a factory or a previous run would have saved): root's SSH key for
# this test and the management API's token.
cp --sparse=always "$img/disk.img" "$w/disk.img"
ssh-keygen -q -t ed25519 -N '' -f "$w/key"
mkdir -p "$w/cfg/root/.ssh" "$w/cfg/etc/esan" "$w/cfgpart"
cp "$w/key.pub" "$w/cfg/root/.ssh/authorized_keys"
chmod 700 "$w/cfg/root/.ssh"
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$w/cfg/etc/esan/api.token"
chmod 600 "$w/cfg/etc/esan/api.token"
cp "$w/cfg/etc/esan/api.token" "$w/token"
tar -cpf "$w/cfgpart/config.tar" -C "$w/cfg" root etc
start=$(sfdisk -J "$w/disk.img" | python3 -c 'import json,sys; print(next(p["start"] for p in json.load(sys.stdin)["partitiontable"]["partitions"] if p.get("name")=="esan-config"))')
mke2fs -q -t ext4 -L esan-config -d "$w/cfgpart" "$w/config.ext4" 64M >/dev/null
dd if="$w/config.ext4" of="$w/disk.img" bs=512 seek="$start" conv=notrunc,sparse status=none
truncate -s 64M "$w/data.img"

# Upgrade images: a new one (slot.img plus a marker file) and a broken one
# (a kernel and initramfs but no system: it boots, finds no init, panics).
cp "$img/slot.img" "$w/new.img"
mkdir -p "$w/marker" && echo "upgrade test" >"$w/marker/esan-upgrade-test"
mksquashfs "$w/marker" "$w/new.img" -comp gzip -quiet -no-progress >/dev/null
unsquashfs -q -n -d "$w/broken" "$img/slot.img" /boot/vmlinuz /boot/initrd.img >/dev/null
mksquashfs "$w/broken" "$w/broken.img" -comp gzip -noappend -quiet -no-progress >/dev/null
sum() { sha256sum "$1" | cut -d' ' -f1; }

ports=$(python3 -c 'import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')
read -r p_iscsi p_api p_ssh <<<"$ports"
# One qemu per boot (-no-reboot: a reboot or a panic ends it and the next
# boot is a fresh qemu on the same drive; under TCG a warm reset of the
# guest made every later boot several times slower). Each boot's console
# goes to serial-N.log.
boot_n=0
start_qemu() {
  boot_n=$((boot_n + 1))
  serial=$w/serial-$boot_n.log
  qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -m 2048 -display none -monitor none -no-reboot \
    -serial "file:$serial" \
    -drive "file=$w/disk.img,format=raw,if=none,id=boot" -device virtio-blk-pci,drive=boot,bootindex=0 \
    -drive "file=$w/data.img,format=raw,if=none,id=data" -device virtio-blk-pci,drive=data,serial=esandata \
    -drive "file=$w/new.img,format=raw,if=none,id=upg,readonly=on" -device virtio-blk-pci,drive=upg,serial=upgood \
    -drive "file=$w/broken.img,format=raw,if=none,id=upb,readonly=on" -device virtio-blk-pci,drive=upb,serial=upbad \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$p_iscsi-:3260,hostfwd=tcp:127.0.0.1:$p_api-:8080,hostfwd=tcp:127.0.0.1:$p_ssh-:22" \
    -device virtio-net-pci,netdev=n0 &
  qpid=$!
  booted_at=$(date +%s)
}
# wait_down SECS: until this boot's qemu has ended (the guest rebooted or
# powered off).
wait_down() {
  local end=$(( $(date +%s) + $1 ))
  while kill -0 "$qpid" 2>/dev/null; do
    [ "$(date +%s)" -lt "$end" ] || fail "the guest did not go down within $1 s"
    sleep 1
  done
  wait "$qpid" 2>/dev/null || true
  qpid=""
}
start_qemu

# wait_for PATTERN N SECS: until this boot's console has shown PATTERN N times.
wait_for() {
  local end=$(( $(date +%s) + $3 )) n
  while :; do
    n=$(grep -c -- "$1" "$serial" 2>/dev/null) || true
    [ "${n:-0}" -lt "$2" ] || break
    kill -0 "$qpid" 2>/dev/null || fail "qemu exited waiting for '$1'"
    [ "$(date +%s)" -lt "$end" ] || fail "no '$1' (#$2) on the console within $3 s"
    sleep 1
  done
}
# ready SLOT N: waits for the Nth "esand ready on slot SLOT"; prints the time.
ready() {
  wait_for "esand ready on slot $1" "$2" 400
  echo "boot: slot $1 ready $(( $(date +%s) - booted_at )) s after the boot began"
}
gssh() { ssh -q -i "$w/key" -p "$p_ssh" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
           -o ConnectTimeout=10 -o ServerAliveInterval=2 -o ServerAliveCountMax=5 -o BatchMode=yes root@127.0.0.1 "$@"; }
ctl() { "$esanctl" --url "http://127.0.0.1:$p_api" --token-file "$w/token" "$@"; }
iqn=iqn.2026-12.org.esan.test:image
lun_url="iscsi://127.0.0.1:$p_iscsi/$iqn/0"
check_data() {
  qemu-io -f raw -c 'read -P 0x5a 0 1M' -c 'read -P 0xc3 3146240 65536' "$lun_url" >"$w/qio.log" 2>&1 \
    && ! grep -q 'Pattern verification failed' "$w/qio.log" || { cat "$w/qio.log"; fail "$1: the LUN's data does not read back"; }
}
check_config() {
  ctl device show disk0 >"$w/dev.txt" 2>&1 || { cat "$w/dev.txt"; fail "$1: device disk0 is gone"; }
  ctl lun list "$iqn" >"$w/luns.txt" 2>&1 || { cat "$w/luns.txt"; fail "$1: cannot list the LUNs"; }
  grep -q disk0 "$w/luns.txt" || { cat "$w/luns.txt"; fail "$1: LUN 0 is gone"; }
}
# reboot_guest HOW: "reset" (sysrq: no shutdown) or "reboot".
# A reset leaves the SSH connection hanging: it is not waited for. The
# next boot starts when this qemu has ended.
reboot_guest() {
  if [ "$1" = reset ]; then
    timeout 15 ssh -q -i "$w/key" -p "$p_ssh" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o BatchMode=yes root@127.0.0.1 'sync; echo b >/proc/sysrq-trigger' || true
  else
    timeout 30 ssh -q -i "$w/key" -p "$p_ssh" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o BatchMode=yes root@127.0.0.1 'systemctl reboot' || true
  fi
  wait_down 180
  start_qemu
}

# Boot 1: slot A, configured from the host.
ready a 1
ctl device add disk0 --handler vdisk_blockio filename=/dev/disk/by-id/virtio-esandata || fail "device add"
ctl target add "$iqn" || fail "target add"
ctl lun add "$iqn" 0 disk0 || fail "lun add"
ctl target enable "$iqn" || fail "target enable"
qemu-io -f raw -c 'write -P 0x5a 0 1M' -c 'write -P 0xc3 3146240 65536' "$lun_url" >"$w/qio.log" 2>&1 \
  || { cat "$w/qio.log"; fail "writing through iSCSI"; }
check_data "boot 1"
# Saved at the change (esan-config-sync.path), not only at shutdown.
gssh 'for i in $(seq 60); do
        m=$(mktemp -d); mount -o ro /dev/disk/by-partlabel/esan-config "$m"
        tar -xOf "$m/config.tar" etc/esan/esan.conf 2>/dev/null | grep -q virtio-esandata; ok=$?
        umount "$m"; [ $ok -eq 0 ] && exit 0; sleep 1
      done; exit 1' || fail "the new LUN did not reach the config partition"
echo "boot 1: LUN configured, data written, config saved to its partition"
# The console: esan-tui on tty1, started again when it ends.
gssh 'systemctl show -p MainPID --value esan-console.service; ps -o tty= -C esan-tui' >"$w/tui" 2>&1 || true
grep -qw tty1 "$w/tui" || fail "esan-tui is not running on tty1: $(cat "$w/tui")"
pid=$(head -1 "$w/tui")
gssh "systemctl kill esan-console.service; for i in \$(seq 30); do sleep 1
        p=\$(systemctl show -p MainPID --value esan-console.service)
        [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ] && ps -o tty= -p \$p | grep -q tty1 && exit 0
      done; exit 1" || fail "esan-tui did not come back on tty1 after it ended"
# A failed configuration save is an esand event (and so an alert), and so
# is the next good save.
if gssh 'ESAN_IMAGE_DEV_DIR=/nonexistent esan-config-sync save test' >"$w/sync.log" 2>&1; then
  fail "a configuration save without its partition succeeded"
fi
gssh 'esan-config-sync save test' || fail "esan-config-sync save after a failure"
ctl --json events >"$w/events.json" || fail "esanctl events"
python3 - "$w/events.json" <<'PY' || fail "the sync events: $(cat "$w/events.json")"
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
f = [e for e in ev if e["kind"] == "config_sync_failed"]
r = [e for e in ev if e["kind"] == "config_sync_recovered"]
assert len(f) == 1 and f[0]["severity"] == "error" and "no partition labelled esan-config" in f[0]["message"], f
assert f[0]["fields"]["raised_by"] == "root", f
assert len(r) == 1 and r[0]["seq"] > f[0]["seq"], r
PY
echo "boot 1: esan-tui on tty1 (and back after it ended); a failed save raised config_sync_failed, the next config_sync_recovered"
# kdump: the crash kernel is loaded; a kernel crash (no shutdown, like a
# hard reset) boots it, it saves a dump to the logs partition and reboots.
[ "$(gssh cat /sys/kernel/kexec_crash_loaded)" = 1 ] ||
  fail "no crash kernel loaded: $(gssh 'kdump-config status; journalctl -b -u kdump-tools --no-pager | tail -20' 2>&1)"
crashed_at=$(date +%s)
timeout 15 ssh -q -i "$w/key" -p "$p_ssh" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes root@127.0.0.1 'sync; echo c >/proc/sysrq-trigger' || true
wait_down 900
grep -q "crash kernel: slot a from the drive" "$serial" || fail "the crash kernel did not start the slot"
grep -q "saved vmcore in" "$serial" || fail "the crash kernel saved no dump"
echo "boot 1: kernel crash; the crash kernel saved a dump and rebooted $(( $(date +%s) - crashed_at )) s later"
start_qemu

# Boot 2: the config (and its history) came back from the partition; the
# dump is named by a crash_dump event.
ready a 1
check_config "boot 2"
for i in $(seq 60); do
  ctl --json events >"$w/events.json" 2>&1 && grep -q '"crash_dump"' "$w/events.json" && break
  sleep 2
done
python3 - "$w/events.json" <<'PY' || fail "boot 2: the crash dump event: $(cat "$w/events.json")"
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"] if e["kind"] == "crash_dump"]
assert len(ev) == 1 and ev[0]["severity"] == "critical", ev
f = ev[0]["fields"]
assert f["path"].startswith("crash/2") and f["complete"] == "yes" and " dump." in " " + f["files"], f
print("boot 2: crash_dump event:", ev[0]["message"], f["files"], f["size_kib"], "KiB")
PY
check_data "boot 2"
ctl --json config history >"$w/hist.json" || fail "no configuration history after boot 2"
revs=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["revisions"]))' "$w/hist.json")
[ "$revs" -ge 4 ] || fail "boot 2: the history has $revs revisions, expected at least 4 (the changes of boot 1)"
[ "$(gssh cat /run/esan-image/slot)" = a ] || fail "boot 2 is not slot A"
# Wipe the config partition: esand serves on; a sync writes it again.
gssh 'm=$(mktemp -d) && mount /dev/disk/by-partlabel/esan-config "$m" && rm -rf "$m"/* && ls -A "$m" && umount "$m"' \
  >"$w/ls" || fail "wiping the config partition"
[ ! -s "$w/ls" ] || fail "the config partition is not empty after the wipe: $(cat "$w/ls")"
check_data "after wiping the config partition"
check_config "after wiping the config partition"
gssh 'esan-config-sync save test && esan-config-sync status' || fail "esan-config-sync save after the wipe"
echo "boot 2: config and data back; config partition wiped, still serving, saved again"
# esan-upgrade: a wrong checksum changes nothing; then the broken image.
if gssh "esan-upgrade --sha256 $(printf '0%.0s' $(seq 64)) /dev/disk/by-id/virtio-upgood" >"$w/up.log" 2>&1; then
  fail "esan-upgrade accepted a wrong checksum"
fi
grep -q 'checksum mismatch' "$w/up.log" || { cat "$w/up.log"; fail "esan-upgrade's message for a wrong checksum"; }
gssh "esan-upgrade --sha256 $(sum "$w/broken.img") /dev/disk/by-id/virtio-upbad" || fail "esan-upgrade of the broken image"
reboot_guest reboot

# Boot 3: slot B panics; boot 4: GRUB's saved entry, slot A.
wait_for "esan-image: copying slot b" 1 300
wait_down 120
grep -q "No init found" "$serial" || fail "boot 3: slot B did not fail as expected"
grep -q 'esand ready on slot b' "$serial" && fail "the broken slot B reached ready"
echo "boot 3: slot B panicked, $(( $(date +%s) - booted_at )) s after the boot began"
start_qemu
ready a 1
check_config "boot 4 (fallback)"
check_data "boot 4 (fallback)"
gssh 'esan-slot status' >"$w/status" || fail "esan-slot status"
grep -q '^saved_entry=a-prod$' "$w/status" || { cat "$w/status"; fail "saved_entry is not a-prod after the fallback"; }
echo "boot 4: fell back to slot A, config and data intact"
gssh "esan-upgrade --sha256 $(sum "$w/new.img") /dev/disk/by-id/virtio-upgood" || fail "esan-upgrade of the new image"
reboot_guest reboot

# Boot 5: the new image in slot B.
ready b 1
gssh 'test -f /esan-upgrade-test' || fail "slot B does not run the new image"
check_config "boot 5 (slot B)"
check_data "boot 5 (slot B)"
gssh 'esan-slot status' >"$w/status" || fail "esan-slot status"
grep -q '^saved_entry=b-prod$' "$w/status" || { cat "$w/status"; fail "saved_entry is not b-prod on the new slot"; }
echo "boot 5: slot B runs the new image, saved as the default; config and data intact"
timeout 30 ssh -q -i "$w/key" -p "$p_ssh" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes root@127.0.0.1 'systemctl poweroff' || true
wait_down 180
echo "PASS: image boot test in $(( $(date +%s) - t0 )) s"
