# shellcheck shell=bash
# Test harness for end-to-end tests against a real, throwaway sshd.
#
# Source it from a bash script (tests re-exec themselves with bash when run by
# /bin/sh).  Everything it sets up is undone by an EXIT trap, in reverse
# order, also when a test fails or is interrupted:
#
#   sbx_require_root            exit 77 (skip) unless root
#   sbx_tmpdir                  private temp dir, in $SBX_TMP
#   sbx_on_exit CMD...          push a cleanup command
#   sbx_group_add VAR NAME      create group sbxt<run>-NAME, store its name in $VAR
#   sbx_user_add VAR [GROUP...] create user sbxt<run>-VAR with an ssh key,
#                               store its name in $VAR
#   sbx_pam_stack_permit FILE   write a PAM stack without pam_sandbox
#   sbx_pam_stack_sandbox FILE CONF   the same with pam_sandbox.so conf=CONF debug
#   sbx_syslog_start            capture syslog (the module logs there)
#   sbx_sshd_start STACK [PROBE_USER]  start sshd on 127.0.0.1:$SBX_SSHD_PORT
#   sbx_ssh USER CMD...         run a command over ssh (also sbx_ssh_tt,
#                               sbx_sftp USER BATCHFILE, sbx_scp USER SRC DST)
#   sbx_bg PID...               a background client to end (sbx_bg_kill, at exit)
#   sbx_wait_for CMD...         poll (10 s) until CMD succeeds
#   sbx_log_grep ERE            search what was logged to syslog since start
#   sbx_test FUNC               run one test function, print PASS/FAIL
#   sbx_fail MSG                report a failed assertion inside a test
#   sbx_finish                  summary; exit status 1 if anything failed
#
# Names are unique per run (sbxt + 4 random hex digits), so several test
# scripts may run at the same time (make -j check).  Set before sourcing:
# SBX_PREFIX (default sbxt; sshd allows only users whose names start with it),
# SBX_NAME_PREFIX (default $SBX_PREFIX<run>; fixed names for the demo),
# SBX_SSHD_BASENAME (default sshd-pam-sandbox-test), SBX_MODULE (the module).
# Shared host resources (/run/sshd, /dev/log) are reference-counted under
# /run/pam_sandbox-test.
#
# The host's own sshd and /etc/pam.d/sshd are never touched: the test sshd
# runs through a symlink named sshd-pam-sandbox-test-<run> (sshd takes its
# PAM service name from argv[0]), with /etc/pam.d/<that name> of its own.

if [ -z "${BASH_VERSION:-}" ]; then
	echo "tests/lib/sshd.sh needs bash" >&2
	exit 99
fi

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

SBX_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SBX_RUN=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
SBX_PREFIX=${SBX_PREFIX:-sbxt}
SBX_NAME_PREFIX=${SBX_NAME_PREFIX:-$SBX_PREFIX$SBX_RUN}
SBX_SHARED=/run/pam_sandbox-test
# The module under test: the build tree's test build (it runs the build
# tree's sandbox-init; `make check` builds it), else the plain module.
if [ -z "${SBX_MODULE:-}" ]; then
	SBX_MODULE=$top_builddir/.libs/pam_sandbox_test.so
	[ -e "$SBX_MODULE" ] || SBX_MODULE=$top_builddir/.libs/pam_sandbox.so
fi
SBX_START_EPOCH=$(date +%s)
SBX_TMP=
SBX_SSHD_PID=
SBX_SSHD_PORT=
SBX_SSHD_NAME=
SBX_SSHD_LOG=
SBX_SYSLOG_MODE=
SBX_SYSLOG_FILE=
SBX_SYSLOG_OFFSET=0
SBX_USERS=()
_SBX_CLEANUP=()
_SBX_PASSED=0
_SBX_FAILED=0
_SBX_FN_FAILED=0

sbx_log() { printf '%s\n' "$*" >&2; }

# ---- cleanup stack ---------------------------------------------------------

# Push a command (words, run with eval) to run at exit; last in, first out.
sbx_on_exit() { _SBX_CLEANUP+=("$*"); }

_sbx_run_cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	for ((i = ${#_SBX_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${_SBX_CLEANUP[$i]}" || sbx_log "cleanup failed: ${_SBX_CLEANUP[$i]}"
	done
	_SBX_CLEANUP=()
	return "$rc"
}
trap _sbx_run_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

sbx_require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root"
		exit 77
	fi
}

# Skip (77) unless each named command exists.
sbx_require_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "SKIP: $c not installed (tools/install-deps.sh installs it)"
			exit 77
		fi
	done
}

sbx_tmpdir() {
	[ -n "$SBX_TMP" ] && return 0
	SBX_TMP=$(mktemp -d /tmp/sbxt-e2e.XXXXXX)
	chmod 0755 "$SBX_TMP"
	sbx_on_exit rm -rf --one-file-system "$SBX_TMP"
	mkdir -m 0700 "$SBX_TMP/keys"
}

# ---- shared host resources (reference counted) ----------------------------

# Runs "$@" while holding an exclusive lock shared by every harness instance.
# Background processes started under the lock must close _SBX_LOCK_FD, or
# they would hold the lock for as long as they live.
_sbx_locked() {
	local rc
	exec {_SBX_LOCK_FD}</run
	flock -w 120 "$_SBX_LOCK_FD" || { exec {_SBX_LOCK_FD}<&-; sbx_log "harness lock on /run: timeout"; return 1; }
	"$@"
	rc=$?
	exec {_SBX_LOCK_FD}<&-
	return "$rc"
}

# Number of live holders of KIND (stale ones of dead processes are dropped).
_sbx_holders() {
	local kind=$1 f pid n=0
	for f in "$SBX_SHARED/$kind".holder.*; do
		[ -e "$f" ] || continue
		pid=${f##*.}
		if kill -0 "$pid" 2>/dev/null; then n=$((n + 1)); else rm -f "$f"; fi
	done
	echo "$n"
}

_sbx_run_dir_acquire() {
	mkdir -p -m 0755 "$SBX_SHARED"
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd
		touch "$SBX_SHARED/run-sshd.created"
	fi
	touch "$SBX_SHARED/run-sshd.holder.$$"
}

_sbx_run_dir_release() {
	rm -f "$SBX_SHARED/run-sshd.holder.$$"
	if [ "$(_sbx_holders run-sshd)" = 0 ] && [ -e "$SBX_SHARED/run-sshd.created" ]; then
		rmdir /run/sshd 2>/dev/null
		rm -f "$SBX_SHARED/run-sshd.created"
	fi
	rmdir "$SBX_SHARED" 2>/dev/null
	return 0
}

# /run/sshd is sshd's privilege separation directory; create it when missing
# and remove it only if we created it and no other test still needs it.
_sbx_privsep_dir() {
	_sbx_locked _sbx_run_dir_acquire
	sbx_on_exit _sbx_locked _sbx_run_dir_release
}

# ---- syslog ----------------------------------------------------------------

_sbx_syslog_acquire() {
	mkdir -p -m 0755 "$SBX_SHARED"
	local pidf=$SBX_SHARED/syslog.pid
	if [ -S /dev/log ] && [ -e "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
		SBX_SYSLOG_MODE=listener
	elif [ -e /dev/log ]; then
		SBX_SYSLOG_MODE=host
		return 0
	else
		command -v python3 >/dev/null || { sbx_log "no /dev/log and no python3"; return 1; }
		rm -f "$SBX_SHARED/syslog.ready"
		python3 "$SBX_LIB_DIR/syslog-listener.py" /dev/log \
			"$SBX_SHARED/syslog.log" "$SBX_SHARED/syslog.ready" \
			</dev/null >/dev/null 2>&1 {_SBX_LOCK_FD}<&- &
		echo $! >"$pidf"
		local i
		for ((i = 0; i < 50; i++)); do
			[ -e "$SBX_SHARED/syslog.ready" ] && break
			sleep 0.1
		done
		[ -e "$SBX_SHARED/syslog.ready" ] || { sbx_log "syslog listener did not start"; return 1; }
		stat -c %i /dev/log >"$SBX_SHARED/syslog.inode"
		SBX_SYSLOG_MODE=listener
	fi
	touch "$SBX_SHARED/syslog.holder.$$"
	SBX_SYSLOG_FILE=$SBX_SHARED/syslog.log
	SBX_SYSLOG_OFFSET=$(stat -c %s "$SBX_SYSLOG_FILE")
}

_sbx_syslog_release() {
	[ "$SBX_SYSLOG_MODE" = listener ] || return 0
	rm -f "$SBX_SHARED/syslog.holder.$$"
	if [ "$(_sbx_holders syslog)" = 0 ]; then
		local pid
		pid=$(cat "$SBX_SHARED/syslog.pid" 2>/dev/null)
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
		# Remove /dev/log only if it is still the socket our listener made.
		if [ -S /dev/log ] && [ "$(stat -c %i /dev/log)" = "$(cat "$SBX_SHARED/syslog.inode" 2>/dev/null)" ]; then
			rm -f /dev/log
		fi
		rm -f "$SBX_SHARED"/syslog.*
	fi
	rmdir "$SBX_SHARED" 2>/dev/null
	return 0
}

# Make what PAM modules log readable with sbx_log_grep.  Without a syslog
# daemon (no /dev/log) a private listener takes /dev/log for as long as any
# test needs it; an existing /dev/log is never replaced, and then the host's
# journal or auth log is searched instead.
sbx_syslog_start() {
	[ -n "$SBX_SYSLOG_MODE" ] && return 0
	_sbx_locked _sbx_syslog_acquire || return 1
	sbx_on_exit _sbx_locked _sbx_syslog_release
}

# Print everything logged to syslog since this test started.
sbx_log_dump() {
	case $SBX_SYSLOG_MODE in
	listener) tail -c +"$((SBX_SYSLOG_OFFSET + 1))" "$SBX_SYSLOG_FILE" 2>/dev/null ;;
	host)
		if command -v journalctl >/dev/null && [ -d /run/systemd/journal ]; then
			journalctl -q --no-pager -o short --since "@$SBX_START_EPOCH" 2>/dev/null
		else
			local f
			for f in /var/log/auth.log /var/log/secure /var/log/syslog /var/log/messages; do
				[ -r "$f" ] && cat "$f"
			done
		fi
		;;
	esac
}

# True when an extended regular expression matches a syslog line of this run.
sbx_log_grep() { sbx_log_dump | grep -aE -- "$1"; }

# Wait (bounded, default 5 s) for a syslog line to appear.
sbx_log_wait() {
	local pattern=$1 tries=$((${2:-5} * 10))
	while ((tries-- > 0)); do
		sbx_log_grep "$pattern" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

sbx_sshd_log_grep() { grep -E -- "$1" "$SBX_SSHD_LOG"; }

# ---- users and groups ------------------------------------------------------

# sbx_group_add VAR NAME: create group <prefix><run>-NAME; $VAR gets its name.
sbx_group_add() {
	local var=$1 name=$SBX_NAME_PREFIX-$2
	groupadd "$name" || return 1
	sbx_on_exit groupdel "$name"
	printf -v "$var" '%s' "$name"
}

_sbx_kill_user_procs() {
	local uid=$1 i pids
	for ((i = 0; i < 20; i++)); do
		pids=$(pgrep -u "$uid") || return 0
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.1
	done
	sbx_log "processes of uid $uid survive: $(pgrep -u "$uid" | tr '\n' ' ')"
}

_sbx_user_del() {
	local name=$1 uid
	uid=$(id -u "$name" 2>/dev/null) || return 0
	_sbx_kill_user_procs "$uid"
	userdel -r "$name" 2>/dev/null || userdel -f -r "$name" 2>/dev/null
	! id "$name" >/dev/null 2>&1
}

# sbx_user_add VAR [GROUP...]: create user <prefix><run>-VAR with a home
# under /home, the given supplementary groups (created when missing, and then
# removed at exit), and an ed25519 key authorised for ssh; $VAR gets its name.
sbx_user_add() {
	local var=$1 name=$SBX_NAME_PREFIX-$1 g groups=
	shift
	sbx_tmpdir
	for g in "$@"; do
		if ! getent group "$g" >/dev/null; then
			groupadd "$g" || return 1
			sbx_on_exit groupdel "$g"
		fi
		groups=${groups:+$groups,}$g
	done
	useradd -m -d "/home/$name" -s /bin/bash ${groups:+-G "$groups"} "$name" || return 1
	sbx_on_exit _sbx_user_del "$name"
	ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$SBX_TMP/keys/$name" || return 1
	install -d -m 0700 -o "$name" -g "$(id -gn "$name")" "/home/$name/.ssh"
	install -m 0600 -o "$name" -g "$(id -gn "$name")" "$SBX_TMP/keys/$name.pub" \
		"/home/$name/.ssh/authorized_keys"
	SBX_USERS+=("$name")
	printf -v "$var" '%s' "$name"
}

# ---- PAM stacks ------------------------------------------------------------

# The stack of the test service without pam_sandbox.  sshd does not call the
# auth stack for public-key logins; it is pam_deny so nothing else gets in.
sbx_pam_stack_permit() {
	cat >"$1" <<-'EOF'
		# written by tests/lib/sshd.sh
		auth     required pam_deny.so
		account  required pam_unix.so
		password required pam_deny.so
		session  required pam_loginuid.so
		session  optional pam_permit.so
	EOF
}

# sbx_pam_stack_sandbox FILE CONF: the same with the module under test, given
# by absolute path ($SBX_MODULE, default the build tree's
# .libs/pam_sandbox_test.so, else .libs/pam_sandbox.so).  Its compiled copy
# of CONF goes to $SBX_TMP/config-cache, not to the host's /run.
sbx_pam_stack_sandbox() {
	cat >"$1" <<-EOF
		# written by tests/lib/sshd.sh
		auth     required pam_deny.so
		account  required pam_unix.so
		password required pam_deny.so
		session  required pam_loginuid.so
		session  required $SBX_MODULE conf=$2 cache=$SBX_TMP/config-cache debug
		session  optional pam_permit.so
	EOF
}

# ---- sshd ------------------------------------------------------------------

_sbx_port_in_use() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

_sbx_sshd_config() {
	local sftp=internal-sftp
	[ "${SBX_SFTP:-internal}" = external ] && sftp=/usr/lib/openssh/sftp-server
	cat >"$SBX_TMP/sshd_config" <<-EOF
		# written by tests/lib/sshd.sh
		ListenAddress 127.0.0.1
		Port $1
		HostKey $SBX_TMP/ssh_host_ed25519_key
		PidFile $SBX_TMP/sshd.pid
		UsePAM yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PubkeyAuthentication yes
		AuthorizedKeysFile .ssh/authorized_keys
		PermitRootLogin no
		AllowUsers ${SBX_ALLOW_USERS:-$SBX_PREFIX*}
		StrictModes yes
		UseDNS no
		X11Forwarding no
		PrintMotd no
		PrintLastLog no
		MaxStartups 50:30:100
		LogLevel VERBOSE
		Subsystem sftp $sftp
	EOF
}

# True once a real login of USER runs a command.
_sbx_sshd_probe() { sbx_ssh "$1" true </dev/null >/dev/null 2>&1; }

# sbx_sshd_start STACK [PROBE_USER]: start a throwaway sshd with the PAM
# stack in the file STACK, on a random free port of 127.0.0.1, and wait until
# a real login of PROBE_USER (default: the first user added) works.
# SBX_SFTP=external selects /usr/lib/openssh/sftp-server over internal-sftp.
sbx_sshd_start() {
	local stack=$1 probe=${2:-${SBX_USERS[0]:-}} attempt port i
	[ -n "$probe" ] || { sbx_log "sbx_sshd_start: add a user first (readiness is a real login)"; return 1; }
	sbx_tmpdir
	if [ -z "$SBX_SSHD_NAME" ]; then
		SBX_SSHD_NAME=${SBX_SSHD_BASENAME:-sshd-pam-sandbox-test}-$SBX_RUN
		[ -e "/etc/pam.d/$SBX_SSHD_NAME" ] && { sbx_log "/etc/pam.d/$SBX_SSHD_NAME exists"; return 1; }
		ln -s /usr/sbin/sshd "$SBX_TMP/$SBX_SSHD_NAME"
		ssh-keygen -q -t ed25519 -N '' -f "$SBX_TMP/ssh_host_ed25519_key" || return 1
		_sbx_privsep_dir
		sbx_on_exit rm -f "/etc/pam.d/$SBX_SSHD_NAME"
	fi
	install -m 0644 "$stack" "/etc/pam.d/$SBX_SSHD_NAME"
	SBX_SSHD_LOG=$SBX_TMP/sshd.log
	for ((attempt = 0; attempt < 8; attempt++)); do
		port=$((20000 + RANDOM % 40000))
		_sbx_port_in_use "$port" && continue
		_sbx_sshd_config "$port"
		"$SBX_TMP/$SBX_SSHD_NAME" -t -f "$SBX_TMP/sshd_config" || return 1
		: >"$SBX_SSHD_LOG"
		"$SBX_TMP/$SBX_SSHD_NAME" -D -f "$SBX_TMP/sshd_config" -E "$SBX_SSHD_LOG" \
			</dev/null >/dev/null 2>&1 &
		SBX_SSHD_PID=$!
		SBX_SSHD_PORT=$port
		for ((i = 0; i < 100; i++)); do
			kill -0 "$SBX_SSHD_PID" 2>/dev/null || break
			if _sbx_sshd_probe "$probe"; then
				sbx_on_exit sbx_sshd_stop
				return 0
			fi
			sleep 0.2
		done
		if kill -0 "$SBX_SSHD_PID" 2>/dev/null; then
			sbx_log "sshd up but no login of $probe within 20 s; sshd log (end):"
			tail -n 25 "$SBX_SSHD_LOG" >&2
			sbx_log "syslog (end):"
			sbx_log_dump | tail -n 25 >&2
			sbx_sshd_stop
			return 1
		fi
		wait "$SBX_SSHD_PID" 2>/dev/null
		SBX_SSHD_PID=
		grep -q 'Address already in use' "$SBX_SSHD_LOG" && continue
		sbx_log "sshd exited; log:"
		cat "$SBX_SSHD_LOG" >&2
		return 1
	done
	sbx_log "no free port for sshd after $attempt attempts"
	return 1
}

# Stop the test sshd (by its pid only) and wait for it.
sbx_sshd_stop() {
	local pid=$SBX_SSHD_PID i
	[ -n "$pid" ] || return 0
	SBX_SSHD_PID=
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ---- clients ---------------------------------------------------------------

# Background ssh clients a test starts (each a subshell running timeout
# running ssh): sbx_bg records them, sbx_bg_kill ends them, every process
# tree from the bottom, by pid.  Registered as a cleanup once, at the first
# sbx_bg, so that it runs before the sshd and users it needs are gone.
SBX_BG_PIDS=()
_sbx_kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do _sbx_kill_tree "$c"; done
	kill "$1" 2>/dev/null
}
sbx_bg_kill() {
	local p
	for p in "${SBX_BG_PIDS[@]}"; do _sbx_kill_tree "$p"; wait "$p" 2>/dev/null; done
	SBX_BG_PIDS=()
	return 0
}
sbx_bg() {
	[ -n "${_SBX_BG_ARMED:-}" ] || { _SBX_BG_ARMED=1; sbx_on_exit sbx_bg_kill; }
	SBX_BG_PIDS+=("$@")
}

# sbx_wait_for CMD...: poll (10 s) until CMD succeeds.
sbx_wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

_sbx_client_opts() {
	_SBX_OPTS=(-F /dev/null -i "$SBX_TMP/keys/$1"
		-o BatchMode=yes -o IdentitiesOnly=yes
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o GlobalKnownHostsFile=/dev/null -o ControlMaster=no
		-o ControlPath=none -o LogLevel=ERROR
		-o ConnectTimeout="${SBX_CONNECT_TIMEOUT:-10}")
}

# sbx_ssh USER CMD...: run CMD (one remote shell command line) as USER.
# Bounded by SBX_SSH_TIMEOUT seconds (default 60).
sbx_ssh() {
	local user=$1
	shift
	_sbx_client_opts "$user"
	timeout "${SBX_SSH_TIMEOUT:-60}" ssh "${_SBX_OPTS[@]}" -p "$SBX_SSHD_PORT" \
		"$user@127.0.0.1" "$@"
}

# The same with a pseudo-terminal (-tt), as an interactive login has.
sbx_ssh_tt() {
	local user=$1
	shift
	_sbx_client_opts "$user"
	timeout "${SBX_SSH_TIMEOUT:-60}" ssh -tt "${_SBX_OPTS[@]}" -p "$SBX_SSHD_PORT" \
		"$user@127.0.0.1" "$@"
}

# sbx_sftp USER BATCHFILE: run sftp commands from BATCHFILE as USER.
sbx_sftp() {
	_sbx_client_opts "$1"
	timeout "${SBX_SSH_TIMEOUT:-60}" sftp "${_SBX_OPTS[@]}" -P "$SBX_SSHD_PORT" \
		-b "$2" "$1@127.0.0.1"
}

# sbx_scp USER ARG...: scp with remote paths written as ":PATH".
# SBX_SCP_FLAGS=-O selects the legacy scp protocol (a remote scp process).
sbx_scp() {
	local user=$1 a args=()
	shift
	for a in "$@"; do
		case $a in
		:*) args+=("$user@127.0.0.1$a") ;;
		*) args+=("$a") ;;
		esac
	done
	_sbx_client_opts "$user"
	# shellcheck disable=SC2086
	timeout "${SBX_SSH_TIMEOUT:-60}" scp ${SBX_SCP_FLAGS:-} "${_SBX_OPTS[@]}" \
		-P "$SBX_SSHD_PORT" "${args[@]}"
}

# ---- test bookkeeping ------------------------------------------------------

# Report one failed assertion of the current test (the test goes on).
sbx_fail() {
	_SBX_FN_FAILED=1
	printf '    FAIL: %s\n' "$*"
	return 1
}

# sbx_expect_eq ACTUAL EXPECTED WHAT
sbx_expect_eq() {
	[ "$1" = "$2" ] && return 0
	sbx_fail "$3: expected '$2', got '$1'"
}

# The start of a command's output, on one line, for failure messages.
_sbx_excerpt() { printf '%s' "$1" | head -c 300 | tr '\n' ' '; }

# sbx_expect_match TEXT ERE WHAT / sbx_expect_nomatch TEXT ERE WHAT
sbx_expect_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" && return 0
	sbx_fail "$3: expected a match for /$2/ in: $(_sbx_excerpt "$1")"
}
sbx_expect_nomatch() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || return 0
	sbx_fail "$3: /$2/ must not match: $(_sbx_excerpt "$1")"
}

# Run one test function; it fails if it returns non-zero or any sbx_fail ran.
sbx_test() {
	local fn=$1 rc
	_SBX_FN_FAILED=0
	printf -- '--- %s\n' "$fn"
	"$fn"
	rc=$?
	if [ "$rc" = 0 ] && [ "$_SBX_FN_FAILED" = 0 ]; then
		printf 'PASS: %s\n' "$fn"
		_SBX_PASSED=$((_SBX_PASSED + 1))
	else
		printf 'FAIL: %s\n' "$fn"
		_SBX_FAILED=$((_SBX_FAILED + 1))
	fi
}

# Print the summary and exit: 1 if any test failed, 0 otherwise.
sbx_finish() {
	echo "$_SBX_PASSED passed, $_SBX_FAILED failed"
	[ "$_SBX_FAILED" = 0 ] || exit 1
	exit 0
}
