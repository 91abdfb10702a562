#!/bin/sh
# Lifetime of a sandbox: a second session joins the first (same init, same
# /tmp, sees its processes), the session limit, linger off (the last close
# kills a background process), linger on (it survives; when it exits the
# init ends and the state goes), a crashed sshd, a killed init (the next
# open recreates), stop and gc.
. "${top_srcdir:-.}/tests/confine/lib.sh"

A=sbxt-$$-a
mk_user "$A"
UA=$(id -u "$A")
S="$W/sync"
MARK=10$$ # a unique sleep duration marks our background processes
DARGS="--state $STATE --init $INIT_BIN --user $A --private-tmp"

# hold NAME [DRIVER OPTIONS]: a session that starts `sleep $MARK` in the
# background, writes /tmp/from-NAME, then waits for $S/NAME-go.  Sets HOLD.
hold() {
	name=$1
	shift
	rm -f "$S/$name-ready" "$S/$name-go"
	"$DRIVER" run $DARGS "$@" --report "$W/rep-$name" --as-user -- sh -c "
		sleep $MARK </dev/null >/dev/null 2>&1 &
		echo '$name' > /tmp/from-$name
		touch '$S/$name-ready'
		while [ ! -e '$S/$name-go' ]; do sleep 0.05; done" &
	HOLD=$!
	wait_until test -e "$S/$name-ready" || fail "session $name did not start"
}
release() { touch "$S/$1-go"; wait "$HOLD"; }
init_of() { sed -n 's/^[a-z]* //p' "$W/rep-$1"; }
bg_pids() { pids_of_cmd sleep "$MARK"; }

# --- join: same init, shared /tmp, each other's processes -----------------
hold a
[ -n "$(bg_pids)" ] || fail "background process did not start"
out=$("$DRIVER" run $DARGS --report "$W/rep-b" --as-user -- sh -c '
	cat /tmp/from-a; ps -eo args | grep -c "^sleep '"$MARK"'"') || fail "second session failed"
grep -q "^joined $(init_of a)\$" "$W/rep-b" || fail "second session did not join: $(cat "$W/rep-b")"
[ "$(echo "$out" | head -1)" = a ] || fail "second session does not see the first's /tmp: $out"
[ "$(echo "$out" | tail -1)" = 1 ] || fail "second session does not see the first's processes: $out"
pass "second session joins: same init, /tmp, processes"
"$DRIVER" list --state "$STATE" | grep -q "^$A uid=$UA .* sessions=1 " ||
	fail "list: $("$DRIVER" list --state "$STATE")"
pass "list shows the sandbox with its one session"

err=$("$DRIVER" run $DARGS --max 1 -- true 2>&1) && fail "session limit not enforced"
echo "$err" | grep -q "session limit" || fail "unclear error: $err"
pass "session limit: $err"

# --- linger off: the last close ends every process ------------------------
INIT=$(init_of a)
release a
wait_gone $(bg_pids) || fail "background process survived the last close (linger off)"
wait_gone "$INIT" || fail "init survived"
no_state || fail "state left after the last close"
pass "linger off: last close kills the background process, init and state gone"

# --- linger on: survives, and ends when its last process exits ------------
hold l --linger
INIT=$(init_of l)
release l
BG=$(bg_pids)
[ -n "$BG" ] || fail "background process killed at close with linger on"
"$DRIVER" list --state "$STATE" | grep -q "init=$INIT sessions=0 linger=1" ||
	fail "lingering sandbox not listed: $("$DRIVER" list --state "$STATE")"
pass "linger on: background process survives close"
kill "$BG"
wait_until no_state || fail "state left after the last process of a lingering sandbox"
wait_gone "$INIT" || fail "lingering init did not exit when alone"
pass "linger on: init ends and state goes once the sandbox is empty"

# --- sshd killed mid-session: the init notices the dead session record ---
hold c
INIT=$(init_of c)
kill -9 "$HOLD"
wait "$HOLD" 2>/dev/null
wait_until no_state || fail "state left after the session's process was killed"
wait_gone "$INIT" $(bg_pids) || fail "sandbox of a killed session left running"
pass "crashed session: the init ends the sandbox by itself"

# --- a killed init: the next open cleans up and recreates -----------------
hold k --linger
INIT=$(init_of k)
release k
kill -9 "$INIT"
wait_gone "$INIT" $(bg_pids) || fail "killing the init did not end the sandbox"
[ -e "$STATE/users/$UA" ] || fail "expected stale state after killing the init"
"$DRIVER" run $DARGS --report "$W/rep-n" -- true || fail "open after a killed init failed"
grep -q "^created " "$W/rep-n" || fail "open after a killed init did not create"
[ "$(init_of n)" != "$INIT" ] || fail "same init pid"
pass "killed init: next open recreates"

# --- gc removes stale state ----------------------------------------------
hold g --linger
INIT=$(init_of g)
release g
kill -9 "$INIT"
wait_gone "$INIT" $(bg_pids) || fail "killing the init did not end the sandbox"
[ -e "$STATE/users/$UA" ] || fail "expected stale state after killing the init"
out=$("$DRIVER" gc --state "$STATE") || fail "gc failed"
[ "$out" = "removed 1" ] || fail "gc: $out"
no_state || fail "gc left state: $(ls -A "$STATE/users")"
pass "gc removes stale state"

# --- stop ends a lingering sandbox -----------------------------------------
hold s --linger
INIT=$(init_of s)
release s
[ -n "$(bg_pids)" ] || fail "background process missing"
"$DRIVER" stop --state "$STATE" "$UA" || fail "stop failed"
wait_gone "$INIT" $(bg_pids) || fail "stop left processes"
no_state || fail "stop left state"
err=$("$DRIVER" stop --state "$STATE" "$UA" 2>&1) && fail "stop of nothing succeeded"
pass "stop ends the sandbox ($err)"

finish
