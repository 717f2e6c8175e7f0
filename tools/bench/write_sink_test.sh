#!/bin/sh
# esan-write-sink stores what it measures: after a short run in each mode
# that writes, the file holds only the sender's pattern (0xa5), the JSON
# reports a rate, and a bad option is refused with status 2.
# usage: write_sink_test.sh PATH/TO/esan-write-sink
set -eu
sink=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for into in buffer splice none; do
  out=$("$sink" --into "$into" --file "$dir/img" --size 4194304 --bs 262144 --time 0.3 --json) ||
    fail "--into $into exited $?"
  echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["into"] == sys.argv[1], d
assert d["mbps"] > 0 and d["receiver_us_per_mb"] > 0, d
' "$into" || fail "--into $into printed $out"
  if [ "$into" != none ]; then
    python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
assert len(data) == 4194304, len(data)
assert data == b"\xa5" * len(data), "the file holds bytes the sender never sent (or none)"
' "$dir/img" || fail "--into $into: file content"
    rm -f "$dir/img"
  fi
done
set +e
"$sink" --into sideways --file "$dir/img" 2>/dev/null
[ $? -eq 2 ] || fail "an unknown mode is not refused with status 2"
"$sink" --into buffer 2>/dev/null
[ $? -eq 2 ] || fail "--into buffer without --file is not refused with status 2"
"$sink" --into none --bs 1x 2>/dev/null
[ $? -eq 2 ] || fail "a block size with trailing garbage is not refused with status 2"
"$sink" --into none --time soon 2>/dev/null
[ $? -eq 2 ] || fail "a time that is not a number is not refused with status 2"
echo ok
