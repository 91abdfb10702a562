#!/bin/bash
# bench/ssh_login.sh N CONF OUT: a whole ssh login (`ssh user@127.0.0.1 true`)
# to a private sshd, with and without pam_sandbox, interleaved login by login.
# Called by bench/run.sh; SBX_MODULE names the module to load.  CONF empty:
# only the login without the module is measured.
#
# The sshd, its PAM service (/etc/pam.d/sshd-pam-sandbox-test-RUN), the user
# and its key come from tests/lib/sshd.sh, which removes them at exit.  Both
# stacks are the same but for the one pam_sandbox line; sshd reads its PAM
# stack at each connection, so swapping the file between logins switches
# the module on and off without restarting sshd.
set -u
N=$1 CONF=$2 OUT=$3
SBX_PREFIX=sbxb
# shellcheck source=../tests/lib/sshd.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/sshd.sh"

sbx_require_root
sbx_tmpdir
sbx_user_add U || exit 1
sbx_pam_stack_permit "$SBX_TMP/stack-permit"
stacks=(permit)
if [ -n "$CONF" ]; then
	sbx_pam_stack_sandbox "$SBX_TMP/stack-sandbox" "$CONF"
	stacks+=(sandbox)
fi
sbx_sshd_start "$SBX_TMP/stack-permit" "$U" || exit 1

# login STACK: time one `ssh ... true`, in microseconds, into $SBX_TMP/STACK.txt.
login() {
	local t0 t1
	install -m 0644 "$SBX_TMP/stack-$1" "/etc/pam.d/$SBX_SSHD_NAME"
	t0=$EPOCHREALTIME
	sbx_ssh "$U" true </dev/null >/dev/null 2>>"$SBX_TMP/ssh.err" || { echo fail >>"$SBX_TMP/$1.txt"; return 1; }
	t1=$EPOCHREALTIME
	echo $(((${t1/./} - ${t0/./}))) >>"$SBX_TMP/$1.txt"
}

# Two warm-up logins each, then N each, alternating which goes first.
for s in "${stacks[@]}"; do login "$s"; login "$s"; done
for s in "${stacks[@]}"; do : >"$SBX_TMP/$s.txt"; done
for ((i = 0; i < N; i++)); do
	if ((i % 2)); then
		for ((k = ${#stacks[@]} - 1; k >= 0; k--)); do login "${stacks[$k]}"; done
	else
		for s in "${stacks[@]}"; do login "$s"; done
	fi
done

{
	printf '{'
	sep=
	for s in "${stacks[@]}"; do
		printf '%s"%s":[%s]' "$sep" "$s" "$(grep -v fail "$SBX_TMP/$s.txt" | paste -sd, -)"
		printf ',"%s_failed":%d' "$s" "$(grep -c fail "$SBX_TMP/$s.txt")"
		sep=,
	done
	printf ',"error":"%s"}\n' "$(head -c 200 "$SBX_TMP/ssh.err" 2>/dev/null | tr -d '"\\\n')"
} >"$OUT"
