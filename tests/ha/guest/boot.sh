#!/bin/bash
# Stage 2 of the initiator guest's boot, run by `init` from the shared
# directory (/lab) as PID 1. The harness (guest.cc) copies it, lib.sh, the
# initiator's configuration (etc/) and the test's run.sh into the shared
# directory before every boot.
#
# Brings up what an initiator needs -- the kernel modules, the network
# (qemu user networking: the guest is 10.0.2.15, the gateway 10.0.2.2 NATs
# to any address the host reaches), udev, iscsid and multipathd with
# /lab/etc/iscsid.conf, /lab/etc/multipath.conf and /lab/etc/modprobe.conf
# -- then runs /lab/run.sh
# with the variables of /lab/env exported, writes its exit status to
# /lab/exit-status and powers the guest off.
#
# Everything printed goes to the serial console and to /lab/guest.log.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
exec > >(tee -a /lab/guest.log) 2>&1
up() { cut -d' ' -f1 /proc/uptime; }
echo "guest: boot.sh at $(up) s, kernel $(uname -r)"
hostname esan-guest

cp /lab/etc/modprobe.conf /etc/modprobe.d/esan-guest.conf
for m in virtio_net iscsi_tcp dm_multipath dm_round_robin dm_service_time scsi_dh_alua sd_mod sg; do
  modprobe "$m" || echo "guest: modprobe $m failed"
done

ip link set lo up
nic=$(ls /sys/class/net | grep -v '^lo$' | head -1)
ip link set "$nic" up
ip addr add 10.0.2.15/24 dev "$nic"
ip route add default via 10.0.2.2

# udev names the iSCSI disks and tells multipathd about them; the disks
# appear after boot, so existing devices need no coldplug beyond block.
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add --subsystem-match=block
udevadm settle -t 20

set -a
[ -r /lab/env ] && . /lab/env
set +a
echo "InitiatorName=${GUEST_INITIATOR:-iqn.2026-12.org.esan.test:guest}" >/etc/iscsi/initiatorname.iscsi
cp /lab/etc/iscsid.conf /etc/iscsi/iscsid.conf
cp /lab/etc/multipath.conf /etc/multipath.conf
mkdir -p /run/lock/iscsi /run/multipathd
iscsid || echo "guest: iscsid failed to start"
multipathd || echo "guest: multipathd failed to start"
echo "guest: ready at $(up) s"

status=127
if [ -r /lab/run.sh ]; then
  cd /lab && bash /lab/run.sh
  status=$?
else
  echo "guest: no /lab/run.sh"
fi
echo "guest: run.sh exited $status at $(up) s"
echo "$status" >/lab/.exit-status.tmp && mv /lab/.exit-status.tmp /lab/exit-status
# Let tee write the last lines to /lab/guest.log before the power goes.
sleep 0.3
sync
echo o >/proc/sysrq-trigger
sleep 60
