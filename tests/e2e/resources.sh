#!/bin/sh
# Resource limits of pam_sandbox, checked through real ssh logins (issue 4,
# item 6).  A throwaway sshd on 127.0.0.1 runs the stack
#   session required pam_loginuid.so
#   session required <builddir>/.libs/pam_sandbox_test.so conf=<test config> debug
# with tests/e2e/resources.conf.in: the cgroupfs driver, cgroups nested below
# sshd's own cgroup under a parent named for this run, and a role with
#   limits = { memory = "64M"; pids = 64; cpus = 0.5; }, linger off.
#
# Each test_* function checks one property against what the kernel shows
# (the v1 hierarchies under /sys/fs/cgroup/<controller>, or the unified one),
# so it fails when the limit is not applied: run with
#   SBXT_PIDS=100000 SBXT_MEMORY=4G SBXT_CPUS=2.0
# and the fork bomb, memory hog and cpu tests fail.
#
# By hand, as root:
#   make -C BUILDDIR pam_sandbox_test.la sandbox-init sandboxctl
#   top_builddir=BUILDDIR bash tests/e2e/resources.sh [test_name...]
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/sshd.sh"
sbx_require_root
sbx_require_cmd ssh python3 pgrep timeout
if [ ! -e "$SBX_MODULE" ]; then
	echo "ERROR: $SBX_MODULE not built (set top_builddir or SBX_MODULE)"
	exit 99
fi
SBX_CTL=${SBX_CTL:-$top_builddir/sandboxctl}
if [ ! -x "$SBX_CTL" ]; then
	echo "ERROR: $SBX_CTL not built"
	exit 99
fi

# The limits of the test role (overridable for the mutation check above).
lim_pids=${SBXT_PIDS:-64}
lim_memory=${SBXT_MEMORY:-64M}
lim_cpus=${SBXT_CPUS:-0.5}

num=$((16#$SBX_RUN))                 # a number unique to this run, for argv markers
state_dir=/run/pam_sandbox-test-$SBX_RUN
cg_parent=sbxt$SBX_RUN-resources     # the test's cgroup_parent: unique per run

sbx_tmpdir
conf=$SBX_TMP/pam_sandbox.conf

# Every hierarchy a cgroup of the test may be in: the mounted v1 controller
# hierarchies and the unified one.
cg_roots() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts | sort -u
}

# Every directory named after the test's cgroup_parent, deepest first.
cg_leftovers() {
	local root
	for root in $(cg_roots); do
		find "$root" -depth -type d -path "*/$cg_parent*" 2>/dev/null
	done
}

# Remove what the module may have left below the test's cgroup_parent:
# stop the sandboxes, kill the processes still in those cgroups (only test
# users' processes can be there), then rmdir the cgroups, deepest first.
cleanup_cgroups() {
	local d p i
	"$SBX_CTL" -c "$conf" gc >/dev/null 2>&1
	for ((i = 0; i < 20; i++)); do
		[ -n "$(cg_leftovers)" ] || return 0
		for d in $(cg_leftovers); do
			for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
			rmdir "$d" 2>/dev/null
		done
		sleep 0.2
	done
	sbx_log "cgroups of the test left behind: $(cg_leftovers | tr '\n' ' ')"
	return 1
}

cleanup_state_dir() {
	local mp
	[ -d "$state_dir" ] || return 0
	awk -v d="$state_dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mp; do umount -l "$mp"; done
	rm -rf --one-file-system "$state_dir"
}
stop_sandboxes() {
	local u
	for u in "${SBX_USERS[@]}"; do
		"$SBX_CTL" -c "$conf" stop "$u" >/dev/null 2>&1
	done
	return 0
}
# Registered before the users: runs after their processes are killed.
sbx_on_exit cleanup_state_dir
sbx_on_exit cleanup_cgroups

sbx_user_add u1 || exit 99
sbx_user_add u2 || exit 99
sbx_on_exit stop_sandboxes
uid1=$(id -u "$u1")

sed -e "s|@STATE_DIR@|$state_dir|" -e "s|@CGROUP_PARENT@|$cg_parent|" \
	-e "s|@MEMORY@|$lim_memory|" -e "s|@PIDS@|$lim_pids|" -e "s|@CPUS@|$lim_cpus|" \
	"$here/resources.conf.in" >"$conf"
"$SBX_CTL" check -c "$conf" || { echo "ERROR: the test config does not pass sandboxctl check"; exit 99; }

sbx_syslog_start || exit 99
sbx_pam_stack_sandbox "$SBX_TMP/pam-stack" "$conf"
sbx_sshd_start "$SBX_TMP/pam-stack" "$u1" || exit 99

# The host pids of USER's processes whose argv contains MARKER.
pids_of() { pgrep -u "$1" -f -- "$2"; }
has_proc() { pids_of "$1" "$2" >/dev/null; }
# True when USER has no process with MARKER.
no_proc() { ! pids_of "$1" "$2" >/dev/null; }

# The directory of user UID's cgroup in the hierarchy of controller CTRL:
# <mount of CTRL>/<sshd's cgroup there>/<cg_parent>/user-UID.
user_cg() {
	local ctrl=$1 uid=$2 mnt rel
	mnt=$(awk -v c="$ctrl" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $2; exit } }' /proc/self/mounts)
	[ -n "$mnt" ] || return 1
	rel=$(awk -F: -v c="$ctrl" '{ n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $3; exit } }' \
		"/proc/$SBX_SSHD_PID/cgroup")
	rel=${rel%/}
	echo "$mnt$rel/$cg_parent/user-$uid"
}

# The cgroup of process PID in the hierarchy of controller CTRL.
proc_cg() {
	awk -F: -v c="$1" '{ n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $3; exit } }' \
		"/proc/$2/cgroup" 2>/dev/null
}

# sandboxctl list --json, one line per user: "USER KEY=VALUE..." of the
# user's usage.
usage_of_user() {
	"$SBX_CTL" -c "$conf" list --json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["user"] == sys.argv[1]:
        u = s.get("usage") or {}
        print(" ".join("%s=%s" % kv for kv in sorted(u.items())))
' "$1"
}

# A fork loop run inside a session: fork `sleep` children until fork fails
# (or BOUND children), print "FORKED n errno", hold them until the file
# RELEASE exists (at most 40 s), then kill them.  Bounded, so a broken limit
# costs the host 4 * pids children at most.
fork_loop() {
	local marker=$1 release=$2 bound=$((lim_pids * 4))
	[ "$bound" -gt 1024 ] && bound=1024
	cat <<EOF
python3 -c '
import os, sys, time
kids = []
err = 0
while len(kids) < $bound:
    try:
        p = os.fork()
    except OSError as e:
        err = e.errno
        break
    if p == 0:
        try:
            os.execv("/bin/sleep", ["sleep", "$marker"])
        finally:
            os._exit(127)
    kids.append(p)
print("FORKED %d %d" % (len(kids), err), flush=True)
end = time.time() + 40
while time.time() < end and not os.path.exists("$release"):
    time.sleep(0.1)
for p in kids:
    os.kill(p, 9)
for p in kids:
    os.waitpid(p, 0)
print("RELEASED", flush=True)
'
EOF
}

# ---------------------------------------------------------------------------

# 1. A fork bomb stops at the pids limit; the host and other users are fine.
test_fork_bomb_stops_at_pids_limit() {
	local out=$SBX_TMP/bomb.out release=/home/$u1/release-bomb-$num marker=600.$num
	local n err cg cur max events p out2
	rm -f "$release"
	sbx_ssh "$u1" "$(fork_loop "$marker" "$release")" </dev/null >"$out" 2>&1 &
	local s=$!
	sbx_bg $s
	sbx_wait_for grep -qs '^FORKED' "$out" || { sbx_fail "the fork loop did not report: $(cat "$out")"; touch "$release"; return 1; }
	read -r _ n err < <(grep '^FORKED' "$out")
	cg=$(user_cg pids "$uid1")
	cur=$(cat "$cg/pids.current" 2>/dev/null)
	max=$(cat "$cg/pids.max" 2>/dev/null)
	# v1 counts a refused fork in the cgroup of the forking task (the
	# session's): sum the user's subtree.
	events=$(find "$cg" -name pids.events -exec awk '$1 == "max" { s += $2 } END { print s + 0 }' {} + 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }')
	echo "    forked $n children (errno $err); $cg: pids.current=$cur pids.max=$max events.max=$events"
	sbx_expect_eq "$max" "$lim_pids" "pids.max of the user's cgroup"
	[ "$n" -le "$lim_pids" ] 2>/dev/null || sbx_fail "the fork loop got $n children, more than the pids limit $lim_pids"
	# It was the limit that stopped it: close to the limit, EAGAIN, the
	# cgroup full and its "max" event counted.
	[ "$n" -ge $((lim_pids - 12)) ] 2>/dev/null || sbx_fail "the fork loop stopped at $n, far below the limit $lim_pids"
	sbx_expect_eq "$err" 11 "errno of the failed fork (EAGAIN)"
	sbx_expect_eq "$cur" "$lim_pids" "pids.current of the user's cgroup at the limit"
	[ "${events:-0}" -ge 1 ] 2>/dev/null || sbx_fail "pids.events max of the user's cgroup is '${events:-}', expected >= 1"
	# Every child is in the user's cgroup.
	for p in $(pids_of "$u1" "^sleep $marker"); do
		case $(proc_cg pids "$p") in
		*/"$cg_parent/user-$uid1"/*) ;;
		*) sbx_fail "child $p outside the user's cgroup: $(proc_cg pids "$p")"; break ;;
		esac
	done
	# The host still forks, and another user still logs in.
	timeout 5 /bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done' ||
		sbx_fail "the host cannot fork while the fork bomb holds the limit"
	out2=$(sbx_ssh "$u2" "echo LOGIN-OK-$num" 2>&1)
	sbx_expect_eq "$out2" "LOGIN-OK-$num" "another user's login while $u1's fork bomb holds the limit"
	touch "$release"
	sbx_wait_for grep -qs '^RELEASED' "$out" || sbx_fail "the fork loop did not end: $(cat "$out")"
	wait "$s" 2>/dev/null
	rm -f "$release"
	return 0
}

# 2. A memory hog is OOM-killed inside the user's cgroup only.  On cgroup v1
# the kernel counts the kill in the victim's own (session) cgroup, which goes
# away with the session: the counts are read while the hog's session still
# runs (it waits for a release file after the kill).
test_memory_hog_oom_killed_in_user_cgroup() {
	local hold=$SBX_TMP/hold.out out=$SBX_TMP/hog.out release=/home/$u1/release-hog-$num
	local cg lim scg oom0 oom1 usage u2out p
	rm -f "$release"
	# Session A holds the sandbox open (linger off) and must survive.
	sbx_ssh "$u1" "sleep 601.$num" </dev/null >"$hold" 2>&1 &
	local a=$!
	sbx_bg $a
	sbx_wait_for has_proc "$u1" "^sleep 601.$num" || { sbx_fail "session A did not start"; return 1; }
	cg=$(user_cg memory "$uid1")
	lim=$(cat "$cg/memory.limit_in_bytes" 2>/dev/null)
	oom0=$(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.oom_control" 2>/dev/null)
	sbx_expect_eq "$lim" $((64 << 20)) "memory.limit_in_bytes of the user's cgroup"
	# Session B allocates (and touches) 16M at a time, up to 512M, then
	# reports how python ended and waits for the release file (60 s at most).
	sbx_ssh "$u1" 'python3 -c "
b = []
for i in range(1, 33):
    b.append(b\"x\" * (16 << 20))
    print(\"ALLOC\", i * 16, flush=True)
print(\"HOG-DONE\", flush=True)
"; echo "HOG-RC=$?"; for i in $(seq 600); do [ -e '"$release"' ] && break; sleep 0.1; done; echo HOG-SESSION-END' \
		</dev/null >"$out" 2>&1 &
	local b=$!
	sbx_bg $b
	sbx_wait_for grep -qs '^HOG-RC=' "$out" || { sbx_fail "the memory hog did not end: $(_sbx_excerpt "$(cat "$out")")"; touch "$release"; return 1; }
	echo "    hog: $(grep '^HOG-RC=' "$out"), last: $(grep '^ALLOC' "$out" | tail -n1)"
	sbx_expect_match "$(cat "$out")" '^HOG-RC=137$' "the memory hog must die of SIGKILL"
	sbx_expect_nomatch "$(cat "$out")" '^HOG-DONE$' "the memory hog got 512M under a 64M limit"
	sbx_expect_nomatch "$(cat "$out")" '^ALLOC (64|[7-9][0-9]|[1-9][0-9][0-9])$' "the memory hog got 64M or more"
	# The kill is counted in the hog's session cgroup, below the user's.
	p=$(pids_of "$u1" "HOG-SESSION-END" | head -n1)
	scg=$(proc_cg memory "$p")
	case $scg in
	*/"$cg_parent/user-$uid1"/session-*) ;;
	*) sbx_fail "the hog's session is not in a session cgroup of the user: '$scg'" ;;
	esac
	oom1=$(awk '$1 == "oom_kill" { print $2 }' "${cg%/user-$uid1}${scg#*/$cg_parent}/memory.oom_control" 2>/dev/null)
	usage=$(usage_of_user "$u1")
	echo "    oom_kill: user cgroup ${oom0:-?} (before), hog's session cgroup ${oom1:-?}; sandboxctl list: $usage"
	[ "${oom1:-0}" -ge 1 ] 2>/dev/null || sbx_fail "memory.oom_control oom_kill of the hog's session cgroup is '${oom1:-}', expected >= 1"
	sbx_expect_match "$usage" 'oom_kills=[1-9]' "sandboxctl list --json oom_kills of $u1"
	sbx_expect_match "$usage" "memory_peak=$((64 << 20))( |\$)" "sandboxctl list --json memory_peak of $u1 (at the limit)"
	# Only inside the user's cgroup: session A lives, sshd serves new logins.
	has_proc "$u1" "^sleep 601.$num" || sbx_fail "the OOM kill took session A's process too"
	kill -0 "$SBX_SSHD_PID" 2>/dev/null || sbx_fail "sshd died"
	u2out=$(sbx_ssh "$u2" "echo LOGIN-OK-$num" 2>&1)
	sbx_expect_eq "$u2out" "LOGIN-OK-$num" "another user's login after the OOM kill"
	u2out=$(sbx_ssh "$u1" "echo LOGIN-OK-$num" 2>&1)
	sbx_expect_eq "$u2out" "LOGIN-OK-$num" "a new login of $u1 after the OOM kill"
	touch "$release"
	sbx_wait_for grep -qs HOG-SESSION-END "$out" || sbx_fail "the hog's session did not end"
	wait "$b" 2>/dev/null
	echo "    after the hog's session ended, sandboxctl list: $(usage_of_user "$u1")"
	kill $(pids_of "$u1" "^sleep 601.$num") 2>/dev/null
	wait "$a" 2>/dev/null
	rm -f "$release"
	return 0
}

# 3. Two busy loops under cpus = 0.5 get 0.5 cpu (+-10 %).
test_cpu_quota() {
	local cg t0 t1 c0 c1 u0 u1c ratio ratio_ctl
	sbx_ssh "$u1" "timeout 14 sh -c 'while :; do :; done' & timeout 14 sh -c 'while :; do :; done' & wait" \
		</dev/null >/dev/null 2>&1 &
	local s=$!
	sbx_bg $s
	sbx_wait_for has_proc "$u1" "while :; do" || { sbx_fail "the busy loops did not start"; return 1; }
	cg=$(user_cg cpuacct "$uid1")
	sbx_expect_eq "$(cat "$(user_cg cpu "$uid1")/cpu.cfs_quota_us" 2>/dev/null)" 50000 "cpu.cfs_quota_us of the user's cgroup"
	sleep 1.5
	# Above the quota always fails (the limit is not working); below it
	# may be the shared machine being busy, so that is measured again.
	local attempt
	for attempt in 1 2 3; do
		t0=$(date +%s%N)
		c0=$(cat "$cg/cpuacct.usage")
		u0=$(usage_of_user "$u1" | sed -n 's/.*cpu_usec=\([0-9]*\).*/\1/p')
		sleep 2.5
		t1=$(date +%s%N)
		c1=$(cat "$cg/cpuacct.usage")
		u1c=$(usage_of_user "$u1" | sed -n 's/.*cpu_usec=\([0-9]*\).*/\1/p')
		ratio=$(awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", c / t }')
		ratio_ctl=$(awk -v c=$((u1c - u0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", c * 1000 / t }')
		echo "    cpuacct.usage: $ratio cpu over $(((t1 - t0) / 1000000)) ms; sandboxctl cpu_usec: $ratio_ctl cpu"
		awk -v r="$ratio" -v q="$ratio_ctl" 'BEGIN { exit !(r > 0.55 || q > 0.55 || (r >= 0.45 && q >= 0.45)) }' && break
	done
	awk -v r="$ratio" 'BEGIN { exit !(r >= 0.45 && r <= 0.55) }' ||
		sbx_fail "two busy loops got $ratio cpu under cpus = 0.5 (expected 0.45..0.55)"
	awk -v r="$ratio_ctl" 'BEGIN { exit !(r >= 0.45 && r <= 0.55) }' ||
		sbx_fail "sandboxctl list cpu_usec shows $ratio_ctl cpu (expected 0.45..0.55)"
	sbx_bg_kill
	return 0
}

# 4. Two sessions of one user share the user's cgroup and its pids limit.
test_sessions_share_user_limit() {
	local a_out=$SBX_TMP/share-a.out b_out=$SBX_TMP/share-b.out release=/home/$u1/release-share-$num
	local held=30 p cga cgb n err cur
	rm -f "$release"
	# Session A holds 30 sleeps.
	sbx_ssh "$u1" "for i in \$(seq $held); do sleep 602.$num & done; echo STARTED; wait" \
		</dev/null >"$a_out" 2>&1 &
	local a=$!
	sbx_bg $a
	sbx_wait_for eval "[ \$(pids_of $u1 ^sleep.602.$num | wc -l) = $held ]" ||
		{ sbx_fail "session A did not start $held sleeps: $(cat "$a_out")"; return 1; }
	# Session B forks until the limit.
	sbx_ssh "$u1" "$(fork_loop "603.$num" "$release")" </dev/null >"$b_out" 2>&1 &
	local b=$!
	sbx_bg $b
	sbx_wait_for grep -qs '^FORKED' "$b_out" || { sbx_fail "session B's fork loop did not report: $(cat "$b_out")"; touch "$release"; return 1; }
	read -r _ n err < <(grep '^FORKED' "$b_out")
	cur=$(cat "$(user_cg pids "$uid1")/pids.current" 2>/dev/null)
	echo "    session A holds $held, session B forked $n (errno $err); user pids.current=$cur, limit $lim_pids"
	[ "$n" -le $((lim_pids - held)) ] 2>/dev/null ||
		sbx_fail "session B got $n children while A holds $held: the limit $lim_pids is not shared"
	[ "$n" -ge $((lim_pids - held - 12)) ] 2>/dev/null ||
		sbx_fail "session B stopped at $n, far below $lim_pids - $held"
	sbx_expect_eq "$cur" "$lim_pids" "pids.current of the user's cgroup with both sessions"
	# Both sessions in their own child of the same user cgroup.
	p=$(pids_of "$u1" "^sleep 602.$num" | head -n1)
	cga=$(proc_cg pids "$p")
	p=$(pids_of "$u1" "^sleep 603.$num" | head -n1)
	cgb=$(proc_cg pids "$p")
	echo "    session A in $cga, session B in $cgb"
	sbx_expect_match "$cga" "/$cg_parent/user-$uid1/session-[^/]+\$" "cgroup of session A's processes"
	sbx_expect_match "$cgb" "/$cg_parent/user-$uid1/session-[^/]+\$" "cgroup of session B's processes"
	[ -n "$cga" ] && [ "$cga" != "$cgb" ] || sbx_fail "sessions A and B share one session cgroup ($cga)"
	for p in $(pids_of "$u1" "^sleep 602.$num"); do
		[ "$(proc_cg pids "$p")" = "$cga" ] || { sbx_fail "a sleep of session A is in $(proc_cg pids "$p")"; break; }
	done
	touch "$release"
	sbx_wait_for grep -qs '^RELEASED' "$b_out" || sbx_fail "session B's fork loop did not end"
	wait "$b" 2>/dev/null
	kill $(pids_of "$u1" "^sleep 602.$num") 2>/dev/null
	wait "$a" 2>/dev/null
	rm -f "$release"
	return 0
}

# 5. After the last logout (linger off) no cgroup of a sandbox remains, in
# any hierarchy: below the test's cgroup_parent nothing is left, and the
# parent itself (a container the module keeps for the next login, like a
# slice) is empty, so the test can remove it; then nothing of the test's
# cgroups is left anywhere.
test_no_cgroup_left_after_logout() {
	local left d
	sbx_bg_kill
	sbx_ssh "$u1" "echo hi" </dev/null >/dev/null 2>&1 || sbx_fail "a last login of $u1 failed"
	sbx_ssh "$u2" "echo hi" </dev/null >/dev/null 2>&1 || sbx_fail "a last login of $u2 failed"
	sbx_wait_for no_proc "$u1" . && sbx_wait_for no_proc "$u2" . ||
		sbx_fail "processes of the test users survive logout: $(pgrep -a -u "$u1,$u2" | head -n 5 | tr '\n' ';')"
	sbx_wait_for eval '[ -z "$(cg_leftovers | grep "/$cg_parent/")" ]'
	left=$(cg_leftovers | grep "/$cg_parent/")
	[ -z "$left" ] || sbx_fail "cgroups left after the last logout: $(echo "$left" | tr '\n' ' ')"
	for d in $(cg_leftovers); do
		rmdir "$d" || sbx_fail "the test's cgroup_parent $d cannot be removed (not empty)"
	done
	left=$(cg_leftovers)
	[ -z "$left" ] || sbx_fail "cgroups of the test left: $(echo "$left" | tr '\n' ' ')"
	return 0
}

all_tests=(
	test_fork_bomb_stops_at_pids_limit
	test_memory_hog_oom_killed_in_user_cgroup
	test_cpu_quota
	test_sessions_share_user_limit
	test_no_cgroup_left_after_logout
)
[ $# -gt 0 ] && all_tests=("$@")
for t in "${all_tests[@]}"; do sbx_test "$t"; done
sbx_finish
