# Functions for a guest's /lab/run.sh (source /lab/lib.sh): signals to the
# host, iSCSI logins and the multipath map. Each prints what it did; each
# failure says why and returns non-zero.

# mark NAME [TEXT]: creates /lab/NAME (with TEXT) at once and completely,
# for the host's Guest::WaitFile.
mark() {
  printf '%s\n' "${2:-}" >"/lab/.$1.tmp" && mv "/lab/.$1.tmp" "/lab/$1"
  echo "lib.sh: marked $1 at $(cut -d' ' -f1 /proc/uptime) s"
}

# iscsi_login PORTAL...: SendTargets discovery at each portal (each node
# lists its own target at its own address), then a login to every target
# found.
iscsi_login() {
  local p
  for p in "$@"; do
    iscsiadm -m discovery -t sendtargets -p "$p" || { echo "lib.sh: discovery at $p failed"; return 1; }
  done
  iscsiadm -m node --loginall=all || { echo "lib.sh: login failed"; return 1; }
}

# wait_paths N TIMEOUT_S: until one multipath map has N paths that are
# "active ready"; prints multipath -ll.
wait_paths() {
  local n=$1 end=$((SECONDS + $2)) got
  while :; do
    got=$(multipath -ll 2>/dev/null | grep -c 'active ready')
    [ "$got" -ge "$n" ] && break
    if [ $SECONDS -ge $end ]; then
      echo "lib.sh: $got of $n paths ready after $2 s"
      multipath -ll; multipathd show paths; dmesg | tail -40
      return 1
    fi
    sleep 0.5
  done
  multipath -ll
}

# map_device: /dev/mapper/NAME of the (first) multipath map.
map_device() {
  local name
  name=$(dmsetup ls --target multipath | awk 'NR == 1 { print $1 }')
  [ -n "$name" ] || { echo "lib.sh: no multipath map" >&2; return 1; }
  echo "/dev/mapper/$name"
}

# path_table: one line per iSCSI session's disk: "sdX TARGET ADDRESS:PORT".
path_table() {
  local s dev
  for s in /sys/class/iscsi_session/session*; do
    for dev in "$s"/device/target*/*/block/*; do
      [ -e "$dev" ] || continue
      local conn
      conn=$(ls -d "$s"/device/connection*/iscsi_connection/connection* | head -1)
      echo "$(basename "$dev") $(cat "$s/targetname") $(cat "$conn/persistent_address"):$(cat "$conn/persistent_port")"
    done
  done
}

# wait_host NAME TIMEOUT_S: until the host created /lab/NAME (Guest::Mark).
wait_host() {
  local end=$((SECONDS + $2))
  until [ -e "/lab/$1" ]; do
    [ $SECONDS -lt $end ] || { echo "lib.sh: the host did not mark $1 within $2 s"; return 1; }
    sleep 0.2
  done
  echo "lib.sh: the host marked $1 (at $(cut -d' ' -f1 /proc/uptime) s)"
}

# show_alua: what each iSCSI disk reports about ALUA: its target port group
# (INQUIRY page 83h), REPORT TARGET PORT GROUPS, and the kernel ALUA
# handler's view (access_state).
show_alua() {
  local d
  for d in $(path_table | awk '{ print $1 }'); do
    echo "== /dev/$d: $(path_table | awk -v d="$d" '$1 == d { print $2, $3 }')"
    sg_vpd -p di "/dev/$d" | grep -A1 -i 'target port group'
    sg_rtpg -d "/dev/$d"
    echo "kernel: access_state $(cat /sys/block/$d/device/access_state 2>/dev/null), handler $(cat /sys/block/$d/device/dh_state 2>/dev/null)"
  done
}

# wait_active_prio PRIO TIMEOUT_S: until the multipath map's active path
# group (the one I/O goes to) has priority PRIO. Reads a block of the map
# each turn: dm-multipath activates a group on I/O, and multipathd moves the
# map to its best group (failback immediate) within a checker interval.
wait_active_prio() {
  local end=$((SECONDS + $2)) dev
  dev=$(map_device) || return 1
  until multipath -ll 2>/dev/null | grep -q "prio=$1 status=active"; do
    if [ $SECONDS -ge $end ]; then
      echo "lib.sh: the active path group's priority is not $1 after $2 s"; multipath -ll; return 1
    fi
    dd if="$dev" of=/dev/null bs=4096 count=1 iflag=direct status=none
    sleep 0.5
  done
}
