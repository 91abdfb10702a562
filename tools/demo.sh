#!/usr/bin/env bash
# pam_sandbox demo, for a fresh Debian/Ubuntu machine, as root.
#
# Installs the build dependencies, builds, installs into a scratch prefix
# (/tmp/pam_sandbox-demo.XXXXXX), writes a demo config, creates three demo
# users (a developer, a contractor, an admin), starts a throwaway sshd on
# 127.0.0.1 whose PAM stack uses the installed module, and logs in as each
# user to show what each one sees.
#
# Everything is undone at the end, also on Ctrl-C: users, groups, sshd, its
# /etc/pam.d file, the scratch prefix.  The host's own sshd and
# /etc/pam.d/sshd are never touched.
#
# usage: tools/demo.sh [--no-deps]
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run as root (it creates users and starts a test sshd)" >&2
	exit 1
fi

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'demo.sh: %s\n' "$*" >&2; exit 1; }
# Show a command, then run it with its output indented.
run() {
	printf '  # %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

# ---- 1. dependencies, build, install into a scratch prefix -----------------
if [ "${1:-}" != --no-deps ]; then
	say "Installing build dependencies (tools/install-deps.sh)"
	tools/install-deps.sh || die "installing dependencies failed"
fi

# The harness supplies users, sshd, ssh and cleanup (tests/lib/sshd.sh);
# demo users get fixed, readable names.
SBX_PREFIX=sbxdemo
SBX_NAME_PREFIX=sbxdemo
SBX_SSHD_BASENAME=sshd-pam-sandbox-demo
prefix=$(mktemp -d /tmp/pam_sandbox-demo.XXXXXX)
chmod 0755 "$prefix"
SBX_MODULE=$prefix/lib/security/pam_sandbox.so
. "$top/tests/lib/sshd.sh"
sbx_on_exit 'printf "\n==> Cleaned up: demo users, groups, sshd, its PAM file, %s\n" "$prefix"'
sbx_on_exit rm -rf --one-file-system "$prefix"

say "Building into $prefix"
builddir=$top/build/demo
{
	{ [ -x configure ] || autoreconf -fi; } &&
		mkdir -p "$builddir" &&
		cd "$builddir" &&
		"$top/configure" --prefix="$prefix" --sysconfdir="$prefix/etc" \
			--with-pammoddir="$prefix/lib/security" &&
		make -j"${JOBS:-2}" &&
		make install
} >"$prefix/build.log" 2>&1
rc=$?
cd "$top"
if [ "$rc" != 0 ]; then
	tail -n 40 "$prefix/build.log"
	die "build failed (log above)"
fi
ctl=$prefix/sbin/sandboxctl
[ -x "$ctl" ] || die "sandboxctl was not installed"
[ -e "$SBX_MODULE" ] || die "pam_sandbox.so was not installed"
echo "  installed: $SBX_MODULE"
echo "             $ctl"

# ---- 2. demo users and config ------------------------------------------------
for u in sbxdemo-dev sbxdemo-contractor sbxdemo-admin; do
	if id "$u" >/dev/null 2>&1; then
		echo "  removing $u left over from an interrupted demo"
		pids=$(pgrep -u "$u") && kill -KILL $pids
		userdel -r "$u" >/dev/null 2>&1
	fi
done
for g in sbxdemo-contractors sbxdemo-admins; do
	getent group "$g" >/dev/null && groupdel "$g"
done

say "Creating demo users"
sbx_group_add contractors contractors || die "groupadd failed"
sbx_group_add admins admins || die "groupadd failed"
sbx_user_add dev || die "useradd failed"
sbx_user_add contractor "$contractors" || die "useradd failed"
sbx_user_add admin "$admins" || die "useradd failed"
for u in "$dev" "$contractor" "$admin"; do run id "$u"; done

conf=$prefix/etc/pam_sandbox-demo.conf
state_dir=/run/pam_sandbox-demo-$SBX_RUN
cat >"$conf" <<EOF
# pam_sandbox demo configuration (written by tools/demo.sh)
settings = {
  on_error = "deny";          # a sandbox that cannot be built refuses the login
  cgroup_driver = "cgroupfs";  # this host has no systemd: manage cgroups directly
  cgroup_nested = true;        # below the demo's own cgroup, not the host's root
  cgroup_parent = "pam_sandbox-demo-$SBX_RUN";
  state_dir = "$state_dir";
  audit_required = false;
};

assign = {
  users = ( );
  groups = (
    { name = "$contractors"; role = "restricted"; },
    { name = "$admins"; role = "admin"; }
  );
  default = "developer";
};

roles = {
  developer = {
    namespaces = [ "mount", "ipc", "uts", "pid" ];
    hostname = "%u-sandbox";
    filesystem = {
      private_tmp = true;
      hide_other_homes = true;
      read_only = [ "/usr", "/etc" ];
      hidden = [ "/root", "-/var/log/audit" ];
    };
    network = "host";
    limits = { memory = "2G"; pids = 512; cpus = 1.5; };
    privileges = { capabilities = [ ]; no_new_privs = false; };
    session = { linger = true; };
  };
  restricted = {
    inherits = "developer";
    network = "none";
    limits = { memory = "512M"; pids = 128; cpus = 0.5; };
    privileges = { no_new_privs = true; };
    session = { linger = false; };
    audit = { tty = true; };
  };
  admin = { sandbox = false; };
};
EOF
stop_demo_sandboxes() {
	local u
	for u in "${SBX_USERS[@]}"; do "$ctl" -c "$conf" stop "$u" >/dev/null 2>&1; done
	"$ctl" -c "$conf" gc >/dev/null 2>&1
	rm -rf --one-file-system "$state_dir"
	# The (now empty) cgroup parent the module made, in every hierarchy.
	find /sys/fs/cgroup -depth -type d -name "pam_sandbox-demo-$SBX_RUN" -exec rmdir {} \; 2>/dev/null
	return 0
}
sbx_on_exit stop_demo_sandboxes

say "The demo config: $conf"
sed -n '/^roles/,$p' "$conf" | sed 's/^/    /'

say "sandboxctl check: is the config valid?"
run "$ctl" check -c "$conf" || die "the demo config does not validate"

say "sandboxctl explain: which role applies to whom, and why"
for u in "$dev" "$contractor" "$admin"; do
	echo
	run "$ctl" explain -c "$conf" "$u"
done

# ---- 3. a throwaway sshd using the module --------------------------------------
say "Starting a throwaway sshd on 127.0.0.1 with pam_sandbox in its PAM stack"
sbx_syslog_start || echo "  (no syslog capture: module log lines will not be shown)"
sbx_pam_stack_sandbox "$SBX_TMP/pam-stack" "$conf"
sbx_sshd_start "$SBX_TMP/pam-stack" "$admin" || die "sshd did not start"
echo "  sshd pid $SBX_SSHD_PID, port $SBX_SSHD_PORT, PAM service $SBX_SSHD_NAME"
echo "  /etc/pam.d/$SBX_SSHD_NAME:"
sed 's/^/    /' "/etc/pam.d/$SBX_SSHD_NAME"

# ---- 4. log in as each user ------------------------------------------------------
# The same commands run inside each login; each is shown before its output.
cat >"$SBX_TMP/look-around" <<EOF
show() {
	local out
	printf '\n  %s@%s\$ %s\n' "\$(id -un)" "\$(uname -n)" "\$1"
	out=\$(bash -c "\$1" 2>&1)
	printf '%s\n' "\$out" | sed 's/^/    /'
}
show 'id'
show 'ls /home | head -n 5; echo "(\$(ls /home | wc -l) in all)"'
show 'ps ax | head -n 8'
show 'touch /usr/demo-file'
show 'touch ~/demo-file && echo "wrote ~/demo-file"'
show 'timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SBX_SSHD_PORT" 2>/dev/null && echo "reached 127.0.0.1:$SBX_SSHD_PORT" || echo "cannot reach 127.0.0.1:$SBX_SSHD_PORT"'
show '/usr/sbin/capsh --print | grep -E "^(Bounding set|Securebits)"'
show 'grep NoNewPrivs /proc/self/status'
EOF

login_as() {
	local user=$1 what=$2
	say "ssh $user@127.0.0.1  ($what)"
	if ! sbx_ssh "$user" bash -s <"$SBX_TMP/look-around"; then
		echo "  login refused or failed; the module's log lines:"
		sbx_log_grep "$SBX_SSHD_NAME.*pam_sandbox" | tail -n 5 | sed -e 's/^<[0-9]*>//' -e 's/^/    /'
	fi
}
# Audit: auditd running (started if it was not, never stopped), plus exec
# and denied-open rules for the demo users only, removed at the end.
audit_ok=0
if command -v auditctl >/dev/null 2>&1 && auditctl -s >/dev/null 2>&1; then
	if [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = 0 ]; then
		"$(command -v auditd || echo /sbin/auditd)" && sleep 1
	fi
	if [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" != 0 ]; then
		audit_ok=1
		for u in "$dev" "$contractor"; do
			uid=$(id -u "$u")
			auditctl -a always,exit -F arch=b64 -S execve -F auid="$uid" -k sandbox-exec &&
				sbx_on_exit auditctl -d always,exit -F arch=b64 -S execve -F auid="$uid" -k sandbox-exec
			auditctl -a always,exit -F arch=b64 -S open,openat -F exit=-EACCES -F auid="$uid" -k sandbox-denied &&
				sbx_on_exit auditctl -d always,exit -F arch=b64 -S open,openat -F exit=-EACCES -F auid="$uid" -k sandbox-denied
		done
	fi
fi

audit_since=("$(date +%x)" "$(date +%T)")

# A session of the developer held open, to show `sandboxctl list`.
sbx_ssh "$dev" "sleep 8" </dev/null >/dev/null 2>&1 &
hold=$!

login_as "$dev" "role developer: own namespaces, other homes hidden, /usr read-only, no capabilities"
login_as "$contractor" "role restricted: as developer, plus no network and no_new_privs"
login_as "$admin" "role admin: exempt, not confined"

say "sandboxctl list: live sandboxes, sessions and their resource use"
run "$ctl" -c "$conf" list
wait "$hold" 2>/dev/null

say "What pam_sandbox logged (syslog, authpriv)"
sbx_log_grep "$SBX_SSHD_NAME.*pam_sandbox" | tail -n 20 | sed -e 's/^<[0-9]*>//' -e 's/^/    /'

# ---- 5. audit trail ----------------------------------------------------------------
say "Audit trail"
if [ "$audit_ok" = 1 ]; then
	sleep 1
	run ausearch --input-logs -i -m USER_START,USER_END -ua "$contractor" -ts "${audit_since[@]}" </dev/null
	say "sandboxctl report --user $contractor (per-session timeline from the audit log)"
	run "$ctl" report --user "$contractor" --since recent
else
	echo "  (no audit subsystem here: nothing to show)"
fi

say "Done. Cleaning up."
exit 0
