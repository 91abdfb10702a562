#!/bin/bash
# Runs INSIDE the guest, as root, from the 9p share mounted at $1: installs
# pam_sandbox as an administrator would, wires it into /etc/pam.d/sshd and
# creates the test users.  run-suite.sh writes $1/vm/env with:
#   MODULE=1|0      put pam_sandbox in the sshd stack or not (test-bed check)
#   PAMMODDIR SBINDIR PKGLIBEXECDIR SYSCONFDIR   paths the build was made for
#   TEST_USERS      user names to create (ssh key: $1/vm/authorized_keys)
# Every change is in the per-boot overlay: gone at the next boot.
set -euo pipefail
share=$1
# shellcheck source=/dev/null
. "$share/vm/env"

say() { printf 'guest-setup: %s\n' "$*"; }
multiarch=/lib/x86_64-linux-gnu/security

# Quiet logins: no motd in the output of test commands.
sed -i -e "/pam_motd\.so/d" /etc/pam.d/sshd

if [ "$MODULE" = 1 ]; then
	# `make install DESTDIR=...` of the host build, copied into place; then
	# the places an admin of a Debian box uses, whatever the build's prefix.
	cp -a --no-preserve=ownership "$share/root/." /
	mod=$share/root$PAMMODDIR/pam_sandbox.so
	[ -f "$mod" ] || { say "no pam_sandbox.so in the staged install ($PAMMODDIR)"; exit 1; }
	install -m 0644 "$mod" "$multiarch/pam_sandbox.so"
	if [ -f "$share/root$SBINDIR/sandboxctl" ]; then
		install -m 0755 "$share/root$SBINDIR/sandboxctl" /usr/sbin/sandboxctl
	fi
	[ -x "$PKGLIBEXECDIR/sandbox-init" ] || { say "no sandbox-init in $PKGLIBEXECDIR"; exit 1; }
	# The module reads $SYSCONFDIR/security/pam_sandbox.conf (built in);
	# /etc/security is where the admin looks for it.
	install -d -m 0755 "$SYSCONFDIR/security" /etc/security
	install -m 0644 "$share/vm/pam_sandbox.conf" "$SYSCONFDIR/security/pam_sandbox.conf"
	if [ "$SYSCONFDIR" != /etc ]; then
		ln -sfn "$SYSCONFDIR/security/pam_sandbox.conf" /etc/security/pam_sandbox.conf
	fi
	if command -v sandboxctl >/dev/null; then
		sandboxctl check || { say "sandboxctl check rejects the test configuration"; exit 1; }
	fi
	session_lines='session required pam_loginuid.so\nsession required pam_sandbox.so'
else
	session_lines='session required pam_loginuid.so'
fi

# The session stack: pam_loginuid, then pam_sandbox, then common-session
# (which holds pam_systemd): pam_sandbox hands its limits to pam_systemd.
pamf=/etc/pam.d/sshd
grep -q '^@include common-session$' "$pamf" || { say "no '@include common-session' in $pamf"; exit 1; }
sed -i -e '/pam_loginuid\.so/d' -e '/pam_sandbox\.so/d' "$pamf"
sed -i -e "s/^@include common-session\$/$session_lines\n@include common-session/" "$pamf"
say "session stack of sshd:"
grep -E '^(session|@include common-session)' "$pamf" | sed 's/^/    /'

for u in $TEST_USERS; do
	id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
	install -d -m 0700 -o "$u" -g "$u" "/home/$u/.ssh"
	install -m 0600 -o "$u" -g "$u" "$share/vm/authorized_keys" "/home/$u/.ssh/authorized_keys"
done
say "users: $TEST_USERS"
