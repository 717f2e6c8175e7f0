#!/bin/sh
# resource-agents' ocf-tester on ra/target with a real esand: meta-data
# against ra-api-1.dtd, permissions (meta-data as nobody), validate-all,
# probes (also with every binary "missing"), start/stop/monitor twice over,
# notify, promote/demote and their repetitions. Outside a cluster the
# promotion score cannot be set: the agent logs that and carries on.
#
#   ocf_tester.sh ESAND ESANCTL [AGENT]
set -u
ESAND=$1
ESANCTL=$2
AGENT=${3:-$(cd "$(dirname "$0")/.." && pwd)/target}
T=$(mktemp -d /tmp/esan-ra-tester.XXXXXX)
trap 'kill -KILL "$(cat "$T/esand.pid" 2>/dev/null)" 2>/dev/null; rm -rf "$T"' EXIT
# The agent must be readable by nobody (ocf-tester runs meta-data as nobody).
chmod 755 "$T"
command -v ocf-tester >/dev/null || { echo "ocf-tester not installed (package resource-agents)"; exit 1; }

truncate -s 16M "$T/d0.img"
cat >"$T/esan.conf" <<EOF2
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $T/d0.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET iqn.2026-12.test.esan:tester {
		LUN 0 disk0
		enabled 1
	}
}
DEVICE_GROUP dg {
	DEVICE disk0
	TARGET_GROUP local {
		group_id 1
		TARGET iqn.2026-12.test.esan:tester
	}
	TARGET_GROUP remote {
		group_id 2
		TARGET iqn.2026-12.test.esan:other {
			rel_tgt_id 2
		}
	}
}
EOF2

HA_RSCTMP="$T/rsctmp" OCF_ROOT=/usr/lib/ocf ocf-tester -v -n p_esan \
	-o alua=true -o device_group=dg -o local_tgt_grp=local -o remote_tgt_grp=remote \
	-o m_alua_state=active -o s_alua_state=nonoptimized -o use_trans_state=true \
	-o config="$T/esan.conf" -o socket="$T/esand.sock" -o pidfile="$T/esand.pid" \
	-o logfile="$T/esand.log" -o state_dir="$T/state" -o listen=127.0.0.1:0 \
	-o esand="$ESAND" -o esanctl="$ESANCTL" -o esand_options="--reactors 1" \
	"$AGENT" >"$T/tester.out" 2>&1
rc=$?
grep -v ' INFO: \| DEBUG: ' "$T/tester.out"
# ocf-tester says "* rc=..." for each failed check and exits non-zero.
if [ "$rc" -ne 0 ] || grep -q '^\* rc=' "$T/tester.out"; then
	echo "ocf_tester: FAILED (ocf-tester exit $rc)"
	exit 1
fi
grep -q "passed all tests" "$T/tester.out" || { echo "ocf_tester: no 'passed all tests'"; exit 1; }
echo "ocf_tester: passed"
