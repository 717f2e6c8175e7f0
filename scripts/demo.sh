#!/usr/bin/env bash
# Quick start: install dependencies, build, and run esand in the foreground
# with a demo config: a 1 GiB sparse file LU and a null LU on 127.0.0.1:3260.
# Builds only what the demo and the README's first steps run: esand, and
# esanctl with its scstadmin link (no tests; scripts/build.sh alone builds
# everything).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh esand esanctl scstadmin_link
DEMO=${ESAN_DEMO_DIR:-/var/tmp/esan-demo}
mkdir -p "$DEMO"
[ -f "$DEMO/disk0.img" ] || truncate -s 1G "$DEMO/disk0.img"
IQN=iqn.2026-11.org.esan:demo
cat > "$DEMO/esan.conf" <<CONF
# esan demo configuration (SCST scst.conf syntax)
HANDLER vdisk_fileio {
        DEVICE disk0 {
                filename $DEMO/disk0.img
                thin_provisioned 1
        }
}
HANDLER vdisk_nullio {
        DEVICE null0 {
                size_mb 1024
        }
}
TARGET_DRIVER iscsi {
        enabled 1
        TARGET $IQN {
                enabled 1
                LUN 0 disk0
                LUN 1 null0
        }
}
CONF
cat <<MSG
esand is starting on 127.0.0.1:3260 with $DEMO/esan.conf (Ctrl-C stops it).
Try, from another shell:
  iscsi-ls -s iscsi://127.0.0.1:3260
  iscsi-inq iscsi://127.0.0.1:3260/$IQN/0
  qemu-img info iscsi://127.0.0.1:3260/$IQN/0     # 1 GiB file LU
  qemu-img info iscsi://127.0.0.1:3260/$IQN/1     # null LU
MSG
exec build/bin/esand --config "$DEMO/esan.conf" --listen 127.0.0.1:3260 --state-dir "$DEMO/state"
