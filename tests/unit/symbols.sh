#!/bin/sh
# The module must export exactly the PAM entry points (version script), so
# that nothing of the engine can clash with sshd's or another module's
# symbols.
set -u
so="${top_builddir:-.}/.libs/pam_sandbox.so"
[ -f "$so" ] || { echo "FAIL: $so not built"; exit 1; }
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort)
want=$(printf '%s\n' pam_sm_close_session pam_sm_open_session)
if [ "$exported" != "$want" ]; then
	echo "FAIL: pam_sandbox.so exports:"; echo "$exported"
	echo "expected only:"; echo "$want"
	exit 1
fi
# And it must load: every symbol it needs resolves.
if ldd -r "$so" 2>&1 | grep -q 'undefined symbol'; then
	echo "FAIL: pam_sandbox.so has undefined symbols:"; ldd -r "$so" 2>&1 | grep 'undefined symbol'
	exit 1
fi
echo "ok: pam_sandbox.so exports only pam_sm_open_session and pam_sm_close_session"
