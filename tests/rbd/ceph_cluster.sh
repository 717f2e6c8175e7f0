#!/usr/bin/env bash
# A throw-away single-node Ceph cluster on loopback for the rbd tests and
# bench/rbd: one monitor, one manager, one OSD (BlueStore on a sparse file),
# no authentication, pool size 1.
#
# Usage: ceph_cluster.sh start DIR   -- creates and starts the cluster in DIR
#                                       (must not exist or be empty); prints
#                                       the path of DIR/ceph.conf
#        ceph_cluster.sh stop DIR    -- stops its daemons (data kept)
#        ceph_cluster.sh restart DIR -- starts the daemons of a stopped cluster
#        ceph_cluster.sh destroy DIR -- stops the daemons and removes DIR
# Environment: CEPH_MON_PORT (default: a free port chosen by the kernel).
# The daemons run as the calling user; every file (data, logs, sockets,
# pid files) stays inside DIR.
set -euo pipefail

cmd=${1:?usage: ceph_cluster.sh start|stop|restart|destroy DIR}
dir=${2:?usage: ceph_cluster.sh start|stop|restart|destroy DIR}
conf="$dir/ceph.conf"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for() {  # wait_for SECONDS WHAT CMD...: polls CMD until it succeeds
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= end)); then echo "ceph_cluster: timed out waiting for $what" >&2; return 1; fi
    sleep 0.5
  done
}

start_daemons() {
  ceph-mon -c "$conf" -i a
  wait_for 30 "the monitor" timeout 10 ceph -c "$conf" --connect-timeout 5 mon stat
  ceph-osd -c "$conf" -i 0 2>>"$dir/log/daemons.err"
  ceph-mgr -c "$conf" -i x 2>>"$dir/log/daemons.err"
  wait_for 60 "the OSD to come up" bash -c "timeout 10 ceph -c '$conf' --connect-timeout 5 osd dump 2>/dev/null | grep -q '^osd.0 up'"
}

stop_daemons() {
  local pids=()
  for f in "$dir"/run/*.pid; do
    [ -e "$f" ] || continue
    local p; p=$(cat "$f")
    kill "$p" 2>/dev/null && pids+=("$p")
    rm -f "$f"
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || { echo "ceph_cluster: $dir is not empty" >&2; exit 1; }
    dir=$(cd "$dir" && pwd); conf="$dir/ceph.conf"
    port=${CEPH_MON_PORT:-$(free_port)}
    fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
    mkdir -p "$dir"/{mon,osd,run,log}
    cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$port
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind ipv6 = false
ms bind ipv4 = true
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
keyring = /dev/null
[mon]
mon data = $dir/mon/\$name
mon osd full ratio = .99
mon osd nearfull ratio = .98
mon osd backfillfull ratio = .985
[osd]
osd data = $dir/osd/\$name
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 4294967296
bluestore fsck on mount = false
bluestore cache size = 134217728
osd memory target = 939524096
osd op num shards = 2
osd op num threads per shard = 1
[mgr]
mgr data = $dir/mgr/\$name
CONF
    monmaptool --create --addv a "[v2:127.0.0.1:$port]" --fsid "$fsid" "$dir/monmap" >/dev/null
    ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >/dev/null 2>&1
    mkdir -p "$dir/mgr/mgr.x" "$dir/osd/osd.0"
    ceph-mon -c "$conf" -i a
    wait_for 30 "the monitor" timeout 10 ceph -c "$conf" --connect-timeout 5 mon stat
    uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
    ceph -c "$conf" osd new "$uuid" 0 >/dev/null
    ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$uuid" >/dev/null 2>&1
    ceph-osd -c "$conf" -i 0 2>>"$dir/log/daemons.err"
    ceph-mgr -c "$conf" -i x 2>>"$dir/log/daemons.err"
    wait_for 60 "the OSD to come up" bash -c "timeout 10 ceph -c '$conf' --connect-timeout 5 osd dump 2>/dev/null | grep -q '^osd.0 up'"
    echo "$conf"
    ;;
  stop) stop_daemons ;;
  restart) start_daemons ;;
  destroy)
    stop_daemons
    rm -rf "$dir"
    ;;
  *) echo "usage: ceph_cluster.sh start|stop|restart|destroy DIR" >&2; exit 2 ;;
esac
