#!/bin/bash
# The systemd-host suite (`make check-vm`): build or reuse the guest image,
# boot it, install the host build in it as an administrator would, put
# pam_sandbox in its sshd stack, and test through real ssh logins from the
# host.
#
#   run-suite.sh [BUILDDIR]     (default: $top_builddir, else .)
#
# Environment:
#   VM_MODULE=0      test the bed itself: the stack without pam_sandbox (the
#                    tests that need the module are then skipped)
#   VM_TESTS="a b"   run only these test functions (names without test_)
#   VM_CACHE         image cache (default tests/vm/cache in the source tree)
#   CI=true          a missing qemu or image is a FAILURE, never a skip
#
# Exit: 0 all passed; 1 a test failed or the bed broke; 77 qemu or the
# image cannot be had here (outside CI only).  Ends with "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/vm/vm.sh
. "$here/vm.sh"

builddir=$(cd "${1:-${top_builddir:-.}}" && pwd) || exit 1
module=${VM_MODULE:-1}
users="sbxvm1 sbxvm2"
stage=
t_run=$SECONDS

say() { printf '\n==== vm: %s\n' "$*"; }

# Not being able to run at all: loud, and a failure in CI.
unavailable() {
	echo "************************************************************" >&2
	echo "vm: CANNOT RUN THE SYSTEMD-HOST SUITE: $*" >&2
	echo "************************************************************" >&2
	if [ "${CI:-}" = true ]; then
		echo "vm: CI=true: this is a failure, not a skip" >&2
		echo "vm: 0 passed, 1 failed"
		exit 1
	fi
	exit 77
}

cleanup() {
	local rc=$?
	if [ -n "$VM_DIR" ] && [ -f "$VM_DIR/serial.log" ]; then
		mkdir -p "$builddir/tests/vm" &&
			cp "$VM_DIR/serial.log" "$builddir/tests/vm/serial.log" 2>/dev/null
	fi
	vm_stop
	[ -n "$stage" ] && rm -rf "$stage"
	exit "$rc"
}

# ---- results -----------------------------------------------------------------
passed=0
failed=0
skipped=0
results=()
current=

pass() {
	passed=$((passed + 1))
	results+=("PASS  $current${1:+: $1}")
	echo "PASS: $current${1:+: $1}"
}
fail() {
	failed=$((failed + 1))
	results+=("FAIL  $current: $1")
	echo "FAIL: $current: $1"
}
skip() {
	skipped=$((skipped + 1))
	results+=("SKIP  $current: $1")
	echo "SKIP: $current: $1"
}

# Run guest command as root / as a user; output on stdout.
groot() { vm_ssh "$@"; }
guser() {
	local u=$1
	shift
	vm_ssh -u "$u" "$@"
}

uid_of() { groot "id -u $1"; }

# After a refused or failed login: what the guest says about it (sshd's and
# PAM's messages, the refusal record in the audit trail).
guest_why() {
	echo "  ---- guest journal (sshd, last 15 lines):"
	groot 'journalctl -q --no-pager -o short-monotonic SYSLOG_IDENTIFIER=sshd -n 15' 2>&1 | sed 's/^/    /'
	echo "  ---- refused sessions in the audit trail:"
	groot 'ausearch -m USER_START,USER_ERR,ANOM_LOGIN_SESSIONS --input-logs -sv no </dev/null | tail -4' 2>&1 |
		sed 's/^/    /'
}

# ---- tests: one function each; add new ones to the list in main -------------

# (1) The guest is a real systemd host: systemd as pid 1 is up, the cgroup
# tree is pure cgroup v2 with the memory and pids controllers.
test_systemd_host() {
	local state fstype ctrl
	state=$(groot 'timeout 60 systemctl is-system-running --wait')
	case $state in
	running) ;;
	degraded)
		echo "  degraded; failed units:"
		groot 'systemctl --failed --no-legend' | sed 's/^/    /'
		;;
	*)
		fail "systemctl is-system-running: '$state'"
		return
		;;
	esac
	fstype=$(groot 'stat -fc %T /sys/fs/cgroup')
	[ "$fstype" = cgroup2fs ] || { fail "/sys/fs/cgroup is $fstype, not cgroup2"; return; }
	ctrl=$(groot 'cat /sys/fs/cgroup/cgroup.controllers')
	local c
	for c in memory pids; do
		grep -qw "$c" <<<"$ctrl" || { fail "no $c controller (have: $ctrl)"; return; }
	done
	[ "$(groot 'readlink /proc/1/exe')" = /usr/lib/systemd/systemd ] ||
		{ fail "pid 1 is not systemd"; return; }
	pass "$state, cgroup2 with $ctrl"
}

# (2) A user's ssh login works with the module in the stack, and logind
# tracks it: Service=sshd, its session-N.scope under user-UID.slice, and the
# login's own processes in that scope.
test_login_tracked() {
	local u=sbxvm1 uid h sid cg
	uid=$(uid_of $u) || { fail "no user $u"; return; }
	vm_ssh_bg h -u $u 'echo "SID=$XDG_SESSION_ID"; echo "CG=$(cat /proc/self/cgroup)"; echo READY; read x'
	if ! vm_ssh_bg_expect "$h" '^READY' 60; then
		fail "ssh login of $u failed: $(tr '\n' ' ' <"$VM_DIR/bg.$h.out")"
		vm_ssh_bg_end "$h"
		guest_why
		return
	fi
	sid=$(sed -n 's/^SID=//p' "$VM_DIR/bg.$h.out")
	cg=$(sed -n 's/^CG=//p' "$VM_DIR/bg.$h.out")
	local show sessions
	sessions=$(groot 'loginctl list-sessions --no-legend')
	show=$(groot "loginctl show-session '$sid' -p Service -p Scope -p Name -p State" 2>&1)
	local scope_cg
	scope_cg=$(groot "systemctl show -p ControlGroup --value session-$sid.scope" 2>&1)
	vm_ssh_bg_end "$h"

	echo "  session $sid: $(tr '\n' ' ' <<<"$show")"
	echo "  login cgroup: $cg"
	[ -n "$sid" ] || { fail "no XDG_SESSION_ID in the login (pam_systemd did not run?)"; return; }
	grep -qE "^ *$sid +$uid +$u " <<<"$sessions" ||
		{ fail "loginctl list-sessions does not list session $sid of $u: $sessions"; return; }
	grep -qx 'Service=sshd' <<<"$show" || { fail "session $sid: Service is not sshd"; return; }
	grep -qx "Scope=session-$sid.scope" <<<"$show" ||
		{ fail "session $sid: Scope is not session-$sid.scope"; return; }
	[ "$scope_cg" = "/user.slice/user-$uid.slice/session-$sid.scope" ] ||
		{ fail "session-$sid.scope is at '$scope_cg', not under user-$uid.slice"; return; }
	[ "$cg" = "0::$scope_cg" ] ||
		{ fail "the login's shell is in '$cg', not in its session scope $scope_cg"; return; }
	pass "session $sid, $scope_cg"
}

# (3) The sandbox is in effect for a login in the guest: its own pid
# namespace (few pids in /proc), the host name of the role's template, and
# a mount namespace of its own.
test_sandbox_effective() {
	[ "$module" = 1 ] || { skip "pam_sandbox is not in the stack (VM_MODULE=0)"; return; }
	local u=sbxvm1 out host npids pidns mntns
	out=$(guser $u 'echo "HOST=$(hostname)"; echo "NPIDS=$(ls -d /proc/[0-9]* | wc -l)";
		echo "PIDNS=$(readlink /proc/self/ns/pid)"; echo "MNTNS=$(readlink /proc/self/ns/mnt)"') ||
		{ fail "ssh login of $u failed (exit $?): $out"; guest_why; return; }
	host=$(sed -n 's/^HOST=//p' <<<"$out")
	npids=$(sed -n 's/^NPIDS=//p' <<<"$out")
	pidns=$(sed -n 's/^PIDNS=//p' <<<"$out")
	mntns=$(sed -n 's/^MNTNS=//p' <<<"$out")
	local host_pidns host_mntns host_npids
	host_pidns=$(groot 'readlink /proc/1/ns/pid')
	host_mntns=$(groot 'readlink /proc/1/ns/mnt')
	host_npids=$(groot 'ls -d /proc/[0-9]* | wc -l')
	echo "  in the login: hostname=$host, $npids pids, $pidns, $mntns"
	echo "  on the host:  $host_npids pids, $host_pidns, $host_mntns"
	local bad=()
	[ "$host" = "$u-sandbox" ] || bad+=("hostname '$host', expected '$u-sandbox'")
	[ -n "$pidns" ] && [ "$pidns" != "$host_pidns" ] || bad+=("no pid namespace of its own")
	[ -n "$mntns" ] && [ "$mntns" != "$host_mntns" ] || bad+=("no mount namespace of its own")
	[ -n "$npids" ] && [ "$npids" -le 10 ] || bad+=("/proc shows $npids pids (the guest has $host_npids)")
	if [ ${#bad[@]} -gt 0 ]; then
		fail "sandbox not in effect: $(IFS=';'; echo "${bad[*]}")"
		return
	fi
	pass "hostname $host, $npids pids in /proc"
}

# (4) The login is in the guest's audit trail (auditd runs as a unit):
# libpam's USER_START from sshd for that very login (its audit session id),
# successful.
test_audit_user_start() {
	local u=sbxvm1 uid ses out
	uid=$(uid_of $u)
	ses=$(guser $u 'cat /proc/self/sessionid') || { fail "ssh login of $u failed"; return; }
	case $ses in
	'' | 4294967295) fail "the login has no audit session id ('$ses'): pam_loginuid did not run"; return ;;
	esac
	groot 'systemctl is-active --quiet auditd' || { fail "auditd is not active"; return; }
	# --input-logs: without a tty, ausearch would read stdin.
	out=$(groot "ausearch -m USER_START --input-logs --session $ses -ua $uid </dev/null" 2>&1)
	if ! grep -E 'exe="/usr/sbin/sshd"' <<<"$out" | grep -q 'res=success'; then
		fail "no successful USER_START from sshd for $u ($uid), session $ses: $(tail -3 <<<"$out")"
		return
	fi
	pass "USER_START from sshd for $u, audit session $ses"
}

# (5) pam_sandbox's own start record for that login is in the trail:
# USER_START with op=sandbox-start or op=sandbox-join, with its role.
test_audit_sandbox_record() {
	[ "$module" = 1 ] || { skip "pam_sandbox is not in the stack (VM_MODULE=0)"; return; }
	local u=sbxvm1 uid ses out
	uid=$(uid_of $u)
	ses=$(guser $u 'cat /proc/self/sessionid') || { fail "ssh login of $u failed"; return; }
	out=$(groot "ausearch -m USER_START --input-logs --session $ses -ua $uid </dev/null" 2>&1)
	out=$(grep -E 'op=sandbox-(start|join)' <<<"$out")
	[ -n "$out" ] || { fail "no USER_START op=sandbox-start/join for $u, audit session $ses"; return; }
	grep -q 'res=success' <<<"$out" || { fail "sandbox record not res=success: $(tail -1 <<<"$out")"; return; }
	grep -q 'sandbox-role=developer' <<<"$out" || { fail "sandbox record without sandbox-role=developer: $out"; return; }
	pass "$(grep -o 'op=sandbox-[a-z]*' <<<"$out" | head -1) sandbox-role=developer, audit session $ses"
}

# ---- the systemd cgroup driver ----------------------------------------------
# pam_sandbox.conf gives the developer role memory = "256M", pids = 64,
# cpus = 0.5: the values below.
lim_mem=268435456
lim_pids=64

# hold_login VAR USER: a login of USER that stays open until
# vm_ssh_bg_end; VAR gets its handle.  Its output has SID= (logind's
# session), CG= (the shell's cgroup), PIDNS= (its pid namespace), READY.
# Returns 1 when the login did not come up in 60 s.
hold_login() {
	local __hl_var=$1 __hl_user=$2 __hl_h
	vm_ssh_bg __hl_h -u "$__hl_user" 'echo "SID=$XDG_SESSION_ID"; echo "CG=$(cat /proc/self/cgroup)";
		echo "PIDNS=$(readlink /proc/self/ns/pid)"; echo READY; read x'
	printf -v "$__hl_var" '%s' "$__hl_h"
	vm_ssh_bg_expect "$__hl_h" '^READY' 60
}

# held HANDLE KEY: the value of KEY= in a held login's output.
held() { sed -n "s/^$2=//p" "$VM_DIR/bg.$1.out" | head -1; }

# A held login that did not come up: say why, end it.
hold_failed() {
	fail "ssh login of $2 failed: $(tr '\n' ' ' <"$VM_DIR/bg.$1.out")"
	vm_ssh_bg_end "$1"
	guest_why
}

# (6) The role's limits are where systemd shows them: on user-UID.slice
# (SetUnitProperties over D-Bus) and on the login's session-N.scope (PAM
# data read by pam_systemd), in systemctl and in the kernel's files.
test_cgroup_limits() {
	[ "$module" = 1 ] || { skip "pam_sandbox is not in the stack (VM_MODULE=0)"; return; }
	local u=sbxvm1 uid h sid slice scope kern
	uid=$(uid_of $u)
	hold_login h $u || { hold_failed "$h" $u; return; }
	sid=$(held "$h" SID)
	slice=$(groot "systemctl show user-$uid.slice -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec" 2>&1)
	scope=$(groot "systemctl show session-$sid.scope -p MemoryMax -p TasksMax" 2>&1)
	kern=$(groot "cd /sys/fs/cgroup/user.slice/user-$uid.slice &&
		echo \"slice memory.max=\$(cat memory.max) pids.max=\$(cat pids.max) cpu.max=\$(cat cpu.max 2>&1)\" &&
		cd session-$sid.scope &&
		echo \"scope memory.max=\$(cat memory.max) pids.max=\$(cat pids.max)\"" 2>&1)
	vm_ssh_bg_end "$h"
	echo "  user-$uid.slice: $(tr '\n' ' ' <<<"$slice")"
	echo "  session-$sid.scope: $(tr '\n' ' ' <<<"$scope")"
	sed 's/^/  kernel: /' <<<"$kern"
	local bad=() want
	[ -n "$sid" ] || bad+=("no XDG_SESSION_ID in the login")
	for want in "MemoryMax=$lim_mem" "TasksMax=$lim_pids" "CPUQuotaPerSecUSec=500ms"; do
		grep -qx "$want" <<<"$slice" || bad+=("user-$uid.slice: not $want")
	done
	for want in "MemoryMax=$lim_mem" "TasksMax=$lim_pids"; do
		grep -qx "$want" <<<"$scope" || bad+=("session-$sid.scope: not $want")
	done
	grep -qx "slice memory.max=$lim_mem pids.max=$lim_pids cpu.max=50000 100000" <<<"$kern" ||
		bad+=("the slice's cgroup files disagree")
	grep -qx "scope memory.max=$lim_mem pids.max=$lim_pids" <<<"$kern" ||
		bad+=("the scope's cgroup files disagree")
	if [ ${#bad[@]} -gt 0 ]; then
		fail "$(IFS=';'; echo "${bad[*]}")"
		guest_why
		return
	fi
	pass "user-$uid.slice and session-$sid.scope: MemoryMax=$lim_mem TasksMax=$lim_pids, slice CPUQuota 500ms/s"
}

# (7) The sandbox's init (sandbox-init, pid 1 of the login's pid namespace)
# runs in pam-sandbox-UID.scope under user-UID.slice, an active unit; the
# login's shell stays in its session-N.scope.
test_sandbox_init_scope() {
	[ "$module" = 1 ] || { skip "pam_sandbox is not in the stack (VM_MODULE=0)"; return; }
	local u=sbxvm1 uid h sid cg pidns inits unit
	uid=$(uid_of $u)
	hold_login h $u || { hold_failed "$h" $u; return; }
	sid=$(held "$h" SID)
	cg=$(held "$h" CG)
	pidns=$(held "$h" PIDNS)
	# Every process in the login's pid namespace that is pid 1 there:
	# host pid, name, cgroup.
	inits=$(groot "for d in /proc/[0-9]*; do
		[ \"\$(readlink \$d/ns/pid 2>/dev/null)\" = '$pidns' ] || continue
		ns=\$(sed -n 's/^NSpid:.*[[:space:]]//p' \$d/status 2>/dev/null)
		[ \"\$ns\" = 1 ] || continue
		echo \"\${d#/proc/} \$(cat \$d/comm) \$(cat \$d/cgroup)\"
	done" 2>&1)
	unit=$(groot "systemctl show pam-sandbox-$uid.scope -p ActiveState -p Slice" 2>&1)
	vm_ssh_bg_end "$h"
	echo "  login $sid ($pidns): shell in $cg"
	echo "  pid 1 of the sandbox: $inits"
	echo "  pam-sandbox-$uid.scope: $(tr '\n' ' ' <<<"$unit")"
	local bad=()
	[ "$cg" = "0::/user.slice/user-$uid.slice/session-$sid.scope" ] ||
		bad+=("the login's shell is in '$cg', not session-$sid.scope")
	[ "$(wc -l <<<"$inits")" = 1 ] && [ -n "$inits" ] ||
		bad+=("not exactly one pid 1 in the login's pid namespace: '$inits'")
	local pid comm icg
	read -r pid comm icg <<<"$inits"
	[ "$comm" = sandbox-init ] || bad+=("pid 1 of the sandbox (host pid $pid) is '$comm', not sandbox-init")
	[ "$icg" = "0::/user.slice/user-$uid.slice/pam-sandbox-$uid.scope" ] ||
		bad+=("sandbox-init is in '$icg', not pam-sandbox-$uid.scope")
	grep -qx ActiveState=active <<<"$unit" || bad+=("pam-sandbox-$uid.scope is not active")
	grep -qx "Slice=user-$uid.slice" <<<"$unit" || bad+=("pam-sandbox-$uid.scope is not in user-$uid.slice")
	if [ ${#bad[@]} -gt 0 ]; then
		fail "$(IFS=';'; echo "${bad[*]}")"
		echo "  ---- guest: journalctl -u ssh (last 8 lines):"
		groot 'journalctl -q --no-pager -u ssh -n 8' 2>&1 | sed 's/^/    /'
		echo "  ---- guest: sandbox start records of $u:"
		groot "ausearch -m USER_START --input-logs -i -ua $uid </dev/null | grep 'op=sandbox' | tail -2" 2>&1 |
			sed 's/^/    /'
		return
	fi
	pass "sandbox-init (host pid $pid) in pam-sandbox-$uid.scope, shell in session-$sid.scope"
}

# (8) Two concurrent logins of one user: logind tracks both (each listed,
# each shell in its own session scope), and both are among the user's
# sessions.
test_two_sessions_tracked() {
	local u=sbxvm1 uid h1 h2 s1 s2 c1 c2 list sessions
	uid=$(uid_of $u)
	hold_login h1 $u || { hold_failed "$h1" $u; return; }
	if ! hold_login h2 $u; then
		vm_ssh_bg_end "$h1"
		hold_failed "$h2" $u
		return
	fi
	s1=$(held "$h1" SID)
	s2=$(held "$h2" SID)
	c1=$(held "$h1" CG)
	c2=$(held "$h2" CG)
	list=$(groot 'loginctl list-sessions --no-legend' 2>&1)
	sessions=$(groot "loginctl show-user $u -p Sessions --value" 2>&1)
	echo "  sessions $s1 and $s2 ($(held "$h1" PIDNS), $(held "$h2" PIDNS)); $u has: $sessions"
	vm_ssh_bg_end "$h2"
	vm_ssh_bg_end "$h1"
	local bad=() s
	[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" != "$s2" ] || bad+=("session ids '$s1' and '$s2'")
	for s in "$s1" "$s2"; do
		[ -n "$s" ] || continue
		grep -qE "^ *$s +$uid +$u " <<<"$list" || bad+=("loginctl list-sessions lacks $s")
		grep -qw "$s" <<<"$sessions" || bad+=("loginctl show-user $u lacks $s")
	done
	[ "$c1" = "0::/user.slice/user-$uid.slice/session-$s1.scope" ] || bad+=("first shell in '$c1'")
	[ "$c2" = "0::/user.slice/user-$uid.slice/session-$s2.scope" ] || bad+=("second shell in '$c2'")
	if [ ${#bad[@]} -gt 0 ]; then
		fail "$(IFS=';'; echo "${bad[*]}")"
		echo "  loginctl list-sessions:"
		sed 's/^/    /' <<<"$list"
		return
	fi
	pass "sessions $s1 and $s2 of $u both tracked"
}

# oom_kill count in memory.events of user-UID.slice (hierarchical: counts
# the kills in its scopes too).
oom_kills() {
	groot "sed -n 's/^oom_kill //p' /sys/fs/cgroup/user.slice/user-$1.slice/memory.events"
}

# (9) A memory hog above MemoryMax in a login is OOM-killed (the command
# dies of SIGKILL, oom_kill counts up) and sshd keeps serving.  A held login
# keeps user-UID.slice alive to read its counter.
test_memory_hog_oom() {
	[ "$module" = 1 ] || { skip "pam_sandbox is not in the stack (VM_MODULE=0)"; return; }
	local u=sbxvm1 uid h before after out rc
	uid=$(uid_of $u)
	hold_login h $u || { hold_failed "$h" $u; return; }
	before=$(oom_kills "$uid")
	# 400 MiB of string (touched) in a 256 MiB session; the guest has 2 GiB.
	out=$(vm_ssh -u $u -t 120 'perl -e "\$s = q(x) x (400 << 20); print qq(survived\n)"; echo "RC=$?"' 2>&1)
	rc=$?
	after=$(oom_kills "$uid")
	vm_ssh_bg_end "$h"
	echo "  hog: $(tr '\n' ' ' <<<"$out")(ssh $rc); oom_kill $before -> $after"
	local bad=()
	grep -q '^survived' <<<"$out" && bad+=("the 400 MiB hog survived")
	grep -qx 'RC=137' <<<"$out" || bad+=("the hog did not die of SIGKILL: $(tr '\n' ' ' <<<"$out")")
	[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] ||
		bad+=("oom_kill of user-$uid.slice did not count up ('$before' -> '$after')")
	local ok
	ok=$(vm_ssh -t 60 -u sbxvm2 'echo ALIVE' 2>&1)
	[ "$ok" = ALIVE ] || bad+=("sshd does not serve a new login after the hog: $ok")
	groot 'systemctl is-active --quiet ssh' || bad+=("ssh.service is not active")
	if [ ${#bad[@]} -gt 0 ]; then
		fail "$(IFS=';'; echo "${bad[*]}")"
		groot 'journalctl -q --no-pager -k -n 5 --grep "oom|Killed"' 2>&1 | sed 's/^/    /'
		return
	fi
	pass "hog killed (RC=137), oom_kill $before -> $after, sshd serves"
}

# (10) A fork bomb in a login stops at the pids limit: the session scope
# never holds more than TasksMax, fork fails (pids.events max), root can
# still log in meanwhile; once the bomb is killed the user logs in again.
test_fork_bomb_stopped() {
	[ "$module" = 1 ] || { skip "pam_sandbox is not in the stack (VM_MODULE=0)"; return; }
	local u=sbxvm1 uid h sid cmd
	uid=$(uid_of $u)
	# The bomb leads its own process group: the login kills the group when
	# its stdin closes (kill is a builtin: no fork needed at the limit).
	cmd=$(
		cat <<-'EOF'
			echo "SID=$XDG_SESSION_ID"
			perl -e 'setpgrp(0, 0); fork while 1' </dev/null >/dev/null 2>&1 &
			bomb=$!
			echo READY
			read x
			kill -KILL -- -$bomb
			kill -KILL -- -$bomb 2>/dev/null
			echo KILLED
		EOF
	)
	vm_ssh_bg h -u $u "$cmd"
	vm_ssh_bg_expect "$h" '^READY' 60 || { hold_failed "$h" $u; return; }
	sid=$(held "$h" SID)
	sleep 10
	local t0=$SECONDS st
	st=$(vm_ssh -t 90 "cd /sys/fs/cgroup/user.slice/user-$uid.slice &&
		echo \"scope \$(cat session-$sid.scope/pids.current) \$(sed -n 's/^max //p' session-$sid.scope/pids.events)\" &&
		echo \"slice \$(cat pids.current) \$(sed -n 's/^max //p' pids.events)\"" 2>&1)
	local t_root=$((SECONDS - t0))
	vm_ssh_bg_end "$h"
	echo "  during the bomb (root login in ${t_root}s): $(tr '\n' ' ' <<<"$st")"
	local bad=() cur ev sev
	read -r _ cur ev < <(grep '^scope ' <<<"$st")
	read -r _ _ sev < <(grep '^slice ' <<<"$st")
	if [ -z "$cur" ]; then
		bad+=("root could not read the session's pids during the bomb: $st")
	else
		[ "$cur" -le "$lim_pids" ] || bad+=("session-$sid.scope holds $cur tasks, above $lim_pids")
		[ "$((${ev:-0} + ${sev:-0}))" -gt 0 ] || bad+=("no fork refused by the pids limit (pids.events max 0)")
		[ "$cur" -ge $((lim_pids / 2)) ] || bad+=("only $cur tasks: the bomb did not run")
	fi
	grep -q '^KILLED' "$VM_DIR/bg.$h.out" || bad+=("the login did not get to kill its bomb")
	# Nothing of it left (failsafe in this disposable guest: kill by user).
	local left i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		left=$(groot "pgrep -u $uid -x perl | wc -l")
		[ "$left" = 0 ] && break
		sleep 1
	done
	if [ "$left" != 0 ]; then
		bad+=("$left bomb processes left after the login ended")
		groot "pkill -KILL -u $uid -x perl"
	fi
	local ok
	ok=$(vm_ssh -t 60 -u $u 'echo ALIVE' 2>&1)
	[ "$ok" = ALIVE ] || bad+=("a new login of $u after the bomb fails: $ok")
	if [ ${#bad[@]} -gt 0 ]; then
		fail "$(IFS=';'; echo "${bad[*]}")"
		return
	fi
	pass "session-$sid.scope held at $cur tasks, pids.events max $ev (slice $sev), root login in ${t_root}s, $u logs in again"
}

# ---- the bed -----------------------------------------------------------------

# Stage what the guest gets through the share: `make install DESTDIR=` of
# the host build, the test configuration, the setup script, the ssh key.
stage_share() {
	local img=$1
	stage=$(mktemp -d "${TMPDIR:-/tmp}/sbxvm-share.XXXXXX") || return 1
	mkdir -p "$stage/vm" "$stage/root"
	local pammoddir="" sbindir="" pkglibexecdir="" sysconfdir=""
	if [ "$module" = 1 ]; then
		[ -f "$builddir/Makefile" ] || { echo "vm: $builddir is not a configured build tree" >&2; return 1; }
		[ -f "$builddir/.libs/pam_sandbox.so" ] ||
			{ echo "vm: no $builddir/.libs/pam_sandbox.so: build the module first (make)" >&2; return 1; }
		local dirs
		dirs=$(make -s --no-print-directory -C "$builddir" -f Makefile -f - sbx-print-dirs <<<'sbx-print-dirs: ; @echo $(pammoddir) $(sbindir) $(pkglibexecdir) $(sysconfdir)') ||
			return 1
		read -r pammoddir sbindir pkglibexecdir sysconfdir <<<"$dirs"
		echo "vm: make install DESTDIR=<share> (module in $pammoddir, config in $sysconfdir/security)"
		make -s --no-print-directory -C "$builddir" install DESTDIR="$stage/root" >"$stage/install.log" 2>&1 ||
			{ cat "$stage/install.log" >&2; echo "vm: make install of $builddir failed" >&2; return 1; }
	fi
	cat >"$stage/vm/env" <<-EOF
		MODULE=$module
		PAMMODDIR='$pammoddir'
		SBINDIR='$sbindir'
		PKGLIBEXECDIR='$pkglibexecdir'
		SYSCONFDIR='$sysconfdir'
		TEST_USERS='$users'
	EOF
	cp "$here/guest-setup.sh" "$here/pam_sandbox.conf" "$stage/vm/"
	cp "$img/id_ed25519.pub" "$stage/vm/authorized_keys"
	chmod -R a+rX "$stage"
}

main() {
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	[ "$(id -u)" = 0 ] || unavailable "needs root (image build with debootstrap)"
	local t
	for t in qemu-system-x86_64 qemu-img debootstrap mkfs.ext4 ssh; do
		command -v "$t" >/dev/null 2>&1 ||
			unavailable "$t not found: apt-get install qemu-system-x86 qemu-utils debootstrap e2fsprogs openssh-client"
	done

	say "guest image"
	local img rc t0=$SECONDS
	img=$("$here/build-image.sh")
	rc=$?
	[ "$rc" = 77 ] && unavailable "the guest image cannot be built here (see above)"
	if [ "$rc" != 0 ]; then
		echo "vm: building the guest image failed" >&2
		echo "vm: 0 passed, 1 failed"
		exit 1
	fi
	local t_image=$((SECONDS - t0))

	say "share (builddir $builddir, module: $([ "$module" = 1 ] && echo in the stack || echo NOT in the stack))"
	if ! stage_share "$img"; then
		echo "vm: 0 passed, 1 failed"
		exit 1
	fi

	say "boot"
	t0=$SECONDS
	# A guest that does not come up is booted once more, from a fresh
	# overlay: under TCG on a loaded host a boot can stall (seen once: the
	# guest kernel's kauditd in a 164 s soft lockup).  Both are reported.
	local boot
	for boot in 1 2; do
		vm_start "$img" "$stage"
		rc=$?
		[ "$rc" = 77 ] && unavailable "qemu cannot be run here"
		if [ "$rc" = 0 ] && vm_wait 180; then
			break
		fi
		vm_stop
		if [ "$boot" = 2 ]; then
			echo "vm: the guest did not come up (twice)"
			echo "vm: 0 passed, 1 failed"
			exit 1
		fi
		echo "vm: the guest did not come up; booting it once more"
	done
	local t_boot=$((SECONDS - t0))

	say "setup in the guest"
	if ! groot 'mkdir -p /mnt/host && mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostshare /mnt/host &&
		bash /mnt/host/vm/guest-setup.sh /mnt/host'; then
		echo "vm: setting up the guest failed"
		echo "vm: 0 passed, 1 failed"
		exit 1
	fi

	say "tests"
	local t_tests=$SECONDS
	local all="systemd_host login_tracked sandbox_effective audit_user_start audit_sandbox_record
		cgroup_limits sandbox_init_scope two_sessions_tracked memory_hog_oom fork_bomb_stopped"
	local name
	for name in ${VM_TESTS:-$all}; do
		current=$name
		echo "---- $name"
		"test_$name"
	done
	t_tests=$((SECONDS - t_tests))

	say "summary"
	printf '%s\n' "${results[@]}"
	echo "vm: timings: image ${t_image}s, boot to ssh ${t_boot}s, tests ${t_tests}s, total $((SECONDS - t_run))s"
	echo "vm: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}

# Sourced (for debugging by hand), it only defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main
fi
