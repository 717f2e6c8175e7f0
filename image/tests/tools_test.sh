#!/bin/bash
# The appliance's tools' refusals and failure reports, offline (ctest
# image.tools): esan-upgrade checks everything before it writes (checksum,
# format, size, the running slot) and leaves the inactive slot untouched
# when it refuses; esan-config-sync reports a failed save (status, the
# sync-failed file) and keeps nothing half-written; esan-log-archive and
# esan-slot reject bad arguments; esan-crash-check raises each new crash
# dump once; kdump's configuration matches the boot script. The partitions are plain files
# (ESAN_IMAGE_DEV_DIR); nothing is mounted.
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
ROOTFS=$HERE/../rootfs
fail() { echo "FAIL: $*" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/esan-tools-test.XXXXXX")
trap 'rm -rf "$w"' EXIT
export ESAN_IMAGE_LIB=$ROOTFS/usr/lib/esan-image ESAN_IMAGE_DEV_DIR=$w/dev ESAN_IMAGE_RUN=$w/run \
       ESAN_IMAGE_CMDLINE=$w/cmdline ESAN_IMAGE_CONSOLE=$w/console
mkdir -p "$w/dev" "$w/run"
echo "boot=esan esan.slot=a quiet" >"$w/cmdline"
truncate -s 1M "$w/dev/esan-b"
printf hsqs >"$w/good.img" && head -c 100000 /dev/urandom >>"$w/good.img"
sum=$(sha256sum "$w/good.img" | cut -d' ' -f1)
zero=$(printf '0%.0s' $(seq 64))

# expect_refusal MESSAGE ARGS...: esan-upgrade ARGS exits 1 naming MESSAGE
# and slot B is still all zeros.
expect_refusal() {
  local msg=$1 rc=0
  shift
  "$ROOTFS/usr/sbin/esan-upgrade" "$@" >"$w/out" 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "esan-upgrade $*: exit $rc, expected 1: $(cat "$w/out")"
  grep -q -- "$msg" "$w/out" || fail "esan-upgrade $*: '$(cat "$w/out")' does not say '$msg'"
  cmp -s "$w/dev/esan-b" <(head -c 1M /dev/zero) || fail "esan-upgrade $* wrote to slot B"
}
expect_refusal "no checksum" "$w/good.img"
expect_refusal "64 hex digits" --sha256 abc "$w/good.img"
expect_refusal "checksum mismatch" --sha256 "$zero" "$w/good.img"
echo "$zero  good.img" >"$w/good.img.sha256"
expect_refusal "checksum mismatch" "$w/good.img"
expect_refusal "does not exist" --sha256 "$sum" "$w/missing.img"
head -c 100000 /dev/urandom >"$w/raw.img"
expect_refusal "no squashfs magic" --sha256 "$(sha256sum "$w/raw.img" | cut -d' ' -f1)" "$w/raw.img"
printf hsqs >"$w/big.img" && truncate -s 2M "$w/big.img"
expect_refusal "does not fit slot b" --sha256 "$(sha256sum "$w/big.img" | cut -d' ' -f1)" "$w/big.img"
echo "quiet" >"$w/cmdline"
expect_refusal "cannot tell the running slot" --sha256 "$sum" "$w/good.img"
echo "esan.slot=b" >"$w/cmdline"
expect_refusal "no partition labelled esan-a" --sha256 "$sum" "$w/good.img"
rc=0; "$ROOTFS/usr/sbin/esan-upgrade" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "esan-upgrade without IMAGE: exit $rc, expected 2"
# The checksum is right, but GRUB's environment (partition esan-boot) is
# missing: nothing is written to the slot either.
echo "esan.slot=a" >"$w/cmdline"
expect_refusal "cannot write GRUB's environment" --sha256 "$sum" "$w/good.img"

# esan-config-sync: no configuration partition -> a failure report, no
# archive anywhere, status exit 1, a config_sync_failed event raised
# through esanctl (a stand-in that records its arguments); the paths it
# would save are read from the list.
cat >"$w/esanctl" <<'SH'
#!/bin/bash
printf '%s\n' "$@" >>"$ESANCTL_LOG"
echo "--" >>"$ESANCTL_LOG"
[ -z "${ESANCTL_FAIL:-}" ] || { echo "esanctl: cannot connect to esand: no such file" >&2; exit 1; }
SH
chmod +x "$w/esanctl"
export ESAN_ESANCTL=$w/esanctl ESANCTL_LOG=$w/esanctl.log
mkdir -p "$w/root/etc/esan"
echo "TARGET_DRIVER iscsi {}" >"$w/root/etc/esan/esan.conf"
printf '# comment\n/etc/esan\n/etc/missing\n' >"$w/list"
rc=0; ESAN_SYNC_ROOT=$w/root ESAN_SYNC_LIST=$w/list "$ROOTFS/usr/sbin/esan-config-sync" save test >"$w/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "esan-config-sync save without a partition: exit $rc"
grep -q "no partition labelled esan-config" "$w/run/sync-failed" || fail "sync-failed: $(cat "$w/run/sync-failed" 2>&1)"
grep -q "configuration sync FAILED" "$w/console" || fail "no failure on the console: $(cat "$w/console" 2>&1)"
rc=0; "$ROOTFS/usr/sbin/esan-config-sync" status >"$w/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "last sync failed" "$w/out" || fail "esan-config-sync status after a failure: exit $rc: $(cat "$w/out")"
ls "$w/run" | grep -q '^config.tar' && fail "a temporary archive was left in $w/run"
expected="event
raise
configuration not saved to the boot drive: writing config.tar to the configuration partition: no partition labelled esan-config
--kind
config_sync_failed
--severity
error
partition=$w/dev/esan-config
status_file=$w/run/sync-failed
--"
[ "$(cat "$w/esanctl.log")" = "$expected" ] || fail "esanctl was called with: $(cat "$w/esanctl.log" 2>&1)"
# esand does not answer: the failure is still reported (status, console)
# and the console says the event could not be raised.
rm -f "$w/run/sync-failed" "$w/esanctl.log"
rc=0; ESANCTL_FAIL=1 ESAN_SYNC_ROOT=$w/root ESAN_SYNC_LIST=$w/list "$ROOTFS/usr/sbin/esan-config-sync" save test >"$w/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && [ -f "$w/run/sync-failed" ] || fail "esan-config-sync with esand down: exit $rc"
grep -q "could not raise the config_sync_failed event in esand: esanctl: cannot connect" "$w/console" ||
  fail "the console does not say the event was not raised: $(cat "$w/console")"
grep -q -- "--kind" "$w/esanctl.log" || fail "esanctl was not tried"
rc=0; "$ROOTFS/usr/sbin/esan-config-sync" bogus >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "esan-config-sync bogus: exit $rc, expected 2"

# esan-crash-check: each dump directory kdump-tools left under crash/ is
# raised once as a crash_dump event (critical) naming it; one esand does
# not take stays unreported for the next boot.
logs=$w/logs
mkdir -p "$logs/crash/202612061502" "$logs/crash/202612070930"
head -c 5000 /dev/urandom >"$logs/crash/202612061502/dump.202612061502"
echo "Kernel panic" >"$logs/crash/202612061502/dmesg.202612061502"
echo "Kernel panic" >"$logs/crash/202612070930/dmesg.202612070930"
: >"$logs/crash/202612070930/dump-incomplete"
: >"$logs/crash/kexec_cmd"
rm -f "$w/esanctl.log" "$w/console"
"$ROOTFS/usr/sbin/esan-crash-check" "$logs" >"$w/out" 2>&1 || fail "esan-crash-check: $(cat "$w/out")"
[ "$(grep -c '^crash_dump$' "$w/esanctl.log")" -eq 2 ] || fail "two crash_dump events expected: $(cat "$w/esanctl.log")"
grep -q "^kernel crash dump on the logs partition: crash/202612061502$" "$w/esanctl.log" || fail "dump 1 not named: $(cat "$w/esanctl.log")"
grep -q "^files=dmesg.202612061502 dump.202612061502$" "$w/esanctl.log" || fail "dump 1's files: $(cat "$w/esanctl.log")"
grep -q "^path=crash/202612070930$" "$w/esanctl.log" || fail "dump 2 not named: $(cat "$w/esanctl.log")"
grep -q "^complete=no$" "$w/esanctl.log" && grep -q "^complete=yes$" "$w/esanctl.log" || fail "complete= wrong: $(cat "$w/esanctl.log")"
grep -q -- "^critical$" "$w/esanctl.log" || fail "not critical: $(cat "$w/esanctl.log")"
grep -q "kernel crash dump on the logs partition: crash/202612070930 (dmesg.202612070930 dump-incomplete)" "$w/console" || fail "console: $(cat "$w/console")"
rm -f "$w/esanctl.log"
"$ROOTFS/usr/sbin/esan-crash-check" "$logs" || fail "esan-crash-check, nothing new"
[ ! -e "$w/esanctl.log" ] || fail "a reported dump was raised again: $(cat "$w/esanctl.log")"
mkdir -p "$logs/crash/202612080000"
rc=0; ESANCTL_FAIL=1 "$ROOTFS/usr/sbin/esan-crash-check" "$logs" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "esan-crash-check with esand down: exit $rc, expected 1"
[ ! -e "$logs/crash/202612080000/.reported" ] || fail "an unraised dump was marked reported"
rm -f "$w/esanctl.log"
"$ROOTFS/usr/sbin/esan-crash-check" "$logs" || fail "esan-crash-check, esand back"
[ "$(grep -c '^crash_dump$' "$w/esanctl.log")" -eq 1 ] && grep -q "^path=crash/202612080000$" "$w/esanctl.log" ||
  fail "the dump not raised before is raised now: $(cat "$w/esanctl.log")"
rc=0; "$ROOTFS/usr/sbin/esan-crash-check" "$w/missing" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "esan-crash-check of a missing directory: exit $rc, expected 2"

# kdump's configuration agrees with the boot script and the crash-check:
# the crash kernel boots the slot's own kernel and initramfs in kdump mode
# (esan.kdump=1, which the boot=esan script knows) and saves under the
# mount point of esan-logs that the dump service's drop-in makes.
kd=$ROOTFS/etc/default/kdump-tools
(
  . "$kd"
  [ "$USE_KDUMP" = 1 ] && [ "$KDUMP_KERNEL" = /boot/vmlinuz ] && [ "$KDUMP_INITRD" = /boot/initrd.img ] ||
    fail "kdump-tools: kernel $KDUMP_KERNEL initrd $KDUMP_INITRD use $USE_KDUMP"
  case " $KDUMP_CMDLINE_APPEND " in *" esan.kdump=1 "*" systemd.unit"* | *" systemd.unit=kdump-tools-dump.service "*" esan.kdump=1 "*) ;;
    *) fail "KDUMP_CMDLINE_APPEND: $KDUMP_CMDLINE_APPEND" ;; esac
  dropin=$ROOTFS/etc/systemd/system/kdump-tools-dump.service.d/esan-image.conf
  grep -q "^ExecStartPre=/bin/mount -t ext4 /dev/disk/by-partlabel/esan-logs ${KDUMP_COREDIR%/crash}$" "$dropin" ||
    fail "the dump service does not mount esan-logs on ${KDUMP_COREDIR%/crash}: $(cat "$dropin")"
  [ "${KDUMP_COREDIR##*/}" = crash ] || fail "KDUMP_COREDIR $KDUMP_COREDIR is not crash/ of the logs partition"
) || exit 1
grep -q 'esan.kdump=1' "$HERE/../initramfs/scripts/esan" || fail "the boot script has no kdump mode"
# kdump-config makes an initramfs of its own at each boot unless
# /var/lib/kdump holds one: the image links the slot's there.
grep -q 'ln "$i" "$r/var/lib/kdump/initrd.img-$v"' "$HERE/../build-image.sh" || fail "build-image.sh leaves /var/lib/kdump without an initramfs"

rc=0; "$ROOTFS/usr/sbin/esan-log-archive" over 12x >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "esan-log-archive over 12x: exit $rc, expected 2"
mkdir -p "$w/log" && echo small >"$w/log/syslog"
ESAN_LOG_DIR=$w/log "$ROOTFS/usr/sbin/esan-log-archive" over 1 || fail "esan-log-archive under its limit must do nothing"
rc=0; ESAN_LOG_DIR=$w/log "$ROOTFS/usr/sbin/esan-log-archive" now >"$w/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "log archive FAILED" "$w/console" || fail "esan-log-archive now without a partition: exit $rc"
rc=0; "$ROOTFS/usr/sbin/esan-slot" mark-good soon >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "esan-slot mark-good soon: exit $rc, expected 1"
echo "PASS: the appliance tools' refusals"
