# Shared by the appliance's tools (esan-config-sync, esan-log-archive,
# esan-upgrade, esan-slot): where the boot drive's partitions are, which
# slot is running, mounting a partition for a moment. Sourced, not run.
#
# Partitions are found by GPT label (image/make-disk.sh writes them):
# esan-boot (GRUB, grubenv), esan-a / esan-b (system slots), esan-config,
# esan-logs. Overrides for the tests (image/tests/tools_test.sh):
# ESAN_IMAGE_DEV_DIR (/dev/disk/by-partlabel), ESAN_IMAGE_RUN
# (/run/esan-image), ESAN_IMAGE_CMDLINE (/proc/cmdline), ESAN_IMAGE_CONSOLE
# (/dev/console), ESAN_ESANCTL (esanctl).
ESAN_IMAGE_DEV_DIR=${ESAN_IMAGE_DEV_DIR:-/dev/disk/by-partlabel}
ESAN_IMAGE_RUN=${ESAN_IMAGE_RUN:-/run/esan-image}

esan_part() { echo "$ESAN_IMAGE_DEV_DIR/esan-$1"; }

# The running slot: a or b (esan.slot= on the kernel command line).
esan_booted_slot() {
  local arg
  for arg in $(cat "${ESAN_IMAGE_CMDLINE:-/proc/cmdline}"); do
    case "$arg" in esan.slot=a | esan.slot=b) echo "${arg#esan.slot=}"; return 0 ;; esac
  done
  return 1
}

esan_other_slot() { [ "$1" = a ] && echo b || echo a; }

# esan_with_mount PART OPTS CMD...: mounts partition PART (esan-PART) on a
# private directory, runs CMD with $ESAN_MNT set to it, unmounts. Returns
# CMD's status, or 1 with a message when the partition does not mount.
esan_with_mount() {
  local part=$1 opts=$2 dev mnt st
  shift 2
  dev=$(esan_part "$part")
  [ -e "$dev" ] || { echo "no partition labelled esan-$part" >&2; return 1; }
  mkdir -p "$ESAN_IMAGE_RUN"
  mnt=$(mktemp -d "$ESAN_IMAGE_RUN/mnt-$part.XXXXXX")
  if ! mount -o "$opts" "$dev" "$mnt"; then
    rmdir "$mnt"
    echo "partition esan-$part does not mount" >&2
    return 1
  fi
  ESAN_MNT=$mnt "$@"
  st=$?
  umount "$mnt" || st=1
  rmdir "$mnt"
  return $st
}

# A line on the console (the serial console of the tests) and in the journal.
esan_say() {
  echo "esan-image: $*" >"${ESAN_IMAGE_CONSOLE:-/dev/console}" 2>/dev/null || true
  logger -t esan-image -- "$*" 2>/dev/null || true
}

# esan_raise KIND SEVERITY MESSAGE [NAME=VALUE...]: an event in esand's log
# and so its alerts (POST /v1/events through esanctl on the local socket).
# esand may be down (early boot, shutdown): then it says so on the console
# and in the journal and returns 1; the caller's own report stands.
esan_raise() {
  local kind=$1 severity=$2 message=$3 out
  shift 3
  if out=$(timeout 15 "${ESAN_ESANCTL:-esanctl}" event raise "$message" --kind "$kind" --severity "$severity" "$@" 2>&1); then
    return 0
  fi
  esan_say "could not raise the $kind event in esand: $(echo "$out" | head -c 200)"
  return 1
}
