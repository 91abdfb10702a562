# Shared set-up of the confinement tests (sourced).  Root only: exits 77
# otherwise.  Gives:
#   $DRIVER                     confine_driver with --state/--init filled in
#   $W                          a work directory outside /tmp (the sandboxes'
#                               /tmp is private, so the tests' files must not
#                               live there); homes go under $W/home
#   mk_user NAME                a test user + group with a home, removed at exit
#   inits_of UID                host pids of live sandbox-init for UID
#   wait_gone PID... / wait_until CMD   bounded waits
#   fail MSG / pass MSG         report; fail exits 1
#   finish                      the common end checks: no state left, no
#                               init left, no mount leaked into the host

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: root only"
	exit 77
fi
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
DRIVER_BIN="$top_builddir/tests/confine/confine_driver"
INIT_BIN="$top_builddir/sandbox-init"
for f in "$DRIVER_BIN" "$INIT_BIN"; do
	[ -x "$f" ] || { echo "missing $f (make check builds it)"; exit 99; }
done
DRIVER_BIN=$(cd "$(dirname "$DRIVER_BIN")" && pwd)/$(basename "$DRIVER_BIN")
INIT_BIN=$(cd "$(dirname "$INIT_BIN")" && pwd)/$(basename "$INIT_BIN")

# This machine's pid 1 may not reap orphans (a container's); the sandbox
# inits reparent to it when their creator exits.  Run the whole test under
# a subreaper, as a real init would reap them.
if [ -z "$SBX_CONFINE_REAPER" ]; then
	SBX_CONFINE_REAPER=1 exec "$DRIVER_BIN" reaper -- "$SHELL" "$0" "$@"
fi

W=$(mktemp -d /run/sbxt.XXXXXX) || exit 99
chmod 755 "$W"
mkdir -p "$W/home" "$W/sync"
chmod 777 "$W/sync"
STATE="$W/state"
DRIVER="$DRIVER_BIN"
USERS_MADE=""
HOSTFILE="/tmp/sbxt-$$-hostfile"
FAILED=0

# Mounts of interest: anything at or under the paths the sandboxes change.
host_mounts() {
	awk -v w="$W" '$5 == "/tmp" || $5 == "/var/tmp" || $5 == "/usr" || $5 == "/proc" ||
		index($5, w) == 1 { print $4, $5, $6 }' /proc/self/mountinfo | sort
}
MOUNTS_BEFORE=$(host_mounts)

d() { # d COMMAND [ARGS]: the driver with this test's roots
	cmd=$1
	shift
	"$DRIVER" "$cmd" --state "$STATE" --init "$INIT_BIN" "$@"
}

inits_of() {
	for p in /proc/[0-9]*; do
		a=$( { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null) || continue
		case "$a" in
		"sandbox-init $1 "*) echo "${p#/proc/}" ;;
		esac
	done
}

# Host pids whose command line is exactly ARGS.
pids_of_cmd() {
	for p in /proc/[0-9]*; do
		a=$( { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null) || continue
		[ "$a" = "$* " ] && echo "${p#/proc/}"
	done
}

cleanup() {
	for u in $USERS_MADE; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		for p in $(inits_of "$uid"); do kill -9 "$p" 2>/dev/null; done
	done
	sleep 0.1
	for u in $USERS_MADE; do
		userdel "$u" 2>/dev/null
		getent group "$u" >/dev/null && groupdel "$u" 2>/dev/null
	done
	rm -f "$HOSTFILE"
	case "$W" in /run/sbxt.*) rm -rf "$W" ;; esac
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mk_user() {
	useradd -M -d "$W/home/$1" -s /bin/sh -U "$1" || exit 99
	USERS_MADE="$USERS_MADE $1"
	mkdir -m 700 "$W/home/$1"
	chown "$1:" "$W/home/$1"
}

fail() {
	echo "FAIL: $*"
	FAILED=1
	exit 1
}

pass() {
	echo "ok: $*"
}

wait_gone() { # every pid gone within 5 s
	for _ in $(seq 50); do
		alive=0
		for p in "$@"; do
			[ -n "$( { tr -d '\0' < "/proc/$p/cmdline"; } 2>/dev/null)" ] && alive=1
		done
		[ $alive = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

wait_until() { # CMD true within 8 s (the init re-checks every 3 s)
	for _ in $(seq 80); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

no_state() {
	[ -z "$(ls -A "$STATE/users" 2>/dev/null)" ]
}

finish() {
	for u in $USERS_MADE; do
		uid=$(id -u "$u")
		[ -z "$(inits_of "$uid")" ] || fail "init left for $u: $(inits_of "$uid")"
	done
	no_state || fail "state left: $(ls -A "$STATE/users")"
	[ "$(host_mounts)" = "$MOUNTS_BEFORE" ] ||
		fail "mounts leaked into the host: $(host_mounts)"
	pass "no state, no init, no mount left"
}
