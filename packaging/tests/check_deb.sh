#!/bin/sh
# cpack -G DEB builds a package whose contents and control data are right:
# files under /usr and /etc, esan.conf a conffile, maintainer scripts, and
# Depends naming the runtime libraries the binaries link.
# usage: check_deb.sh BUILD_DIR
set -eu
build=$1
out=$(mktemp -d "${TMPDIR:-/tmp}/esan-deb.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out" >"$out/cpack.log" 2>&1 || { cat "$out/cpack.log"; fail "cpack"; }
deb=$(ls "$out"/esan_*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || { cat "$out/cpack.log"; fail "no esan_*.deb produced"; }

contents=$(dpkg-deb -c "$deb")
for f in ./usr/sbin/esand ./usr/bin/esanctl ./usr/bin/esan-tui ./etc/esan/esan.conf ./usr/lib/systemd/system/esand.service \
	./usr/share/man/man8/esand.8 ./usr/share/man/man8/esanctl.8 ./usr/share/man/man8/esan-tui.8 ./usr/share/man/man5/esan.conf.5 \
	./usr/lib/ocf/resource.d/esan/target ./usr/share/man/man7/ocf_esan_target.7; do
	echo "$contents" | grep -q " $f\$" || fail "$f not in the package"
done
echo "$contents" | grep -q ' ./usr/bin/scstadmin -> esanctl$' || fail "scstadmin link not in the package"
echo "$contents" | grep -q '^-rwxr-xr-x .* ./usr/lib/ocf/resource.d/esan/target$' || fail "the resource agent is not mode 755"
echo "$contents" | grep -q ' ./usr/local' && fail "the package installs under /usr/local"

info=$(dpkg-deb -I "$deb")
echo "$info" | grep -q '^ Package: esan$' || fail "package name"
dep=$(dpkg-deb -f "$deb" Depends)
# libcpg/libquorum: the HA pair's corosync clients; libiscsi: the I/O
# redirect's sessions to the peer; libgit2: the configuration history (esand
# links all four); zlib1g: esanctl's support bundle (support/tar_gz.cc);
# libncursesw6: esan-tui; libxml2: esand reads crm_mon's XML (GET /v1/cluster).
for lib in libc6 libstdc++6 liburing libssl libspdlog libfmt libisal libcpp-httplib libcpg libquorum libiscsi libgit2 zlib1g libncursesw6 libxml2; do
	echo "$dep" | grep -q "$lib" || fail "Depends lacks $lib: $dep"
done
echo "$dep" | grep -q -e libgtest -e libgmock && fail "Depends names a test-only library: $dep"
dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -q '^./conffiles$' || fail "no conffiles"
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/esan/esan.conf ] || fail "conffiles is not /etc/esan/esan.conf"
for s in postinst prerm postrm; do
	dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -q "^./$s\$" || fail "no $s"
done
rec=$(dpkg-deb -f "$deb" Recommends)
for p in resource-agents pacemaker-cli-utils; do
	echo "$rec" | grep -q "$p" || fail "Recommends lacks $p: $rec"
done
echo "deb: $(basename "$deb"): Depends: $dep; Recommends: $rec"
