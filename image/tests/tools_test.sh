#!/bin/bash
# The appliance's tools' refusals and failure reports, offline (ctest
# image.tools): esan-upgrade checks everything before it writes (checksum,
# format, size, the running slot) and leaves the inactive slot untouched
# when it refuses; esan-config-sync reports a failed save (status, the
# sync-failed file) and keeps nothing half-written; esan-log-archive and
# esan-slot reject bad arguments. The partitions are plain files
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
# archive anywhere, status exit 1; the paths it would save are read from
# the list.
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
rc=0; "$ROOTFS/usr/sbin/esan-config-sync" bogus >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "esan-config-sync bogus: exit $rc, expected 2"

rc=0; "$ROOTFS/usr/sbin/esan-log-archive" over 12x >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "esan-log-archive over 12x: exit $rc, expected 2"
mkdir -p "$w/log" && echo small >"$w/log/syslog"
ESAN_LOG_DIR=$w/log "$ROOTFS/usr/sbin/esan-log-archive" over 1 || fail "esan-log-archive under its limit must do nothing"
rc=0; ESAN_LOG_DIR=$w/log "$ROOTFS/usr/sbin/esan-log-archive" now >"$w/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "log archive FAILED" "$w/console" || fail "esan-log-archive now without a partition: exit $rc"
rc=0; "$ROOTFS/usr/sbin/esan-slot" mark-good soon >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "esan-slot mark-good soon: exit $rc, expected 1"
echo "PASS: the appliance tools' refusals"
