#!/bin/sh
# A couple of hundred open/close cycles in one process under valgrind: no
# leak, no invalid access, no descriptor left open by the engine (the
# driver compares its descriptor count before and after).
. "${top_srcdir:-.}/tests/confine/lib.sh"

command -v valgrind >/dev/null || { echo "SKIP: valgrind not installed"; exit 77; }
A=sbxt-$$-a
mk_user "$A"
CYCLES=${SBX_CYCLES:-200}
# --caps: keep the bounding set whole.  An sshd monitor opens one session
# and exits; this process opens many, and the init of each new sandbox is
# exec'd from it, so a bounding set dropped by one cycle would starve the
# next init.  (CAP_AUDIT_* still go: harmless here.)
# libtool may wrap the driver in a script: run the real binary.
BIN="$DRIVER"
[ -x "$(dirname "$DRIVER")/.libs/$(basename "$DRIVER")" ] &&
	BIN="$(dirname "$DRIVER")/.libs/$(basename "$DRIVER")"
out=$(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=42 \
	"$BIN" cycles --state "$STATE" --init "$INIT_BIN" --user "$A" \
	--hostname vg --ro /usr --hidden -/root --private-tmp --caps ffffffffff "$CYCLES" 2>&1)
rc=$?
echo "$out" | tail -40
[ $rc = 0 ] || fail "valgrind/cycles exit $rc"
echo "$out" | grep -q "cycles: $CYCLES, descriptors before \([0-9]*\) after \1\$" ||
	fail "descriptor count changed"
pass "$CYCLES open/close cycles: no leak, no descriptor leak"
finish
