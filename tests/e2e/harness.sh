#!/bin/sh
# Self-test of the end-to-end harness (tests/lib/sshd.sh), without
# pam_sandbox: a throwaway sshd with a PAM stack of its own, a real user with
# a key, logins by ssh (with and without a pty), sftp (internal-sftp and
# sftp-server) and scp; then, from outside, that everything was undone and
# that the host's /etc/pam.d/sshd did not change.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/sshd.sh"
sbx_require_root
sbx_require_cmd ssh sftp scp python3 /usr/sbin/sshd

# ---- the inner run: uses the harness, records what it made -----------------
if [ "${1:-}" = --inner ]; then
	record=$2
	sbx_tmpdir
	sbx_group_add grp extra || exit 1
	sbx_user_add alice "$grp" || exit 1
	sbx_syslog_start || exit 1
	sbx_pam_stack_permit "$SBX_TMP/pam-stack"
	sbx_sshd_start "$SBX_TMP/pam-stack" || exit 1
	{
		echo "user=$alice"
		echo "group=$grp"
		echo "tmp=$SBX_TMP"
		echo "sshd_pid=$SBX_SSHD_PID"
		echo "pam_file=/etc/pam.d/$SBX_SSHD_NAME"
	} >"$record"

	test_login() {
		local out
		out=$(sbx_ssh "$alice" 'id -un; id -Gn; pwd') || sbx_fail "ssh login failed"
		sbx_expect_eq "$(echo "$out" | sed -n 1p)" "$alice" "user name"
		sbx_expect_match "$(echo "$out" | sed -n 2p)" "(^| )$grp( |$)" "supplementary group"
		sbx_expect_eq "$(echo "$out" | sed -n 3p)" "/home/$alice" "working directory"
		sbx_sshd_log_grep "Accepted publickey for $alice" >/dev/null ||
			sbx_fail "sshd log has no 'Accepted publickey for $alice'"
	}

	# pam_loginuid sets the login uid only when our own /etc/pam.d file is
	# the stack sshd used (the fallback "other" stack has no pam_loginuid).
	test_own_pam_service() {
		local out
		out=$(sbx_ssh "$alice" 'cat /proc/self/loginuid') || sbx_fail "ssh failed"
		sbx_expect_eq "$out" "$(id -u "$alice")" "loginuid set by the test stack"
	}

	test_command_exit_status() {
		sbx_ssh "$alice" 'exit 3'
		sbx_expect_eq "$?" 3 "exit status of the remote command"
		sbx_ssh "$alice" 'echo hello >&2' 2>&1 | grep -q hello || sbx_fail "stderr not forwarded"
	}

	test_pty() {
		local out
		out=$(sbx_ssh_tt "$alice" 'tty' </dev/null | tr -d '\r') || sbx_fail "ssh -tt failed"
		sbx_expect_match "$out" '^/dev/pts/[0-9]+$' "pty allocated"
	}

	test_sftp() {
		local out
		echo "sftp payload $SBX_RUN" >"$SBX_TMP/up"
		cat >"$SBX_TMP/batch" <<-EOF
			put $SBX_TMP/up upload.txt
			ls -1
			get upload.txt $SBX_TMP/down
		EOF
		out=$(sbx_sftp "$alice" "$SBX_TMP/batch" 2>&1) || sbx_fail "sftp failed: $out"
		sbx_expect_match "$out" 'upload\.txt' "sftp ls shows the uploaded file"
		cmp -s "$SBX_TMP/up" "$SBX_TMP/down" || sbx_fail "sftp round trip differs"
		cmp -s "$SBX_TMP/up" "/home/$alice/upload.txt" || sbx_fail "sftp upload not in the home"
	}

	test_scp() {
		local flags
		echo "scp payload $SBX_RUN" >"$SBX_TMP/scp-up"
		for flags in "" -O; do
			rm -f "$SBX_TMP/scp-down"
			SBX_SCP_FLAGS=$flags sbx_scp "$alice" "$SBX_TMP/scp-up" :scp.txt ||
				sbx_fail "scp $flags upload failed"
			SBX_SCP_FLAGS=$flags sbx_scp "$alice" :scp.txt "$SBX_TMP/scp-down" ||
				sbx_fail "scp $flags download failed"
			cmp -s "$SBX_TMP/scp-up" "$SBX_TMP/scp-down" || sbx_fail "scp $flags round trip differs"
		done
	}

	test_sftp_server_variant() {
		local out
		sbx_sshd_stop
		SBX_SFTP=external sbx_sshd_start "$SBX_TMP/pam-stack" || { sbx_fail "restart failed"; return 1; }
		grep -q '^Subsystem sftp /usr/lib/openssh/sftp-server$' "$SBX_TMP/sshd_config" ||
			sbx_fail "sshd_config does not use sftp-server"
		printf 'ls -1\n' >"$SBX_TMP/batch2"
		out=$(sbx_sftp "$alice" "$SBX_TMP/batch2" 2>&1) || sbx_fail "sftp (sftp-server) failed: $out"
		sbx_expect_match "$out" 'upload\.txt' "sftp-server ls"
		echo "sshd_pid2=$SBX_SSHD_PID" >>"$record"
	}

	test_syslog_capture() {
		logger -p authpriv.notice "sbxt-harness-$SBX_RUN marker" ||
			{ sbx_fail "logger failed"; return 1; }
		sbx_log_wait "sbxt-harness-$SBX_RUN marker" ||
			sbx_fail "a line sent to syslog is not found by sbx_log_grep (mode $SBX_SYSLOG_MODE)"
		sbx_log_grep "sbxt-harness-never-logged-$SBX_RUN" >/dev/null &&
			sbx_fail "sbx_log_grep matches a line never logged"
		return 0
	}

	sbx_test test_login
	sbx_test test_own_pam_service
	sbx_test test_command_exit_status
	sbx_test test_pty
	sbx_test test_sftp
	sbx_test test_scp
	sbx_test test_syslog_capture
	sbx_test test_sftp_server_variant
	sbx_finish
fi

# ---- the outer run ----------------------------------------------------------
sum_before=$(sha256sum /etc/pam.d/sshd 2>/dev/null)
record=$(mktemp /tmp/sbxt-harness-record.XXXXXX)
trap 'rm -f "$record"' EXIT

bash "$0" --inner "$record"
rc=$?
echo "inner run exited $rc"
. "$record"

fail=0
check() { if eval "$2"; then echo "PASS: $1"; else echo "FAIL: $1"; fail=1; fi; }
check "inner run recorded what it made" '[ -n "${user:-}" ] && [ -n "${sshd_pid:-}" ]'
check "host /etc/pam.d/sshd unchanged" '[ "$(sha256sum /etc/pam.d/sshd 2>/dev/null)" = "$sum_before" ]'
check "test user removed" '! id "$user" >/dev/null 2>&1'
check "test user home removed" '[ ! -e "/home/$user" ]'
check "test group removed" '! getent group "$group" >/dev/null'
check "test PAM service file removed" '[ ! -e "$pam_file" ]'
check "temporary directory removed" '[ ! -e "$tmp" ]'
check "sshd stopped" '! kill -0 "$sshd_pid" 2>/dev/null && ! kill -0 "${sshd_pid2:-$sshd_pid}" 2>/dev/null'
[ "$rc" = 0 ] || fail=1
[ "$fail" = 0 ] || exit 1
exit 0
