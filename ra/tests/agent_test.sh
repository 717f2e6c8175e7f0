#!/bin/sh
# The resource agent (ra/target) against a real esand, outside a cluster:
# every action's exit code and the ALUA states it leaves, read back through
# esand's API (esanctl). Pacemaker's notify and monitor environment is set
# by hand, as the cluster would set it.
#
#   agent_test.sh ESAND ESANCTL [AGENT]
#
# Needs resource-agents (ocf-shellfuncs) and xmllint. Prints one line per
# failed assertion and a summary; exits 1 when any failed.
set -u
ESAND=$1
ESANCTL=$2
AGENT=${3:-$(cd "$(dirname "$0")/.." && pwd)/target}
T=$(mktemp -d /tmp/esan-ra-test.XXXXXX)
PASS=0
FAIL=0

cleanup() {
	if [ -f "$T/esand.pid" ]; then
		kill -KILL "$(cat "$T/esand.pid")" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); }
bad() {
	FAIL=$((FAIL + 1))
	echo "FAIL: $*"
}

truncate -s 64M "$T/d0.img"
cat >"$T/esan.conf" <<EOF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $T/d0.img
	}
}
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 16
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET iqn.2026-12.test.esan:ra {
		rel_tgt_id 1
		LUN 0 disk0
		LUN 1 null0
		enabled 1
	}
}
DEVICE_GROUP default {
	DEVICE disk0
	DEVICE null0
	TARGET_GROUP local {
		group_id 1
		state nonoptimized
		TARGET iqn.2026-12.test.esan:ra
	}
	TARGET_GROUP remote {
		group_id 2
		state active
		TARGET iqn.2026-12.test.esan:peer {
			rel_tgt_id 2
		}
	}
}
EOF

# The seed's parameters, verbatim, plus esand's own.
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=p_scst HA_RSCTMP="$T/rsctmp"
export OCF_RESKEY_alua=true OCF_RESKEY_device_group=default OCF_RESKEY_local_tgt_grp=local \
	OCF_RESKEY_remote_tgt_grp=remote OCF_RESKEY_m_alua_state=active OCF_RESKEY_s_alua_state=nonoptimized
export OCF_RESKEY_config="$T/esan.conf" OCF_RESKEY_socket="$T/esand.sock" OCF_RESKEY_pidfile="$T/esand.pid" \
	OCF_RESKEY_logfile="$T/esand.log" OCF_RESKEY_state_dir="$T/state" OCF_RESKEY_listen=127.0.0.1:0 \
	OCF_RESKEY_esand="$ESAND" OCF_RESKEY_esanctl="$ESANCTL" OCF_RESKEY_esand_options="--reactors 1"
export OCF_RESKEY_CRM_meta_on_node=storage1

# ra ACTION [VAR=VALUE...]: runs the agent (stderr in $T/err), returns its code.
ra() {
	action=$1
	shift
	env "$@" "$AGENT" "$action" >"$T/out" 2>"$T/err"
}

# expect CODE ACTION [VAR=VALUE...]
expect() {
	want=$1
	shift
	ra "$@"
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "$* -> $got, want $want: $(grep -v ' INFO: ' "$T/err" | tail -n 3 | tr '\n' ' ')"; fi
}

# expect_reason PATTERN: the last action's stderr has an ocf-exit-reason matching it.
expect_reason() {
	if grep '^ocf-exit-reason:' "$T/err" | grep -q -- "$1"; then ok; else bad "exit reason lacks '$1': $(tr '\n' ' ' <"$T/err")"; fi
}

state() {
	"$ESANCTL" --socket "$T/esand.sock" alua state default "$1" 2>&1
}

expect_states() {
	l=$(state local)
	r=$(state remote)
	if [ "$l" = "$1" ] && [ "$r" = "$2" ]; then ok; else bad "$3: local=$l remote=$r, want $1/$2"; fi
}

MON="OCF_RESKEY_CRM_meta_interval=20000"
MI=OCF_RESKEY_CRM_meta_interval=10000
MR=OCF_RESKEY_CRM_meta_role=Master

# ---- meta-data: valid against ra-api-1.dtd, every parameter and action.
expect 0 meta-data
if (cd /usr/share/resource-agents && xmllint --noout --valid - <"$T/out") 2>"$T/xml"; then ok; else bad "meta-data not valid: $(cat "$T/xml")"; fi
for p in alua device_group local_tgt_grp remote_tgt_grp m_alua_state s_alua_state use_trans_state \
	remote_inact_state set_dev_active redirect_mode issue_lip config socket pidfile logfile state_dir \
	listen esand esanctl esand_options health_timeout; do
	if grep -q "<parameter name=\"$p\"" "$T/out"; then ok; else bad "meta-data lacks parameter $p"; fi
done
for a in start stop promote demote monitor notify meta-data validate-all; do
	if grep -q "<action name=\"$a\"" "$T/out"; then ok; else bad "meta-data lacks action $a"; fi
done
if grep -q 'name="monitor".*interval="10s".*role="Master"' "$T/out" &&
	grep -q 'name="monitor".*interval="20s".*role="Slave"' "$T/out"; then ok; else bad "meta-data lacks the seed's monitor intervals"; fi

# ---- validate-all: good (also with the seed's ms meta attributes), then each bad parameter alone.
expect 0 validate-all
expect 0 validate-all OCF_RESKEY_CRM_meta_master_max=1 OCF_RESKEY_CRM_meta_master_node_max=1 \
	OCF_RESKEY_CRM_meta_clone_max=2 OCF_RESKEY_CRM_meta_clone_node_max=1 OCF_RESKEY_CRM_meta_notify=true \
	OCF_RESKEY_CRM_meta_interleave=true
expect 6 validate-all OCF_RESKEY_m_alua_state=optimal
expect_reason "m_alua_state: unknown ALUA state 'optimal'"
expect 6 validate-all OCF_RESKEY_s_alua_state=bogus
expect_reason "s_alua_state"
expect 6 validate-all OCF_RESKEY_remote_inact_state=gone
expect_reason "remote_inact_state"
expect 6 validate-all OCF_RESKEY_handoff_state=asleep
expect_reason "parameter handoff_state: unknown ALUA state 'asleep'"
expect 6 validate-all OCF_RESKEY_s_alua_state=active
expect_reason "both 'active'"
expect 6 validate-all OCF_RESKEY_alua=maybe
expect_reason "alua must be a boolean"
expect 6 validate-all OCF_RESKEY_use_trans_state=2
expect_reason "use_trans_state must be a boolean"
expect 6 validate-all OCF_RESKEY_device_group=
expect_reason "needs parameter device_group"
expect 6 validate-all OCF_RESKEY_remote_tgt_grp=local
expect_reason "local_tgt_grp and remote_tgt_grp are both"
expect 6 validate-all OCF_RESKEY_health_timeout=0
expect_reason "health_timeout"
expect 6 validate-all OCF_RESKEY_CRM_meta_clone_node_max=2
expect_reason "clone-node-max must be 1"
expect 6 validate-all OCF_RESKEY_CRM_meta_master_max=2
expect_reason "master-max must be 1"
expect 5 validate-all OCF_RESKEY_config="$T/nope.conf"
expect_reason "configuration file missing"
expect 5 validate-all OCF_RESKEY_esand="$T/no-esand"
expect_reason "esand not found"
expect 5 validate-all OCF_RESKEY_esanctl="$T/no-esanctl"
expect_reason "esanctl not found"
expect 5 validate-all OCF_RESKEY_device_group=other
expect_reason "device group 'other' is not in"
expect 5 validate-all OCF_RESKEY_local_tgt_grp=mine
expect_reason "has no target group 'mine'"
expect 5 validate-all OCF_RESKEY_remote_tgt_grp=theirs
expect_reason "has no target group 'theirs'"
# The config file is read as esand reads it: braces on their own lines,
# comments ignored, target groups counted only in their own device group.
cat >"$T/allman.conf" <<EOF
# TARGET_GROUP mine (a comment)
DEVICE_GROUP other
{
	TARGET_GROUP x
	{
		group_id 3
	}
	TARGET_GROUP y { group_id 4 }
}
DEVICE_GROUP default
{
	TARGET_GROUP local
	{
		group_id 1
	}
	TARGET_GROUP remote { group_id 2 }
}
EOF
expect 0 validate-all OCF_RESKEY_config="$T/allman.conf"
expect 5 validate-all OCF_RESKEY_config="$T/allman.conf" OCF_RESKEY_local_tgt_grp=mine
expect 5 validate-all OCF_RESKEY_config="$T/allman.conf" OCF_RESKEY_remote_tgt_grp=x
expect 0 validate-all OCF_RESKEY_config="$T/allman.conf" OCF_RESKEY_device_group=other OCF_RESKEY_local_tgt_grp=x \
	OCF_RESKEY_remote_tgt_grp=y
# ESOS's extra knobs are accepted.
expect 0 validate-all OCF_RESKEY_set_dev_active=true OCF_RESKEY_redirect_mode=false OCF_RESKEY_issue_lip=no

# ---- not running: probe and monitor 7; a probe without binaries too.
expect 7 monitor
expect 7 monitor "$MON"
expect 7 monitor OCF_RESKEY_esand="$T/no-esand"
expect 0 stop

# ---- start: esand in its own session, the slave state, the peer taken as master.
expect 0 start
pid=$(cat "$T/esand.pid" 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then ok; else bad "no esand after start"; fi
sid=$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ')
if [ "$sid" = "$pid" ]; then ok; else bad "esand is not in its own session (sid $sid, pid $pid)"; fi
expect_states nonoptimized active "after start"
expect 0 monitor "$MON"
expect 0 start
if [ "$(cat "$T/esand.pid")" = "$pid" ]; then ok; else bad "a second start started another esand"; fi

# ---- promote / demote without transitioning.
expect 0 promote
expect_states active nonoptimized "after promote"
if grep -q -- "-> transitioning" "$T/err"; then bad "promote passed through transitioning without use_trans_state"; else ok; fi
expect 8 monitor "$MI" "$MR"
expect 0 promote
expect_states active nonoptimized "after a second promote"
# A demote with no stop after it (the peer promoted, this node stays a
# slave): straight to the slave's state.
expect 0 demote
expect_states nonoptimized active "after demote"
expect 0 demote
expect_states nonoptimized active "after demoting a slave"
# Demoted and then stopped (the pre-demote notification lists this node in
# both): the handoff, until the peer is promoted.
HANDOFF="OCF_RESKEY_CRM_meta_notify_type=pre OCF_RESKEY_CRM_meta_notify_operation=demote OCF_RESKEY_CRM_meta_notify_demote_uname=storage1 OCF_RESKEY_CRM_meta_notify_promote_uname=storage2"
expect 0 promote
# shellcheck disable=SC2086
expect 0 notify $HANDOFF OCF_RESKEY_CRM_meta_notify_stop_uname=storage1
expect 0 demote
expect_states standby active "after demote before a stop (the handoff: initiators leave for the peer)"
expect 0 monitor "$MON"
expect_states nonoptimized active "after a monitor saw the peer promoted (the handoff over)"
expect 0 promote
# shellcheck disable=SC2086
expect 0 notify $HANDOFF OCF_RESKEY_CRM_meta_notify_stop_uname=storage2
expect 0 demote
expect_states nonoptimized active "after demote when only the peer stops"
expect 0 promote
# shellcheck disable=SC2086
expect 0 notify $HANDOFF OCF_RESKEY_CRM_meta_notify_stop_uname=storage1
expect 0 demote OCF_RESKEY_handoff_state=
expect_states nonoptimized active "after demote before a stop without a handoff_state"

# ---- promote / demote through transitioning.
expect 0 promote OCF_RESKEY_use_trans_state=true
if grep -q "local.*nonoptimized -> transitioning" "$T/err" && grep -q "local.*transitioning -> active" "$T/err"; then ok; else bad "promote did not pass through transitioning: $(tr '\n' ' ' <"$T/err")"; fi
expect_states active nonoptimized "after promote with use_trans_state"
expect 8 monitor "$MI" "$MR"
# shellcheck disable=SC2086
expect 0 notify $HANDOFF OCF_RESKEY_CRM_meta_notify_stop_uname=storage1
expect 0 demote OCF_RESKEY_use_trans_state=true
if grep -q "local.*active -> transitioning" "$T/err" && grep -q "local.*transitioning -> standby" "$T/err"; then ok; else bad "demote did not pass through transitioning: $(tr '\n' ' ' <"$T/err")"; fi
expect_states standby active "after demote with use_trans_state"
expect 0 notify OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=promote OCF_RESKEY_CRM_meta_notify_promote_uname=storage2
expect_states nonoptimized active "after the peer's promotion ended the handoff"

# ---- notify: the remote group follows the peer's role.
N="OCF_RESKEY_CRM_meta_notify_type=post"
expect 0 notify "$N" OCF_RESKEY_CRM_meta_notify_operation=stop OCF_RESKEY_CRM_meta_notify_stop_uname=storage2
expect_states nonoptimized offline "after the peer stopped"
expect 0 notify "$N" OCF_RESKEY_CRM_meta_notify_operation=start OCF_RESKEY_CRM_meta_notify_start_uname=storage2
expect_states nonoptimized nonoptimized "after the peer started"
expect 0 notify OCF_RESKEY_CRM_meta_notify_type=pre OCF_RESKEY_CRM_meta_notify_operation=promote \
	OCF_RESKEY_CRM_meta_notify_promote_uname=storage2 OCF_RESKEY_use_trans_state=true
expect_states nonoptimized transitioning "before the peer's promotion (use_trans_state)"
expect 0 notify "$N" OCF_RESKEY_CRM_meta_notify_operation=promote OCF_RESKEY_CRM_meta_notify_promote_uname=storage2
expect_states nonoptimized active "after the peer's promotion"
# This node's own start is no news about the peer.
expect 0 notify "$N" OCF_RESKEY_CRM_meta_notify_operation=start OCF_RESKEY_CRM_meta_notify_start_uname=storage1
expect_states nonoptimized active "after this node's own start notification"
expect 0 notify
# The peer is stopped: promotion marks its group inactive, not slave.
expect 0 notify "$N" OCF_RESKEY_CRM_meta_notify_operation=stop OCF_RESKEY_CRM_meta_notify_stop_uname=storage2
expect 0 promote
expect_states active offline "promote with the peer stopped"
expect 0 demote
expect_states nonoptimized offline "demote with the peer stopped (no handoff)"
expect 0 notify "$N" OCF_RESKEY_CRM_meta_notify_operation=start OCF_RESKEY_CRM_meta_notify_start_uname=storage2
expect_states nonoptimized nonoptimized "the peer back"

# ---- monitor: a state that contradicts the role.
"$ESANCTL" --socket "$T/esand.sock" alua state default local unavailable >/dev/null
expect 1 monitor "$MON"
expect_reason "is unavailable, neither active (master) nor nonoptimized (slave)"
expect 9 monitor "$MI" "$MR"
"$ESANCTL" --socket "$T/esand.sock" alua state default local nonoptimized >/dev/null
expect 0 monitor "$MON"

# ---- monitor: a backend that is gone.
mv "$T/d0.img" "$T/d0.away"
expect 1 monitor "$MON"
expect_reason "disk0: cannot open $T/d0.img"
expect 1 promote
mv "$T/d0.away" "$T/d0.img"
expect 0 promote
mv "$T/d0.img" "$T/d0.away"
expect 9 monitor "$MI" "$MR"
expect_reason "backend not answering"
mv "$T/d0.away" "$T/d0.img"
# A backend that is no longer readable (a directory where the file was).
mv "$T/d0.img" "$T/d0.away"
mkdir "$T/d0.img"
expect 9 monitor "$MI" "$MR"
expect_reason "disk0: cannot read"
rmdir "$T/d0.img"
mv "$T/d0.away" "$T/d0.img"
expect 8 monitor "$MI" "$MR"

# ---- monitor: esand runs but does not answer (stopped with SIGSTOP).
kill -STOP "$(cat "$T/esand.pid")"
expect 9 monitor "$MI" "$MR"
expect_reason "does not answer"
expect 1 monitor "$MON"
kill -CONT "$(cat "$T/esand.pid")"
expect 8 monitor "$MI" "$MR"

# ---- stop: demotes, marks the local group inactive, esand ends.
expect 0 stop
if grep -q "local.*active -> standby" "$T/err" && grep -q "local.*standby -> offline" "$T/err"; then ok; else bad "stop did not demote and go offline: $(tr '\n' ' ' <"$T/err")"; fi
if kill -0 "$pid" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]; then bad "esand runs after stop"; else ok; fi
if [ -e "$T/esand.pid" ]; then bad "pidfile left after stop"; else ok; fi
# The group is node-owned here (not esan_cluster_group): the state was written back.
if grep -A2 "TARGET_GROUP local" "$T/esan.conf" | grep -q "state offline"; then ok; else bad "config does not record local offline"; fi
expect 7 monitor "$MON"
expect 7 monitor
expect 0 stop

# ---- esand killed: 7 as slave, 9 as master.
expect 0 start
expect_states nonoptimized nonoptimized "after restart (the peer was last seen started)"
kill -KILL "$(cat "$T/esand.pid")"
sleep 0.5
expect 7 monitor "$MON"
expect 0 stop
expect 0 start
expect 0 promote
kill -KILL "$(cat "$T/esand.pid")"
sleep 0.5
expect 9 monitor "$MI" "$MR"
# Pacemaker's recovery of a failed master starts with a demote: nothing
# serves as master any more, so it succeeds (and the transition that
# promotes the peer goes on).
expect 0 demote "$MR"
expect 0 stop
expect 7 monitor "$MON"

# ---- stop of an esand that ignores SIGTERM (stopped): SIGKILL before the stop timeout.
expect 0 start
pid=$(cat "$T/esand.pid")
kill -STOP "$pid"
began=$(date +%s)
expect 0 stop OCF_RESKEY_CRM_meta_timeout=20000
took=$(($(date +%s) - began))
if grep -q "SIGKILL" "$T/err"; then ok; else bad "stop did not SIGKILL: $(tr '\n' ' ' <"$T/err")"; fi
if [ "$took" -le 17 ]; then ok; else bad "stop took $took s of a 20 s timeout"; fi
if [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null | tr -d Z)" = "" ]; then ok; else bad "esand $pid runs after stop"; fi
expect 7 monitor "$MON"

# ---- start fails cleanly when esand cannot start (its portal is taken).
python3 -c 'import socket,time,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(30)' >"$T/port" &
holder=$!
sleep 0.5
expect 1 start OCF_RESKEY_listen="127.0.0.1:$(cat "$T/port")"
expect_reason "esand exited at start"
kill "$holder" 2>/dev/null
expect 7 monitor "$MON"

echo "agent_test: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
