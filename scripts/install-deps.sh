#!/usr/bin/env bash
# Installs the Debian 12 packages esan needs to build, test and demo.
# Idempotent: apt runs only when something is missing.
# Usage: install-deps.sh [--bench] [--fuzz]
set -euo pipefail
PKGS=(cmake ninja-build g++ pkg-config python3 ccache
      liburing-dev libisal-dev libssl-dev libfmt-dev libspdlog-dev libcli11-dev
      nlohmann-json3-dev libcpp-httplib-dev libgit2-dev libxml2-dev zlib1g-dev libgtest-dev libgmock-dev
      libiscsi-dev libiscsi-bin qemu-utils qemu-block-extra procps
      corosync libcpg-dev libquorum-dev iproute2 util-linux
      pacemaker pacemaker-cli-utils crmsh resource-agents shellcheck libxml2-utils dash
      mmdebstrap qemu-system-x86 e2fsprogs msmtp python3-aiosmtpd libfuse3-dev fuse3
      libncurses-dev tmux
      squashfs-tools mtools dosfstools fdisk grub-pc-bin grub-efi-amd64-bin grub-common openssh-client
      librbd-dev librados-dev libradospp-dev ceph-mon ceph-osd ceph-mgr ceph-common)
# zlib1g-dev: the support bundle's tar.gz (support/tar_gz.cc).
# corosync .. util-linux: the HA lab (tests/ha). pacemaker, crmsh,
# resource-agents, pacemaker-cli-utils: the resource agent (ra/) and the
# Pacemaker lab (ocf-shellfuncs, ocf-tester, crm tools); shellcheck, xmllint
# (libxml2-utils) and dash check the agent. mmdebstrap, qemu-system-x86,
# e2fsprogs: the HA tests' initiator guest (tests/ha/guest: its image is built
# once per machine from the Debian mirror). msmtp and python3-aiosmtpd: the
# alert tests (mail through msmtp's sendmail interface to a local SMTP sink).
# libfuse3-dev and fuse3: the backend probe test's FUSE file system
# (tests/integration/fuse_disk.cc), whose reads hang or fail on demand.
# libncurses-dev: esan-tui (tui/); tmux: its tests drive it in a tmux session.
# squashfs-tools .. grub-common, openssh-client: the appliance image (image/:
# the slot image, the drive's partitions as files, GRUB for BIOS and UEFI,
# the boot test's SSH into the booted appliance).
# librbd-dev, librados-dev, libradospp-dev (librados' C++ headers): the rbd
# backend (vdisk_rbd); ceph-mon, ceph-osd, ceph-mgr, ceph-common (the rbd and
# ceph CLIs): the single-node Ceph cluster the rbd tests start
# (tests/rbd/ceph_cluster.sh).
# --bench: also what bench/compare needs (tgt as the side-by-side peer,
# gnuplot for the chart, iperf3 for the loopback TCP ceiling).
# --fuzz: clang with the libFuzzer/sanitizer runtimes for tests/fuzz/run;
# version 19 (in Debian 12), the first to announce the C++20 concepts that
# libstdc++ 12 requires for std::expected (clang 14 cannot compile common/result.h).
for arg in "$@"; do
  case "$arg" in
    --bench) PKGS+=(tgt gnuplot-nox iperf3) ;;
    --fuzz) PKGS+=(clang-19 libclang-rt-19-dev) ;;
    *) echo "usage: $0 [--bench] [--fuzz]" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
