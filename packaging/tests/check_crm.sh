#!/bin/sh
# packaging/esan-ha.crm, the HA pair's Pacemaker configuration: crmsh 4.4
# loads it into a Pacemaker 2.1 CIB, and Pacemaker's own scheduler
# (crm_simulate, offline on a CIB file: no cluster, no agents run) places
# and moves things as docs/HA.md says:
#   all three nodes up: promoted on storage1, unpromoted on storage2,
#   nothing on the witness, each fence device off the node it fences;
#   storage1 in standby: storage2 promoted; back online: storage1 again;
#   storage1 lost: storage1 fenced and storage2 promoted.
# Neither ocf:esan:target nor fence_ipmilan need be installed: crmsh cannot
# read their meta-data then (the only errors allowed), and the simulation
# stands in for the agents, with the promotion score the agent's start
# sets on each instance (5) given by hand.
# Usage: check_crm.sh CRM_FILE (needs crmsh, pacemaker-cli-utils).
set -eu
crm_file=$1
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
for tool in crm cibadmin crm_attribute crm_simulate crm_verify; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh installs crmsh and pacemaker-cli-utils)"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CIB_file=$work/cib.xml
export CIB_file
cibadmin --empty >"$CIB_file"
printf 'node 1: storage1\nnode 2: storage2\nnode 3: witness\n' >"$work/nodes.crm"
crm configure load update "$work/nodes.crm" || fail "crm cannot load the node list"

# -F: commit although the agents' meta-data cannot be read here.
out=$(crm -F configure load update "$crm_file" 2>&1 | sed 's/\x1b\[[0-9;]*m//g') || fail "crm configure load update: $out"
others=$(echo "$out" | grep ERROR | grep -vE '(ocf:esan:target|stonith:fence_ipmilan): (got no meta-data, does this RA exist\?|no such resource agent)$' || true)
[ -z "$others" ] || fail "crm reports: $others"
for id in p_esan ms_esan st_storage1 st_storage2 prefer_storage1 no_esan_on_witness \
	st_storage1_not_on_storage1 st_storage2_not_on_storage2; do
	grep -q "id=\"$id\"" "$CIB_file" || fail "$id missing from the loaded CIB"
done
# Each device fences its own storage node, and only that one.
for n in storage1 storage2; do
	grep -q "<nvpair name=\"pcmk_host_list\" value=\"$n\" id=\"st_$n-" "$CIB_file" ||
		fail "st_$n does not fence exactly $n (pcmk_host_list)"
	grep -q "<rsc_location id=\"st_${n}_not_on_$n\" rsc=\"st_$n\" score=\"-INFINITY\" node=\"$n\"" "$CIB_file" ||
		fail "st_$n is not banned from $n"
done

# simulate IN OUT [crm_simulate options]: runs the transition, keeps its
# result in OUT and the revised status (one line per resource set) in OUT.status.
simulate() {
	in=$1 out=$2
	shift 2
	crm_simulate -x "$in" -S -q true -O "$out" "$@" >"$out.log" 2>&1 || fail "crm_simulate $*: $(cat "$out.log")"
	sed -n '/^Revised Cluster Status/,$p' "$out.log" >"$out.status"
}
expect() {  # expect STEP FILE PATTERN...: every pattern is in the status
	step=$1 file=$2
	shift 2
	for p in "$@"; do
		grep -qE -- "$p" "$file" || fail "$step: no '$p' in:
$(cat "$file")"
	done
}
refute() {  # refute STEP FILE PATTERN...: no pattern is in the status
	step=$1 file=$2
	shift 2
	for p in "$@"; do
		! grep -qE -- "$p" "$file" || fail "$step: '$p' in:
$(cat "$file")"
	done
}
promotion_scores() {  # what the agent's start does on each storage node
	for n in storage1 storage2; do
		CIB_file=$1 crm_attribute --node "$n" --name master-p_esan --update 5 --lifetime reboot ||
			fail "cannot set the promotion score of $n"
	done
}

simulate "$CIB_file" "$work/up.xml" -u storage1 -u storage2 -u witness
# The configuration as Pacemaker sees it in a running, quorate cluster.
crm_verify -V -x "$work/up.xml" >"$work/verify.out" 2>&1 || fail "crm_verify: $(cat "$work/verify.out")"
expect "all up" "$work/up.xml.status" 'Promoted: \[ storage1 \]' 'Unpromoted: \[ storage2 \]' \
	'st_storage1.*Started (storage2|witness)' 'st_storage2.*Started (storage1|witness)'
refute "all up" "$work/up.xml.status" 'romoted: \[.*witness'
promotion_scores "$work/up.xml"

CIB_file=$work/up.xml crm_attribute --node storage1 --name standby --update on
simulate "$work/up.xml" "$work/standby.xml"
expect "storage1 standby" "$work/standby.xml.status" 'Promoted: \[ storage2 \]' 'Node storage1: standby'
refute "storage1 standby" "$work/standby.xml.status" 'romoted: \[.*(storage1|witness)'

CIB_file=$work/standby.xml crm_attribute --node storage1 --name standby --update off
simulate "$work/standby.xml" "$work/online.xml"
promotion_scores "$work/online.xml"
simulate "$work/online.xml" "$work/online2.xml"
expect "storage1 online" "$work/online2.xml.status" 'Promoted: \[ storage1 \]' 'Unpromoted: \[ storage2 \]'

simulate "$work/online2.xml" "$work/lost.xml" --node-fail storage1
expect "storage1 lost" "$work/lost.xml.log" 'Fence \(reboot\) storage1'
expect "storage1 lost" "$work/lost.xml.status" 'Promoted: \[ storage2 \]' 'OFFLINE: \[ storage1 \]'
refute "storage1 lost" "$work/lost.xml.status" 'romoted: \[.*witness'
echo "esan-ha.crm: loads; up, standby, online, node loss place the promoted instance as documented"
