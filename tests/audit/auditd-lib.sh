# Shared helpers of the real-auditd tests (sourced).
#
# Rules of this shared machine: start auditd if it is not running, never stop
# one that was (an auditd we start is left running: it is the normal state of
# such a host, and tests running beside us may be reading it); add only our
# own rules and delete exactly those; never touch --loginuid-immutable or -e 2.

AUDIT_RULES_ADDED=""

audit_skip_unless_ready() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: not root"; exit 77; }
	command -v auditctl >/dev/null 2>&1 || { echo "FAIL: auditctl missing (install auditd)"; exit 1; }
	if ! auditctl -s >/dev/null 2>&1; then
		echo "SKIP: kernel without audit (auditctl -s fails)"; exit 77
	fi
	if [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = 0 ]; then
		auditd_bin=$(command -v auditd || echo /sbin/auditd)
		"$auditd_bin" || { echo "FAIL: cannot start auditd"; exit 1; }
		i=0
		while [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = 0 ]; do
			i=$((i + 1)); [ $i -gt 50 ] && { echo "FAIL: auditd did not register"; exit 1; }
			sleep 0.1
		done
		echo "# started auditd (left running)"
	fi
	if [ "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" = 0 ]; then
		echo "SKIP: auditing is disabled (auditctl -e 0) and we do not change that"; exit 77
	fi
}

# audit_add_rule RULE...: auditctl -a RULE, remembered for audit_cleanup_rules.
audit_add_rule() {
	auditctl -a "$@" || return 1
	AUDIT_RULES_ADDED="$AUDIT_RULES_ADDED$(printf '%s\037' "$@")
"
}

# Delete exactly the rules we added, with the same text (auditctl -d).
audit_cleanup_rules() {
	printf '%s' "$AUDIT_RULES_ADDED" | while IFS= read -r line; do
		[ -n "$line" ] || continue
		old_ifs=$IFS; IFS=$(printf '\037'); set -- $line; IFS=$old_ifs
		auditctl -d "$@" >/dev/null || echo "WARN: could not delete rule: $*" >&2
	done
	AUDIT_RULES_ADDED=""
}

# audit_wait PATTERN ARGS...: run `ausearch ARGS --input-logs` until its
# output matches PATTERN (auditd writes asynchronously).  Output in $AUOUT.
audit_wait() {
	pat=$1; shift
	i=0
	while :; do
		AUOUT=$(ausearch "$@" --input-logs 2>&1 </dev/null)
		printf '%s\n' "$AUOUT" | grep -q -e "$pat" && return 0
		i=$((i + 1)); [ $i -gt 50 ] && return 1
		sleep 0.2
	done
}
