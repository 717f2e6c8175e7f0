#!/bin/sh
# bench/rbd refuses bad options with status 2 and a message naming them,
# before it starts a cluster or anything else.
# usage: rbd_args_test.sh PATH/TO/bench/rbd
set -u
rbd=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
for args in "--rounds 0" "--time 0" "--rounds -1"; do
  # shellcheck disable=SC2086
  out=$("$rbd" $args 2>&1)
  [ $? -eq 2 ] || fail "bench/rbd $args did not exit with status 2: $out"
  echo "$out" | grep -q -- "--rounds and --time must be at least 1" || fail "bench/rbd $args: no message: $out"
done
out=$("$rbd" --rounds three 2>&1)
[ $? -eq 2 ] || fail "bench/rbd --rounds three did not exit with status 2: $out"
echo "$out" | grep -q "invalid int value" || fail "bench/rbd --rounds three: no message: $out"
echo ok
