#!/bin/sh
# Each man page renders with man -l and groff reports no warnings.
# usage: check_man.sh MAN_DIR
set -eu
dir=$1
for page in "$dir"/esand.8 "$dir"/esanctl.8 "$dir"/esan-tui.8 "$dir"/esan.conf.5 "$dir"/ocf_esan_target.7; do
	err=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=w -l "$page" 2>&1 >/dev/null) || { echo "FAIL: man -l $page"; exit 1; }
	[ -z "$err" ] || { echo "FAIL: $page: $err"; exit 1; }
	lines=$(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l)
	[ "$lines" -gt 40 ] || { echo "FAIL: $page renders to only $lines lines"; exit 1; }
	name=$(basename "$page" | sed 's/\.[0-9]$//')
	MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q "^NAME" || { echo "FAIL: $page has no NAME section"; exit 1; }
	MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q "$name" || { echo "FAIL: $page does not name $name"; exit 1; }
done
echo "man: 5 pages render cleanly"
