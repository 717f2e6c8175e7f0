#!/bin/sh
# cmake --install into a DESTDIR (prefix /usr, as the .deb): every file is in
# place, the scstadmin link points at esanctl, the unit names the installed
# paths, and the installed esanctl runs in both spellings. A second install
# keeps a changed esan.conf.
# usage: check_install.sh BUILD_DIR
set -eu
build=$1
dest=$(mktemp -d "${TMPDIR:-/tmp}/esan-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$dest cmake --install "$build" --prefix /usr >"$dest.log" 2>&1 || { cat "$dest.log"; fail "cmake --install"; }
rm -f "$dest.log"

for f in usr/sbin/esand usr/bin/esanctl usr/bin/esan-tui usr/lib/ocf/resource.d/esan/target; do
	[ -x "$dest/$f" ] || fail "$f missing or not executable"
done
[ -L "$dest/usr/bin/scstadmin" ] || fail "usr/bin/scstadmin is not a symlink"
[ "$(readlink "$dest/usr/bin/scstadmin")" = esanctl ] || fail "scstadmin -> $(readlink "$dest/usr/bin/scstadmin"), expected esanctl"
for f in usr/share/man/man8/esand.8 usr/share/man/man8/esanctl.8 usr/share/man/man8/esan-tui.8 usr/share/man/man5/esan.conf.5 \
	usr/share/man/man7/ocf_esan_target.7 \
	etc/esan/esan.conf usr/lib/systemd/system/esand.service usr/share/doc/esan/examples/esan-ha.crm; do
	[ -s "$dest/$f" ] || fail "$f missing or empty"
done

unit=$dest/usr/lib/systemd/system/esand.service
grep -qx 'ExecStart=/usr/sbin/esand --config /etc/esan/esan.conf --state-dir /var/lib/esan $ESAND_OPTS' "$unit" ||
	fail "unexpected ExecStart: $(grep ExecStart= "$unit")"
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || fail "no ExecReload sending SIGHUP"
grep -qx 'RuntimeDirectory=esan' "$unit" || fail "no RuntimeDirectory=esan"
grep -q '@' "$unit" && fail "unsubstituted @VAR@ in the unit"
if command -v systemd-analyze >/dev/null 2>&1; then
	# The unit's syntax; the ExecStart binary lives in DESTDIR, so point it there.
	sed "s#/usr/sbin/esand#$dest/usr/sbin/esand#" "$unit" >"$dest/esand.service"
	out=$(systemd-analyze verify --man=no "$dest/esand.service" 2>&1 | grep -v -e 'Failed to ' -e 'is not a valid' -e '^$' || true)
	case "$out" in *esand.service*) fail "systemd-analyze verify: $out" ;; esac
fi

"$dest/usr/bin/esanctl" --help | grep -q 'esanctl device add NAME --handler H' || fail "installed esanctl --help"
"$dest/usr/bin/scstadmin" -help | grep -q -- '-open_dev D -handler H' || fail "installed scstadmin -help"
"$dest/usr/sbin/esand" --version | grep -q '^esand ' || fail "installed esand --version"
OCF_ROOT=/usr/lib/ocf "$dest/usr/lib/ocf/resource.d/esan/target" meta-data | grep -q '<resource-agent name="target"' ||
	fail "installed resource agent meta-data"

# Reinstalling keeps the admin's configuration.
echo "# changed by the admin" >>"$dest/etc/esan/esan.conf"
DESTDIR=$dest cmake --install "$build" --prefix /usr >/dev/null 2>&1 || fail "second cmake --install"
grep -q 'changed by the admin' "$dest/etc/esan/esan.conf" || fail "reinstall overwrote etc/esan/esan.conf"

# Another prefix: configuration under PREFIX/etc, the unit says so.
dest2=$dest/other
DESTDIR=$dest2 cmake --install "$build" --prefix /opt/esan >/dev/null 2>&1 || fail "cmake --install --prefix /opt/esan"
[ -s "$dest2/opt/esan/etc/esan/esan.conf" ] || fail "/opt/esan/etc/esan/esan.conf missing"
grep -q '^ExecStart=/opt/esan/sbin/esand --config /opt/esan/etc/esan/esan.conf ' \
	"$dest2/opt/esan/lib/systemd/system/esand.service" || fail "unit for /opt/esan has the wrong paths"
echo "install: all files in place"
