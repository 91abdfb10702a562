#!/bin/sh
# Confinement through pam_sandbox.so, checked from inside real ssh logins
# (issue 3, item 10).  A throwaway sshd on 127.0.0.1 runs the stack
#   session required pam_loginuid.so
#   session required <builddir>/.libs/pam_sandbox.so conf=<test config> debug
# with the config tests/e2e/confinement.conf.in, and test users in each role:
# two developers, a restricted contractor and an exempt admin.
#
# Each test_* function checks one property and says what broke; the checks
# compare with what the host shows, so each fails if the feature is removed.
#
# Not in TESTS yet (see tests/e2e/e2e.am): run by hand as root with
#   make -C BUILDDIR pam_sandbox_test.la sandbox-init sandboxctl
#   top_builddir=BUILDDIR bash tests/e2e/confinement.sh [test_name...]
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/sshd.sh"
sbx_require_root
sbx_require_cmd ssh sftp scp capsh python3 sudo unshare pgrep
if [ ! -e "$SBX_MODULE" ]; then
	echo "ERROR: $SBX_MODULE not built (set top_builddir or SBX_MODULE)"
	exit 99
fi
SBX_CTL=${SBX_CTL:-$top_builddir/sandboxctl}

num=$((16#$SBX_RUN))                 # a number unique to this run, for argv markers
state_dir=/run/pam_sandbox-test-$SBX_RUN

sbx_tmpdir
conf=$SBX_TMP/pam_sandbox.conf

# Undo everything the module may have left: sandboxes (through sandboxctl
# when it is built), then mounts and files below the test's state directory.
cleanup_state_dir() {
	local mp
	if [ -x "$SBX_CTL" ]; then
		"$SBX_CTL" -c "$conf" gc >/dev/null 2>&1
	fi
	[ -d "$state_dir" ] || return 0
	awk -v d="$state_dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mp; do umount -l "$mp"; done
	rm -rf --one-file-system "$state_dir"
}
stop_sandboxes() {
	local u
	[ -x "$SBX_CTL" ] || return 0
	for u in "${SBX_USERS[@]}"; do
		"$SBX_CTL" -c "$conf" stop "$u" >/dev/null 2>&1
	done
	return 0
}
sbx_on_exit cleanup_state_dir

sbx_group_add contractors contractors || exit 99
sbx_group_add admins admins || exit 99
sbx_user_add dev1 || exit 99
sbx_user_add dev2 || exit 99
sbx_user_add con "$contractors" || exit 99
sbx_user_add adm "$admins" || exit 99
sbx_on_exit stop_sandboxes

sed -e "s|@STATE_DIR@|$state_dir|" -e "s|@CONTRACTORS@|$contractors|" \
	-e "s|@ADMINS@|$admins|" "$here/confinement.conf.in" >"$conf"
cp "$conf" "$conf.good"
if [ -x "$SBX_CTL" ]; then
	"$SBX_CTL" check -c "$conf" || { echo "ERROR: the test config does not pass sandboxctl check"; exit 99; }
fi

sbx_syslog_start || exit 99
sbx_pam_stack_sandbox "$SBX_TMP/pam-stack" "$conf"
sbx_sshd_start "$SBX_TMP/pam-stack" "$dev1" || exit 99

# What the host itself shows, to compare with.
host_name=$(uname -n)
host_init=$(tr '\0' ' ' </proc/1/cmdline)
host_pidns=$(readlink /proc/self/ns/pid)
host_netns=$(readlink /proc/self/ns/net)

# A host pid of a process whose argv contains MARKER, owned by USER.
# Fails when there is none.
host_pid_of() {
	local p
	p=$(pgrep -u "$1" -f -- "$2") || return 1
	echo "${p%%$'\n'*}"
}

# ---------------------------------------------------------------------------

test_other_home_and_processes_invisible() {
	local out pid
	sbx_ssh "$dev2" "sleep 600.$num" </dev/null >/dev/null 2>&1 &
	sbx_bg $!
	sbx_wait_for host_pid_of "$dev2" "sleep 600.$num" >/dev/null ||
		{ sbx_fail "could not start a process of $dev2"; return 1; }
	[ -d "/home/$dev2" ] || { sbx_fail "host: /home/$dev2 missing"; return 1; }

	out=$(sbx_ssh "$dev1" 'ls -a /home; echo ---; test -e /home/'"$dev2"' && echo OTHER-HOME-VISIBLE; echo ---; ps -eo uid=,args=') ||
		{ sbx_fail "ssh as $dev1 failed"; return 1; }
	sbx_expect_match "$out" "^$dev1\$" "own home listed in /home"
	sbx_expect_nomatch "$out" "$dev2" "another user's home or processes visible"
	sbx_expect_nomatch "$out" "OTHER-HOME-VISIBLE" "/home/$dev2 exists inside the sandbox"
	sbx_expect_nomatch "$out" "^ *$(id -u "$dev2") " "a process of uid $(id -u "$dev2") is visible"
	sbx_expect_nomatch "$out" "sleep 600\\.$num" "$dev2's sleep is visible"
	pid=$(host_pid_of "$dev2" "sleep 600.$num")
	[ -n "$pid" ] && kill "$pid"
	return 0
}

test_usr_read_only() {
	local out d
	out=$(sbx_ssh "$dev1" 'for d in /usr /etc; do touch $d/sbxt-probe-'"$num"' 2>&1; done; grep -E " /(usr|etc) " /proc/self/mountinfo')
	for d in /usr /etc; do
		sbx_expect_match "$out" "$d/sbxt-probe-$num.*Read-only file system" "writing below $d must fail with EROFS"
		sbx_expect_match "$out" "^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ $d (ro,|ro )" "$d mounted read-only in the sandbox"
		[ -e "$d/sbxt-probe-$num" ] && { rm -f "$d/sbxt-probe-$num"; sbx_fail "$d/sbxt-probe-$num was created"; }
	done
	return 0
}

test_own_home_writable() {
	local out
	out=$(sbx_ssh "$dev1" 'echo written-'"$num"' > ~/written && cat ~/written; readlink /proc/self/ns/mnt' 2>&1)
	sbx_expect_eq "$(echo "$out" | sed -n 1p)" "written-$num" "write and read back in the own home"
	[ "$(echo "$out" | sed -n 2p)" != "$(readlink /proc/self/ns/mnt)" ] ||
		sbx_fail "the session runs in the host's mount namespace"
	sbx_expect_eq "$(cat "/home/$dev1/written" 2>/dev/null)" "written-$num" \
		"the file written inside is in the real home on the host"
}

test_tmp_private_and_shared() {
	local a_out=$SBX_TMP/tmp-a.out out f=/tmp/sbxt-shared-$num
	# Session A waits for the file, prints it, and stays a little longer.
	sbx_ssh "$dev1" 'for i in $(seq 100); do if [ -f '"$f"' ]; then cat '"$f"'; sleep 3; exit 0; fi; sleep 0.1; done; echo TIMEOUT' \
		</dev/null >"$a_out" 2>&1 &
	local a=$!
	sbx_bg $a
	sbx_wait_for host_pid_of "$dev1" "sbxt-shared-$num" >/dev/null ||
		{ sbx_fail "session A did not start"; return 1; }
	# Session B, concurrent with A, writes it.
	sbx_ssh "$dev1" "echo from-b-$num > $f" || sbx_fail "session B could not write $f"
	sbx_wait_for grep -q "from-b-$num" "$a_out" ||
		sbx_fail "session A did not see B's $f: $(cat "$a_out")"
	[ -e "$f" ] && { rm -f "$f"; sbx_fail "$f of the sandbox appears in the host's /tmp"; }
	out=$(sbx_ssh "$dev2" "test -e $f && echo VISIBLE-TO-DEV2; echo done")
	sbx_expect_nomatch "$out" VISIBLE-TO-DEV2 "another user sees $dev1's /tmp"
	wait "$a" 2>/dev/null
	return 0
}

test_hostname_from_template() {
	local out
	out=$(sbx_ssh "$dev1" 'uname -n')
	sbx_expect_eq "$out" "$dev1-sandbox" "hostname inside"
	sbx_expect_eq "$(uname -n)" "$host_name" "host's hostname unchanged"
}

connect_cmd='if (exec 3<>/dev/tcp/127.0.0.1/PORT) 2>/dev/null; then echo CONNECTED; else echo NO-CONNECT; fi'

test_restricted_network_none() {
	local cmd out
	cmd=${connect_cmd//PORT/$SBX_SSHD_PORT}
	out=$(sbx_ssh "$dev1" "$cmd")
	sbx_expect_eq "$out" CONNECTED "control: a developer (network host) reaches the test sshd"
	out=$(sbx_ssh "$con" "$cmd; echo ---; awk 'NR > 2 { sub(\":\", \"\", \$1); print \$1 }' /proc/self/net/dev; echo ---; readlink /proc/self/ns/net")
	sbx_expect_match "$out" '^NO-CONNECT$' "a restricted user must not reach 127.0.0.1:$SBX_SSHD_PORT"
	sbx_expect_nomatch "$out" '^CONNECTED$' "a restricted user reached the test sshd"
	# No interface but loopback: no address outside the namespace is reachable.
	sbx_expect_eq "$(echo "$out" | sed -n '/^---$/,/^---$/p' | grep -v '^---$' | tr '\n' ' ')" "lo " \
		"network interfaces of a restricted user"
	[ "$(echo "$out" | tail -n1)" != "$host_netns" ] ||
		sbx_fail "restricted user shares the host's network namespace"
}

test_empty_bounding_set() {
	local u out capsh
	capsh=$(command -v capsh) # in /usr/sbin, not in a user's PATH
	for u in "$dev1" "$con"; do
		out=$(sbx_ssh "$u" "$capsh --print | grep \"^Bounding set\"; grep ^CapBnd /proc/self/status")
		sbx_expect_match "$out" '^Bounding set =$' "capsh bounding set of $u"
		sbx_expect_match "$out" '^CapBnd:[[:space:]]+0+$' "CapBnd of $u"
	done
}

test_no_new_privs_sudo() {
	local drop=/etc/sudoers.d/sbxt-$SBX_RUN out
	printf '%s ALL=(ALL) NOPASSWD: ALL\n' "$con" >"$drop"
	chmod 0440 "$drop"
	sbx_on_exit rm -f "$drop"
	# Control: the rule works outside the sandbox.
	out=$(runuser -u "$con" -- sudo -n id -u 2>&1)
	sbx_expect_eq "$out" 0 "control: sudo rule for $con works on the host"
	out=$(sbx_ssh "$con" 'grep ^NoNewPrivs /proc/self/status; sudo -n id -u 2>&1; echo "rc=$?"')
	sbx_expect_match "$out" '^NoNewPrivs:[[:space:]]+1$' "no_new_privs set for a restricted user"
	sbx_expect_nomatch "$out" '^0$' "sudo gave root to a restricted user"
	sbx_expect_nomatch "$out" '^rc=0$' "sudo succeeded for a restricted user"
	rm -f "$drop"
}

test_unshare_cannot_reveal_hidden() {
	local out marker=/root/sbxt-hidden-$num
	touch "$marker"
	sbx_on_exit rm -f "$marker"
	out=$(sbx_ssh "$dev1" 'unshare -Urm sh -c "echo UNSHARE-RAN; umount /home 2>/dev/null; umount -l /home 2>/dev/null; umount /root 2>/dev/null; umount -l /root 2>/dev/null; ls -a /home /root 2>&1"' 2>&1)
	if ! printf '%s\n' "$out" | grep -q UNSHARE-RAN; then
		echo "    note: unshare -Urm not permitted in the sandbox ($(echo "$out" | head -n1)); nothing to reveal"
	fi
	sbx_expect_nomatch "$out" "$dev2" "umount in a user namespace revealed /home/$dev2"
	sbx_expect_nomatch "$out" "sbxt-hidden-$num" "umount in a user namespace revealed /root"
	rm -f "$marker"
}

test_linger() {
	local pid i gone=0 seen=0
	# linger on (developer): nohup survives logout.
	sbx_ssh "$dev1" "nohup sleep 700.$num </dev/null >/dev/null 2>&1 &" </dev/null >/dev/null 2>&1 ||
		sbx_fail "ssh as $dev1 failed"
	sleep 2
	pid=$(host_pid_of "$dev1" "sleep 700.$num")
	[ -n "$pid" ] || sbx_fail "linger on: nohup sleep of $dev1 did not survive logout"
	[ -n "$pid" ] && kill "$pid"

	# linger off (restricted): the last logout ends it.  The session stays
	# 2 s so the host can see the process exists before logout.
	sbx_ssh "$con" "nohup sleep 701.$num </dev/null >/dev/null 2>&1 & sleep 2" </dev/null >/dev/null 2>&1 &
	local s=$!
	sbx_bg $s
	sbx_wait_for host_pid_of "$con" "sleep 701.$num" >/dev/null && seen=1
	wait "$s" 2>/dev/null
	[ "$seen" = 1 ] || sbx_fail "linger off: the nohup sleep of $con never ran"
	for ((i = 0; i < 100; i++)); do
		host_pid_of "$con" "sleep 701.$num" >/dev/null || { gone=1; break; }
		sleep 0.1
	done
	if [ "$gone" = 0 ]; then
		pid=$(host_pid_of "$con" "sleep 701.$num")
		sbx_fail "linger off: nohup sleep of $con survives logout (10 s): $(ps -o pid=,ppid=,args= -p "$pid")"
		[ -n "$pid" ] && kill "$pid"
	fi
	return 0
}

test_sftp_lands_in_sandbox() {
	local out
	printf 'ls -1 /home\nget /home/%s/.profile %s/stolen\n' "$dev2" "$SBX_TMP" >"$SBX_TMP/sftp-batch-1"
	printf 'ls -1 /home\n' >"$SBX_TMP/sftp-batch-2"
	runuser -u "$dev1" -- test -r "/home/$dev2/.profile" ||
		echo "    note: $dev1 cannot read /home/$dev2/.profile even on the host; the get check is weaker"
	out=$(sbx_sftp "$dev1" "$SBX_TMP/sftp-batch-1" 2>&1)
	[ -e "$SBX_TMP/stolen" ] && sbx_fail "sftp read /home/$dev2/.profile"
	out=$(sbx_sftp "$dev1" "$SBX_TMP/sftp-batch-2" 2>&1) || sbx_fail "sftp ls failed: $out"
	sbx_expect_match "$out" "/home/$dev1" "sftp ls /home shows the own home"
	sbx_expect_nomatch "$out" "$dev2|$con|$adm" "sftp ls /home shows other homes"
}

test_ssh_command_lands_in_sandbox() {
	local out
	out=$(sbx_ssh "$dev1" 'tr "\0" " " </proc/1/cmdline; echo; readlink /proc/self/ns/pid; ls /proc | grep -c "^[0-9]"; cat /proc/self/loginuid; echo')
	[ "$(echo "$out" | sed -n 1p)" != "$host_init" ] || sbx_fail "pid 1 inside is the host's init"
	[ "$(echo "$out" | sed -n 2p)" != "$host_pidns" ] || sbx_fail "ssh command runs in the host's pid namespace"
	[ "$(echo "$out" | sed -n 3p)" -lt 20 ] 2>/dev/null ||
		sbx_fail "/proc inside shows $(echo "$out" | sed -n 3p) processes (host: $(ls /proc | grep -c '^[0-9]'))"
	sbx_expect_eq "$(echo "$out" | sed -n 4p)" "$(id -u "$dev1")" "loginuid inside the sandbox"
}

test_broken_config_refuses_login() {
	local out rc
	sed 's/private_tmp = true/private_tmpp = true/' "$conf.good" >"$conf"
	out=$(sbx_ssh "$dev1" 'echo LOGGED-IN' 2>&1)
	rc=$?
	sbx_expect_nomatch "$out" LOGGED-IN "login with a broken config must be refused"
	[ "$rc" != 0 ] || sbx_fail "ssh exit status 0 with a broken config"
	sbx_log_wait "pam_sandbox.*($dev1|private_tmpp)" ||
		sbx_fail "no pam_sandbox syslog line naming $dev1 or the bad key; syslog: $(sbx_log_grep pam_sandbox | tail -n 5)"
	kill -0 "$SBX_SSHD_PID" 2>/dev/null || sbx_fail "sshd died"
	cp "$conf.good" "$conf"
	out=$(sbx_ssh "$dev1" 'echo LOGGED-IN' 2>&1)
	sbx_expect_eq "$out" LOGGED-IN "login after the config is fixed"
}

test_exempt_admin_not_confined() {
	local out
	out=$(sbx_ssh "$adm" 'tr "\0" " " </proc/1/cmdline; echo; readlink /proc/self/ns/pid; uname -n; ls /home')
	sbx_expect_eq "$(echo "$out" | sed -n 1p)" "$host_init" "admin sees the host's pid 1"
	sbx_expect_eq "$(echo "$out" | sed -n 2p)" "$host_pidns" "admin's pid namespace"
	sbx_expect_eq "$(echo "$out" | sed -n 3p)" "$host_name" "admin's hostname"
	sbx_expect_match "$out" "^$dev1\$" "admin sees other homes"
}

all_tests=(
	test_other_home_and_processes_invisible
	test_usr_read_only
	test_own_home_writable
	test_tmp_private_and_shared
	test_hostname_from_template
	test_restricted_network_none
	test_empty_bounding_set
	test_no_new_privs_sudo
	test_unshare_cannot_reveal_hidden
	test_linger
	test_sftp_lands_in_sandbox
	test_ssh_command_lands_in_sandbox
	test_broken_config_refuses_login
	test_exempt_admin_not_confined
)
[ $# -gt 0 ] && all_tests=("$@")
for t in "${all_tests[@]}"; do sbx_test "$t"; done
sbx_finish
