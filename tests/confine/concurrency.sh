#!/bin/sh
# Two first logins of one user at the same instant make exactly one
# sandbox: N sessions opened together all join the one init that one of
# them created.  Repeated, since a race shows only sometimes.
. "${top_srcdir:-.}/tests/confine/lib.sh"

A=sbxt-$$-a
mk_user "$A"
for round in 1 2 3 4 5; do
	out=$(d race --user "$A" --private-tmp --hostname race 8) || fail "round $round: $out"
	echo "$out"
	wait_until no_state || fail "round $round: state left"
done
pass "concurrent first opens make exactly one sandbox"
finish
