#!/bin/sh
# The agent and its tests are POSIX shell (sh -n, dash -n, shellcheck -s sh
# clean), and the man page documents every parameter and action the
# agent's meta-data lists.
#   lint.sh RA_DIR MAN_PAGE
set -u
dir=$1
man=$2
fail=0
for f in "$dir/target" "$dir"/tests/*.sh; do
	sh -n "$f" || { echo "FAIL: sh -n $f"; fail=1; }
	dash -n "$f" || { echo "FAIL: dash -n $f"; fail=1; }
	shellcheck -s sh "$f" || { echo "FAIL: shellcheck $f"; fail=1; }
done
[ -x "$dir/target" ] || { echo "FAIL: $dir/target is not executable"; fail=1; }
md=$(OCF_ROOT=/usr/lib/ocf "$dir/target" meta-data)
params=$(echo "$md" | sed -n 's/.*<parameter name="\([a-z_]*\)".*/\1/p')
actions=$(echo "$md" | sed -n 's/.*<action name="\([a-z-]*\)".*/\1/p' | sort -u)
[ "$(echo "$params" | wc -w)" -ge 21 ] || { echo "FAIL: meta-data lists only: $params"; fail=1; }
# The page names each as a tagged paragraph: .B name (after .TP).
for p in $params $actions; do
	grep -q "^\.B $p\$" "$man" || { echo "FAIL: $man does not document $p"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "lint: agent and tests clean; man page documents $(echo "$params" | wc -w) parameters, $(echo "$actions" | wc -w) actions"
exit "$fail"
