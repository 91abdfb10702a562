#!/bin/sh
# End-to-end audit trail (issue 5, item 8): log in over a real, throwaway sshd
# (tests/lib/sshd.sh) with pam_loginuid + pam_sandbox as a developer (TTY
# audit on) and as a restricted user, run commands including a denied one,
# log out; then answer the auditor's questions from a real auditd:
#   ausearch --session N -i     sandbox-start with role and limits, the
#                               EXECVE records, the denial, sandbox-stop with usage
#   ausearch -ua USER           the same person across sessions
#   aureport --tty              what the developer typed
#   sandboxctl report --session N --json
# Our kernel rules are the shipped ones restricted to the test users' uids,
# added with auditctl and deleted exactly (auditctl -d) at exit.  Root only.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/sshd.sh"
. "$here/auditd-lib.sh"
sbx_require_root
sbx_require_cmd ssh /usr/sbin/sshd ausearch aureport auditctl
audit_skip_unless_ready
[ -e "$SBX_MODULE" ] || { echo "SKIP: $SBX_MODULE not built"; exit 77; }
REPORT=$top_builddir/sandboxctl
[ -x "$REPORT" ] || REPORT=$top_builddir/tests/audit/report-cli

sbx_tmpdir
# The (empty) cgroup parent the module makes below ours, in every hierarchy:
# pushed before the users, so it runs after they and their processes are gone.
sbx_on_exit 'find /sys/fs/cgroup -depth -type d -name "$SBX_NAME_PREFIX-audit" -exec rmdir {} \; 2>/dev/null; true'
sbx_on_exit audit_cleanup_rules
sbx_group_add restricted_grp restricted || exit 1
sbx_user_add dev || exit 1
sbx_user_add rst "$restricted_grp" || exit 1
dev_uid=$(id -u "$dev")
rst_uid=$(id -u "$rst")

conf=$SBX_TMP/pam_sandbox.conf
cat >"$conf" <<EOF
settings = { on_error = "deny"; cgroup_driver = "cgroupfs"; cgroup_nested = true;
  cgroup_parent = "$SBX_NAME_PREFIX-audit"; state_dir = "$SBX_TMP/state"; audit_required = true; };
assign = {
  groups = ( { name = "$restricted_grp"; role = "restricted"; } );
  default = "developer";
};
roles = {
  developer = {
    namespaces = [ "mount", "ipc", "uts", "pid" ];
    filesystem = { private_tmp = true; hidden = [ "/root" ]; };
    limits = { memory = "2G"; pids = 256; };
    audit = { tty = true; log_passwd = false; };
    session = { linger = false; };  # each login below starts its own sandbox
  };
  restricted = {
    inherits = "developer";
    network = "none";
    limits = { memory = "512M"; pids = 64; };
    audit = { tty = false; };
  };
};
EOF

for uid in "$dev_uid" "$rst_uid"; do
	grep '^-a ' "$top_srcdir/conf/audit/pam_sandbox.rules" |
		sed -e 's/^-a //' -e "s/-F auid>=1000 -F auid!=unset/-F auid=$uid/" >"$SBX_TMP/rules.$uid"
	while IFS= read -r rule; do
		# shellcheck disable=SC2086
		audit_add_rule $rule || { echo "FAIL: auditctl rejects $rule"; exit 1; }
	done <"$SBX_TMP/rules.$uid"
done

sbx_syslog_start || exit 1
sbx_pam_stack_sandbox "$SBX_TMP/pam-stack" "$conf"
sbx_sshd_start "$SBX_TMP/pam-stack" || exit 1

# The audit session id of USER's latest sandbox-start.
session_of() {
	ausearch -ua "$1" -m USER_START --input-logs --raw </dev/null 2>/dev/null |
		grep 'op=sandbox-' | sed -n 's/.* ses=\([0-9]*\) .*/\1/p' | tail -1
}

test_developer_session() {
	local ses out
	printf 'echo typed-by-dev-%s\ncat /etc/shadow\nexit\n' "$SBX_RUN" |
		sbx_ssh_tt "$dev" >/dev/null 2>&1
	ses=$(session_of "$dev_uid")
	[ -n "$ses" ] || { sbx_fail "no sandbox-start for $dev"; return 1; }
	# This login's own stop (auditd writes asynchronously; an earlier
	# login of the same uid has a stop record too).
	audit_wait "op=sandbox-stop" --session "$ses" -m USER_END -i || sbx_fail "no sandbox-stop for $dev"
	out=$(ausearch --session "$ses" -i --input-logs </dev/null 2>&1)
	sbx_expect_match "$out" "op=sandbox-start acct=$dev sandbox=[^ ]+ sandbox-role=developer" "start with role"
	sbx_expect_match "$out" "mem-max=2147483648 pids-max=256" "limits in the start record"
	sbx_expect_match "$out" "mntns=[0-9]+ pidns=[0-9]+" "namespace inodes"
	sbx_expect_match "$out" "addr=127.0.0.1" "from"
	sbx_expect_match "$out" "type=EXECVE .*a0=cat a1=/etc/shadow" "the command run"
	sbx_expect_match "$out" "syscall=openat .*exit=EACCES.*key=sandbox-denied" "the denial"
	sbx_expect_match "$out" "op=sandbox-stop .*mem-peak=[0-9]+ .*reason=logout.*res=success" "stop with usage"
	out=$(ausearch -ua "$dev" --input-logs -i </dev/null 2>&1)
	sbx_expect_match "$out" "ses=$ses .*op=sandbox-start" "ausearch -ua USER"
	out=$(ausearch --session "$ses" --raw --input-logs </dev/null 2>/dev/null | aureport --tty -i 2>&1)
	sbx_expect_match "$out" "typed-by-dev-$SBX_RUN" "aureport --tty shows what was typed"
	out=$("$REPORT" report --session "$ses" --json 2>&1)
	sbx_expect_match "$out" "\"session\":$ses,.*\"user\":\"$dev\"" "report: session and user"
	sbx_expect_match "$out" "\"role\":\"developer\"" "report: role"
	sbx_expect_match "$out" "\"argv\":\[\"cat\",\"/etc/shadow\"\]" "report: command"
	sbx_expect_match "$out" "\"type\":\"deny\"[^}]*\"path\":\"/etc/shadow\"" "report: denial"
	sbx_expect_match "$out" "\"usage\":\{\"mem-peak\":[0-9]+" "report: usage"
}

test_restricted_session() {
	local ses out
	sbx_ssh "$rst" 'cat /etc/shadow; true' >/dev/null 2>&1
	ses=$(session_of "$rst_uid")
	[ -n "$ses" ] || { sbx_fail "no sandbox-start for $rst"; return 1; }
	audit_wait "op=sandbox-stop" --session "$ses" -m USER_END -i || sbx_fail "no sandbox-stop for $rst"
	out=$(ausearch --session "$ses" -i --input-logs </dev/null 2>&1)
	sbx_expect_match "$out" "sandbox-role=restricted .*mem-max=536870912 pids-max=64" "restricted role and limits"
	sbx_expect_match "$out" "exit=EACCES.*key=sandbox-denied" "restricted denial"
	sbx_expect_nomatch "$out" "type=TTY" "no TTY records for a role without audit.tty"
}

for t in test_developer_session test_restricted_session; do sbx_test "$t"; done
sbx_finish
