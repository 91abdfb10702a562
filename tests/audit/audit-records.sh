#!/bin/sh
# Real auditd: the records pam_sandbox sends, sent through the module's own
# code (audit-driver) from processes with a real login uid and audit session
# (written to /proc/self/loginuid as pam_loginuid does), plus the shipped
# kernel rules (restricted to this test's login uid), read back with
# ausearch/aureport and with the report engine.  Root only.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/audit/auditd-lib.sh"
audit_skip_unless_ready

DRIVER="$top_builddir/tests/audit/audit-driver"
REPORT="$top_builddir/tests/audit/report-cli"
RULES="$top_srcdir/conf/audit/pam_sandbox.rules"
# A login uid no real user has, unique to this run.
TAUID=$((3000000 + $$ % 100000))
TMP=$(mktemp -d /tmp/sbx-audit-test.XXXXXX)
cleanup() { audit_cleanup_rules; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

fails=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION PATTERN TEXT
	if printf '%s\n' "$3" | grep -q -e "$2"; then ok "$1"; else bad "$1 (no '$2')"; printf '%s\n' "$3" | sed 's/^/#   /' | head -20; fi
}
check_not() {
	if printf '%s\n' "$3" | grep -q -e "$2"; then bad "$1 (found '$2')"; printf '%s\n' "$3" | grep -e "$2" | sed 's/^/#   /' | head -5; else ok "$1"; fi
}
# In a new audit session with our login uid: run the shell snippet $1.
# Extra arguments are the snippet's $1, $2, ...
in_session() {
	snippet=$1; shift
	sh -c "echo $TAUID > /proc/self/loginuid && $snippet" sh "$@"
}
session_of() { sed -n 's/.*sessionid=\([0-9]*\).*/\1/p' "$1"; }

# --- the shipped rules load, restricted to our login uid -------------------
grep -q -e '^--loginuid-immutable$' "$RULES" && ok "shipped rules lock the login uid" ||
	bad "shipped rules lack --loginuid-immutable"
n=0
grep '^-a ' "$RULES" | sed -e 's/^-a //' -e "s/-F auid>=1000 -F auid!=unset/-F auid=$TAUID/" > "$TMP/rules"
while IFS= read -r rule; do
	# shellcheck disable=SC2086
	audit_add_rule $rule || bad "auditctl rejects: $rule"
	n=$((n + 1))
done < "$TMP/rules"
[ "$n" -ge 8 ] && ok "loaded $n shipped rules (auid=$TAUID only)" || bad "only $n rules"

# --- identity -------------------------------------------------------------
in_session "exec '$DRIVER' identity" > "$TMP/id" 2>&1
check "identity read from /proc/self" "loginuid=$TAUID sessionid=" "$(cat "$TMP/id")"
if [ "$(cat /proc/self/loginuid)" = 4294967295 ]; then
	out=$("$DRIVER" identity 2>&1)
	check "unset login uid refused with a hint" "pam_loginuid must run before pam_sandbox" "$out"
fi

# --- session A: a developer session ---------------------------------------
in_session "'$DRIVER' identity && '$DRIVER' send start alice && /bin/echo sbx-hello-$$ >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups cat /etc/shadow 2>/dev/null;
	unshare --uts true;
	printf 'echo typed-$$\\nexit\\n' | '$DRIVER' tty-exec script -q -c 'sh -i' /dev/null >/dev/null 2>&1;
	'$DRIVER' send stop alice" > "$TMP/a" 2>&1
A=$(session_of "$TMP/a")
[ -n "$A" ] && ok "session A = $A" || { bad "session A has no id"; cat "$TMP/a"; exit 1; }
check "start record sent" "start: 0" "$(cat "$TMP/a")"

audit_wait "op=sandbox-stop" --session "$A" -i
check "A: sandbox-start with role" "op=sandbox-start acct=alice sandbox=sbx-1 sandbox-role=developer" "$AUOUT"
check "A: cgroup decoded (it held a space)" "cgroup=/sys/fs/cgroup/unified/pam_sandbox/u/sess 1" "$AUOUT"
check "A: limits as numbers" "mem-max=1073741824 pids-max=256 cpu-quota=150000 cpu-period=100000" "$AUOUT"
check "A: namespace inodes" "mntns=4026532177 pidns=4026532180 netns=4026532181" "$AUOUT"
check "A: addr passed, no DNS" "hostname=203.0.113.7 addr=203.0.113.7 terminal=pts/3 res=success" "$AUOUT"
check "A: stop with usage" "op=sandbox-stop .*mem-peak=73400320 oom-kill=0 cpu-usec=1234567 reason=logout" "$AUOUT"
check "A: kernel adds auid and ses" "auid=unknown($TAUID) ses=$A" "$AUOUT"
audit_wait "sbx-hello-$$" --session "$A" -k sandbox-exec -i
check "A: exec recorded (key sandbox-exec)" "a0=/bin/echo a1=sbx-hello-$$" "$AUOUT"
audit_wait "shadow" --session "$A" -k sandbox-denied -i
check "A: denied open recorded (key sandbox-denied)" "exit=EACCES" "$AUOUT"
check "A: denied path" "name=/etc/shadow" "$AUOUT"
audit_wait "unshare" --session "$A" -k sandbox-ns -i
check "A: unshare recorded (key sandbox-ns)" "syscall=unshare" "$AUOUT"
AUOUT=$(ausearch -ua "$TAUID" --input-logs -m USER_START -i 2>&1 </dev/null)
check "ausearch -ua finds the start" "ses=$A .*op=sandbox-start" "$AUOUT"
i=0
while :; do
	TTYOUT=$(ausearch --session "$A" --raw --input-logs </dev/null 2>/dev/null | aureport --tty -i 2>&1)
	printf '%s\n' "$TTYOUT" | grep -q "typed-$$" && break
	i=$((i + 1)); [ $i -gt 25 ] && break; sleep 0.2
done
check "A: aureport --tty shows the typed command" "echo typed-$$" "$TTYOUT"

# --- session B: refused by the session limit ------------------------------
in_session "'$DRIVER' identity && '$DRIVER' send refuse alice && '$DRIVER' send limit alice" > "$TMP/b" 2>&1
B=$(session_of "$TMP/b")
audit_wait "ANOM_LOGIN_SESSIONS" --session "$B" -i
check "B: ANOM_LOGIN_SESSIONS" "type=ANOM_LOGIN_SESSIONS.*op=sandbox-deny.*reason=max-sessions.*res=failed" "$AUOUT"
AUOUT=$(ausearch --session "$B" -m USER_START -sv no --input-logs -i 2>&1 </dev/null)
check "B: refusal is USER_START res=failed reason=max-sessions" "op=sandbox-start .*reason=max-sessions .*res=failed" "$AUOUT"
AUOUT=$(aureport --anomaly -i --input-logs 2>&1 </dev/null)
check "B: aureport --anomaly lists it" "ANOM_LOGIN_SESSIONS" "$AUOUT"

# --- session C: a hostile user name cannot forge fields -------------------
HOSTILE="bob res=success' auid=0 x='"
in_session "'$DRIVER' identity && '$DRIVER' send refuse \"\$1\"" "$HOSTILE" > "$TMP/c" 2>&1
C=$(session_of "$TMP/c")
audit_wait "sandbox-start" --session "$C" --raw
check "C: user name hex-encoded" "acct=626F62207265733D737563636573732720617569643D3020783D27 " "$AUOUT"
q=$(printf '%s\n' "$AUOUT" | grep '^type=USER_START' | tr -cd "'" | wc -c)
[ "$q" = 2 ] && ok "C: only the two quotes of msg='...'" || bad "C: $q quotes in the USER_START record"
AUOUT=$(ausearch --session "$C" -m USER_START -sv yes --input-logs 2>&1 </dev/null)
check "C: the failed record is not found as a success" "<no matches>" "$AUOUT"
AUOUT=$(ausearch --session "$C" -ul 0 --input-logs 2>&1 </dev/null)
check "C: no forged auid=0 (ausearch -ul 0)" "<no matches>" "$AUOUT"
AUOUT=$(ausearch --session "$C" -m USER_START --input-logs -i 2>&1 </dev/null)
check "C: the tools decode the name" "acct=bob res=success' auid=0 x=' sandbox-role" "$AUOUT"

# --- session D: an exempt login -------------------------------------------
in_session "'$DRIVER' identity && '$DRIVER' send exempt root" > "$TMP/d" 2>&1
D=$(session_of "$TMP/d")
audit_wait "sandbox=exempt" --session "$D" -i
check "D: exempt login recorded" "op=sandbox-start acct=root sandbox=exempt sandbox-role=admin" "$AUOUT"

# --- TTY audit state is restored ------------------------------------------
before=$("$DRIVER" tty-get)
out=$("$DRIVER" tty-cycle)
check "tty audit switched on with log_passwd" "on: enabled=1 log_passwd=1" "$out"
check "tty audit restored" "restored: $before" "$out"

# --- the report on these sessions -----------------------------------------
ausearch --session "$A" --raw --input-logs </dev/null > "$TMP/a.log" 2>/dev/null
"$REPORT" report -f "$TMP/a.log" --json > "$TMP/a.json" 2>&1
out=$(cat "$TMP/a.json")
check "report: session id" "\"session\":$A," "$out"
check "report: user and from" "\"user\":\"alice\",\"auid\":\"unknown($TAUID)\",\"from\":\"203.0.113.7\"" "$out"
check "report: limits" "\"limits\":{\"mem-max\":1073741824,\"pids-max\":256,\"cpu-quota\":150000,\"cpu-period\":100000}" "$out"
check "report: exec" "\"type\":\"exec\",\"success\":true,\"argv\":\[\"/bin/echo\",\"sbx-hello-$$\"\]" "$out"
check "report: denial" "\"type\":\"deny\",\"success\":false,\"syscall\":\"openat\",\"exit\":\"EACCES(Permission denied)\".*\"path\":\"/etc/shadow\"" "$out"
check "report: stop with usage" "\"usage\":{\"mem-peak\":73400320,\"oom-kill\":0,\"cpu-usec\":1234567}" "$out"
check "report: tty input" "\"type\":\"tty\".*typed-$$" "$out"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/a.json" && ok "report: valid JSON" || bad "report: invalid JSON"
fi
out=$("$REPORT" report --session "$B" 2>&1)
check "report --session on the live logs" "REFUSED reason=max-sessions" "$out"
check_not "report --session shows only that session" "session $A " "$out"

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
