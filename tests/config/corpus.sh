#!/bin/sh
# The invalid-configuration corpus: every tests/config/invalid/NN-name.conf
# (with its drop-in directory NN-name.d and @include files, if any) must be
# refused with exactly the messages in NN-name.err, and every valid
# configuration (tests/config/valid/*.conf, the shipped conf/pam_sandbox.conf)
# must load.  Reports every mismatch, not just the first.
#
# Regenerate an .err after a deliberate wording change with
#   tests/config/check_conf FILE.conf 2> FILE.err   (and review the diff).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
check="$top_builddir/tests/config/check_conf"
dir="$top_srcdir/tests/config"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$check" ]; then
	echo "corpus.sh: $check not built" >&2
	exit 99
fi

pass=0
fail=0
failed=""

for conf in "$dir"/invalid/*.conf; do
	name=$(basename "$conf" .conf)
	expected="$dir/invalid/$name.err"
	if [ ! -f "$expected" ]; then
		echo "FAIL $name: no $name.err"
		fail=$((fail + 1)); failed="$failed $name"
		continue
	fi
	"$check" "$conf" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 1 ]; then
		echo "FAIL $name: exit status $rc, expected 1 (invalid)"
		cat "$tmp/err"
		fail=$((fail + 1)); failed="$failed $name"
	elif ! diff -u "$expected" "$tmp/err" >"$tmp/diff"; then
		echo "FAIL $name: messages differ (- expected, + actual)"
		cat "$tmp/diff"
		fail=$((fail + 1)); failed="$failed $name"
	else
		echo "ok   $name"
		pass=$((pass + 1))
	fi
done

for conf in "$dir"/valid/*.conf "$top_srcdir/conf/pam_sandbox.conf"; do
	name=$(basename "$conf")
	if "$check" "$conf" >"$tmp/out" 2>"$tmp/err"; then
		echo "ok   valid $name"
		pass=$((pass + 1))
	else
		echo "FAIL valid $name: refused"
		cat "$tmp/err"
		fail=$((fail + 1)); failed="$failed $name"
	fi
done

if [ $pass -lt 50 ]; then
	echo "FAIL corpus: only $pass cases ran"
	fail=$((fail + 1))
fi
[ -n "$failed" ] && echo "mismatches:$failed"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
