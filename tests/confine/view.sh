#!/bin/sh
# What a session sees from inside its sandbox: its own pid namespace and
# /proc, host name, private /tmp, read-only paths (even for root), own home
# writable and the others' gone, hidden paths, binds, network none,
# privileges; and that a symbolic link planted by the user in a bind
# source refuses the session and leaves nothing behind.
. "${top_srcdir:-.}/tests/confine/lib.sh"

A=sbxt-$$-a
B=sbxt-$$-b
mk_user "$A"
mk_user "$B"
HA="$W/home/$A"
IP=$(command -v ip)

mkdir -p "$W/secret-dir" "$W/shared/src" "$W/target"
echo TOPSECRET > "$W/secret-dir/file"
echo TOPSECRET > "$W/secret-file"
echo shared-data > "$W/shared/src/data"
echo host > "$HOSTFILE"
echo b-private > "$W/home/$B/note"

POLICY="--user $A --hostname sbx-test-host --private-tmp --hide-homes --ro /usr
	--hidden $W/secret-dir --hidden $W/secret-file --hidden -$W/no-such-thing
	--bind $W/shared/src:$W/target:ro --nnp --caps 20"

# --- as the user -----------------------------------------------------------
out=$(d run $POLICY --report "$W/rep" --as-user -- sh -c '
	echo "host=$(hostname)"
	echo "pids=$(ls /proc | grep "^[0-9]" | tr "\n" " ")"
	echo "init=$(tr "\0" " " < /proc/1/cmdline)"
	[ -e '"$HOSTFILE"' ] && echo "hostfile=visible" || echo "hostfile=invisible"
	echo x > /tmp/made-inside && echo "tmp=writable"
	echo y > "$HOME/own" && echo "home=writable"
	echo "homes=$(ls '"$W/home"' | tr "\n" " ")"
	cat '"$W/home/$B/note"' 2>/dev/null && echo "b-home=readable"
	cat '"$W/secret-dir/file"' 2>/dev/null
	cat '"$W/secret-file"' 2>/dev/null
	ls '"$W/secret-dir"' 2>/dev/null
	echo "shared=$(cat '"$W/target/data"')"
	echo z > '"$W/target/new"' 2>/dev/null && echo "target=writable"
	grep -E "^(NoNewPrivs|CapBnd)" /proc/self/status | tr -s "\t" " "
') || fail "session as user failed: $out"
echo "$out"
case "$(cat "$W/rep")" in created\ *) ;; *) fail "first open did not create" ;; esac
echo "$out" | grep -qx "host=sbx-test-host" || fail "host name not set"
pids=$(echo "$out" | sed -n 's/^pids=//p')
for p in $pids; do [ "$p" -lt 20 ] || fail "/proc shows a host pid: $pids"; done
echo "$pids" | grep -qw 1 || fail "/proc has no pid 1: $pids"
echo "$out" | grep -q "^init=sandbox-init " || fail "pid 1 is not sandbox-init"
pass "own pid namespace and /proc ($pids), host name"
echo "$out" | grep -qx "hostfile=invisible" || fail "host /tmp visible inside"
echo "$out" | grep -qx "tmp=writable" || fail "private /tmp not writable"
[ ! -e /tmp/made-inside ] || { rm -f /tmp/made-inside; fail "file made in private /tmp appeared on the host"; }
pass "private /tmp"
echo "$out" | grep -qx "home=writable" || fail "own home not writable"
[ -f "$HA/own" ] || fail "write to own home did not reach the host"
[ "$(echo "$out" | sed -n 's/^homes=//p')" = "$A " ] || fail "other homes visible: $out"
echo "$out" | grep -q "b-private\|b-home=readable" && fail "another user's home readable"
pass "own home writable, other homes gone"
echo "$out" | grep -q TOPSECRET && fail "hidden path readable"
pass "hidden dir and file"
echo "$out" | grep -qx "shared=shared-data" || fail "bind not visible"
echo "$out" | grep -qx "target=writable" && fail "read-only bind writable"
pass "read-only bind"
echo "$out" | grep -qx "NoNewPrivs: 1" || fail "no_new_privs not set"
echo "$out" | grep -qx "CapBnd: 0000000000000020" || fail "bounding set is not {CAP_KILL}"
pass "bounding set and no_new_privs"

# --- as root inside: read-only holds without capabilities --------------------
out=$(d run $POLICY -- sh -c 'touch /usr/.sbxt 2>&1; echo rc=$?') || fail "root session failed"
echo "$out" | grep -q "Read-only file system" || fail "/usr writable for root inside: $out"
[ ! -e /usr/.sbxt ] || { rm -f /usr/.sbxt; fail "/usr written"; }
pass "/usr read-only for root inside"

# --- the init keeps only CAP_KILL (it drops the rest right after reporting
# success, so give it a moment) ----------------------------------------------
out=$(d run $POLICY -- sh -c '
	i=0
	while [ $i -lt 100 ]; do
		e=$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/1/status)
		b=$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/1/status)
		[ "$e" = 0000000000000020 ] && [ "$b" = 0000000000000020 ] && break
		sleep 0.02; i=$((i + 1))
	done
	echo "init eff=$e bnd=$b"') || fail "session failed: $out"
[ "$out" = "init eff=0000000000000020 bnd=0000000000000020" ] ||
	fail "the init kept more than CAP_KILL: $out"
pass "the init keeps only CAP_KILL"

# --- another user's sandbox: its own /tmp -----------------------------------
out=$(d run --user "$B" --private-tmp --report "$W/rep-b" --as-user -- sh -c 'ls -A /tmp') ||
	fail "session of B failed"
[ -z "$out" ] || fail "B sees files in /tmp: $out"
pass "another user's sandbox has its own /tmp"

# --- network none: loopback only, and up -----------------------------------
out=$(d run --user "$A" --net-none -- "$IP" -o link show) || fail "net none session failed"
[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q ": lo: <LOOPBACK,UP" ||
	fail "network none: $out"
pass "network none: lo only, up"

# --- a symbolic link in a bind source refuses the session --------------------
su -s /bin/sh "$A" -c "mkdir -p '$HA/real/sub' && ln -s /etc '$HA/proj' && ln -s '$HA/real' '$HA/via'"
for src in "$HA/proj" "$HA/via/sub"; do
	err=$(d run --user "$A" --private-tmp --bind "$src:$W/target" -- true 2>&1)
	rc=$?
	[ $rc = 3 ] || fail "open through a link in $src did not fail (rc $rc)"
	echo "$err" | grep -q "goes through a symbolic link" || fail "unclear error: $err"
	pass "link in bind source refused: $err"
done
err=$(d run --user "$A" --ro "$W/no-such-dir" -- true 2>&1) && fail "missing required path accepted"
echo "$err" | grep -q "No such file" || fail "unclear error: $err"
pass "missing required path refused: $err"
err=$(d run --user "$A" --ro "-$W/no-such-dir" -- true 2>&1) || fail "missing optional path refused: $err"
pass "missing optional path skipped"
[ -z "$(inits_of "$(id -u "$A")")" ] || fail "init left after refused sessions"

finish
