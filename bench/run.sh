#!/bin/bash
# bench/run.sh: what a login costs with pam_sandbox, side by side with the
# tools an administrator would use instead, all measured in the same run.
#
#   bench/run.sh [--smoke] [options]      (as root; see --help)
#
# Builds what it needs (the project in its own build dir, installed under
# that dir; the C driver), installs missing packages from bench/packages,
# creates its own users, PAM services (/etc/pam.d/sbx-bench-PID-*), a
# pam_namespace drop-in, cgroups below its own, and a private sshd; removes
# all of them at exit, also on failure or interrupt.  Prints a table and
# writes the same as bench/out/results.json.  See BENCHMARKS.md.
set -u
set -o pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$SRCDIR/bench
OUTDIR=$BENCH/out
BUILDDIR=${SBX_BENCH_BUILDDIR:-$SRCDIR/build-bench}
TAG=sbx-bench-$$
UPFX=sbxb$$ # user names: sbxbPID-NAME (<= 32 chars)

SMOKE=0
N=300          # PAM sessions per stack
EXEC_N=100     # runs per whole-process peer
SSH_N=100      # ssh logins each way (the median of a ~240 ms login needs many)
SCALE=1,100,500
SCALE_N=200    # opens measured at each scale point
LEAK_N=10000   # forked open/close cycles per leak run
INPROC_N=4000  # in-process cycles (fd / heap check)
ROUNDS=5       # interleaving rounds
POOL=20        # users taken round-robin for first logins
ONLY=pam,peers,ssh,scale,leaks
INSTALL=1
BUILD=1
CHECK=1

usage() {
	cat <<-EOF
		usage: bench/run.sh [--smoke] [-n N] [--exec-n N] [--ssh-n N] [--scale LIST]
		                    [--scale-n N] [--leak-n N] [--inproc-n N] [--rounds R]
		                    [--only pam,peers,ssh,scale,leaks] [--builddir DIR]
		                    [--no-install] [--no-build]
		  --smoke   a few iterations of everything, targets not checked (CI)
		  defaults: -n $N --exec-n $EXEC_N --ssh-n $SSH_N --scale $SCALE
		            --scale-n $SCALE_N --leak-n $LEAK_N --inproc-n $INPROC_N --rounds $ROUNDS
	EOF
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--smoke)
		SMOKE=1 N=10 EXEC_N=5 SSH_N=3 SCALE=1,5 SCALE_N=10 LEAK_N=50 INPROC_N=50
		ROUNDS=1 POOL=4 CHECK=0
		;;
	-n) N=$2; shift ;;
	--exec-n) EXEC_N=$2; shift ;;
	--ssh-n) SSH_N=$2; shift ;;
	--scale) SCALE=$2; shift ;;
	--scale-n) SCALE_N=$2; shift ;;
	--leak-n) LEAK_N=$2; shift ;;
	--inproc-n) INPROC_N=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--only) ONLY=$2; shift ;;
	--builddir) BUILDDIR=$2; shift ;;
	--no-install) INSTALL=0 ;;
	--no-build) BUILD=0 ;;
	-h | --help) usage 0 ;;
	*) usage 2 >&2 ;;
	esac
	shift
done

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it creates users, PAM services, namespaces)"

# ---- cleanup stack -----------------------------------------------------------

_CLEANUP=()
on_exit() { _CLEANUP+=("$*"); }
run_cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	for ((i = ${#_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${_CLEANUP[$i]}" || log "cleanup failed: ${_CLEANUP[$i]}"
	done
	exit "$rc"
}
trap run_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

W=/run/$TAG
mkdir -m 0755 "$W" || die "cannot create $W"
on_exit rm -rf --one-file-system "$W"
# The run's state directories (and pam_namespace's instance directory) live
# in $W.  pam_sandbox keeps its state in /run, a tmpfs on every systemd
# host; where /run is on a disk instead (a container or VM without
# systemd), $W gets a tmpfs of its own so that the figures are a host's,
# not the journal's (an rmdir on ext4 here: ~80 us).
W_FS=$(findmnt -n -o FSTYPE -T /run 2>/dev/null)
if [ "$W_FS" != tmpfs ]; then
	mount -t tmpfs -o mode=0755,size=512m "$TAG" "$W" || die "cannot mount a tmpfs on $W"
	on_exit umount -l "$W"
	W_FS="tmpfs (mounted for the run: /run is ${W_FS:-unknown})"
fi
mkdir -p "$W/raw" "$W/json" "$OUTDIR"

# ---- dependencies and build ---------------------------------------------------

if [ "$INSTALL" = 1 ]; then
	missing=()
	while read -r p; do
		[ -n "$p" ] || continue
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done <"$BENCH/packages"
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } ||
			die "apt-get install ${missing[*]} failed"
	fi
fi

# The project is configured with its prefix inside the build dir and
# installed there, so the module finds sandbox-init where it expects it
# without anything being installed on the host.
PREFIX=$BUILDDIR/prefix
MODULE=$PREFIX/lib/security/pam_sandbox.so
DRIVER=$BUILDDIR/bench/pam_driver
MODULE_OK=0
MODULE_WHY="not built"
if [ "$BUILD" = 1 ]; then
	mkdir -p "$BUILDDIR"
	if [ ! -f "$BUILDDIR/Makefile" ]; then
		[ -x "$SRCDIR/configure" ] || (cd "$SRCDIR" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed"
		log "configuring in $BUILDDIR"
		(cd "$BUILDDIR" && "$SRCDIR/configure" -q --prefix="$PREFIX" --disable-tests >"$W/configure.log" 2>&1) ||
			{ cat "$W/configure.log" >&2; die "configure failed"; }
	fi
	log "building the driver"
	make -C "$BUILDDIR" -j2 bench/pam_driver >"$W/make-driver.log" 2>&1 ||
		{ tail -30 "$W/make-driver.log" >&2; die "building bench/pam_driver failed"; }
	log "building and installing pam_sandbox under $PREFIX"
	if make -C "$BUILDDIR" -j2 >"$W/make.log" 2>&1 && make -C "$BUILDDIR" install >>"$W/make.log" 2>&1; then
		:
	else
		MODULE_WHY="build failed: $(grep -m1 -E ': (fatal )?error:|\*\*\*' "$W/make.log" | cut -c1-200)"
		log "pam_sandbox does not build yet; measuring the peers only ($MODULE_WHY)"
		cp "$W/make.log" "$OUTDIR/make.log" 2>/dev/null
	fi
fi
[ -x "$DRIVER" ] || die "$DRIVER missing (run without --no-build)"
[ -f "$MODULE" ] && MODULE_OK=1 MODULE_WHY=

# ---- users -------------------------------------------------------------------

USERS_MADE=()
del_users() {
	local u uid
	for u in "${USERS_MADE[@]}"; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		pkill_uid "$uid"
		userdel -r "$u" >/dev/null 2>&1 || userdel -f -r "$u" >/dev/null 2>&1 || log "userdel $u failed"
	done
	USERS_MADE=()
}
# End leftover processes of a bench user (by pid, found by uid).
pkill_uid() {
	local pids i
	for ((i = 0; i < 20; i++)); do
		pids=$(pgrep -u "$1") || return 0
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.1
	done
}
on_exit del_users

# add_users PREFIX COUNT FILE: create users $UPFX-PREFIX1.. and list them in FILE.
add_users() {
	local i name
	: >"$3"
	for ((i = 1; i <= $2; i++)); do
		name=$UPFX-$1$i
		useradd -m -d "/home/$name" -s /bin/bash -K UMASK=077 "$name" >/dev/null 2>&1 || die "useradd $name failed"
		USERS_MADE+=("$name")
		echo "$name" >>"$3"
	done
}

# ---- PAM services and configurations ------------------------------------------

svc() { echo "$TAG-$1"; }
PAMD=()
rm_pamd() { local f; for f in "${PAMD[@]}"; do rm -f "/etc/pam.d/$f"; done; }
on_exit rm_pamd
# add_stack NAME LINE...: /etc/pam.d/sbx-bench-PID-NAME with a session stack.
add_stack() {
	local name=$TAG-$1 f
	shift
	f=/etc/pam.d/$name
	[ -e "$f" ] && die "$f exists"
	PAMD+=("$name")
	printf '# bench/run.sh, removed at exit\n' >"$f"
	printf '%s\n' "$@" >>"$f"
}

# The bench configuration: the shipped conf/pam_sandbox.conf with its own
# state directory, no cgroups (cgroup_driver "none": cgroups are measured by
# the reference figures, not here) and ROLE as the default for every user.
make_conf() {
	local role=$1 state=$2 out=$3
	mkdir -m 0700 "$state"
	python3 "$BENCH/mkconf.py" "$SRCDIR/conf/pam_sandbox.conf" "$role" "$state" >"$out" ||
		return 1
}

# ---- pam_namespace -----------------------------------------------------------

# pam_namespace has no argument for its config file: it reads namespace.conf
# and namespace.d/*.conf.  Our drop-in names only the bench users (~list), so
# nobody else is polyinstantiated even if a service used pam_namespace.
NSD=/etc/security/namespace.d/$TAG.conf
ns_dropin() { # METHOD USERLIST
	local tmp=$NSD.tmp
	mkdir -p /etc/security/namespace.d
	printf '# bench/run.sh, removed at exit\n/tmp %s/nsinst/ %s ~%s\n' "$W" "$1" "$2" >"$tmp"
	mv -f "$tmp" "$NSD"
}
on_exit rm -f "$NSD" "$NSD.tmp"

# ---- cgroups -----------------------------------------------------------------

# A v1 memory cgroup below our own: the processes of a measurement (the
# driver, the sessions it opens, the sandbox inits they start) are all in it,
# so leftover processes and kernel memory are counted there and nowhere else.
MEMCG_ROOT=
own=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
if [ -n "$own" ] && [ -d "/sys/fs/cgroup/memory$own" ]; then
	MEMCG_ROOT=/sys/fs/cgroup/memory${own%/}
fi
CGS=()
rm_cgs() {
	local c i
	for c in "${CGS[@]}"; do
		[ -d "$c" ] || continue
		for ((i = 0; i < 50; i++)); do rmdir "$c" 2>/dev/null && break; sleep 0.1; done
		[ -d "$c" ] && log "cgroup $c not removed: $(cat "$c/cgroup.procs" | tr '\n' ' ')"
	done
	return 0
}
on_exit rm_cgs
# new_cg NAME: create a tracking cgroup, its path in $CG ("" without memcg v1).
new_cg() {
	CG=
	[ -n "$MEMCG_ROOT" ] || return 0
	CG=$MEMCG_ROOT/$TAG-$1
	mkdir "$CG" || die "mkdir $CG"
	CGS+=("$CG")
}
# in_cg CG CMD...: run CMD with its process placed in CG first.
in_cg() {
	local c=$1
	shift
	if [ -n "$c" ]; then
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$c" "$@"
	else
		"$@"
	fi
}
cg_procs() { [ -n "$1" ] && cat "$1/cgroup.procs"; }
# Wait (bounded) until nothing runs in CG; prints what is left.
cg_wait_empty() {
	local i
	[ -n "$1" ] || return 0
	for ((i = 0; i < 100; i++)); do
		[ -z "$(cat "$1/cgroup.procs")" ] && return 0
		sleep 0.1
	done
	cat "$1/cgroup.procs"
	return 1
}

# ---- holding sessions ---------------------------------------------------------

# hold_start NAME SERVICE USERFILE [CG]: keep one session per user open in the
# background (pam_driver hold, until hold_stop sends it SIGTERM); waits until
# they are all open and sets HOLD_READY to the driver's "READY ok=K failed=F".
declare -A HOLD_PID
hold_start() {
	local name=$1 service=$2 users=$3 cg=${4:-} i
	local cmd=("$DRIVER" hold -s "$service" -U "$users" -o "$W/hold-$name.out")
	# A simple command (not a function) in the background, so that $! is
	# the driver itself and hold_stop signals it, not a subshell.
	if [ -n "$cg" ]; then
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "${cmd[@]}" </dev/null 2>"$W/hold-$name.err" &
	else
		"${cmd[@]}" </dev/null 2>"$W/hold-$name.err" &
	fi
	HOLD_PID[$name]=$!
	on_exit hold_stop "$name"
	for ((i = 0; i < 1200; i++)); do
		grep -q '^READY' "$W/hold-$name.out" 2>/dev/null && break
		kill -0 "${HOLD_PID[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	HOLD_READY=$(grep '^READY' "$W/hold-$name.out" 2>/dev/null)
	[ -n "$HOLD_READY" ] || { cat "$W/hold-$name.err" >&2; return 1; }
	case $HOLD_READY in *" failed=0") return 0 ;; esac
	head -5 "$W/hold-$name.err" >&2
	return 1
}
hold_stop() {
	local name=$1 pid=${HOLD_PID[$1]:-} i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { log "hold $name: still running after 30 s, KILL"; kill -KILL "$pid"; }
	wait "$pid" 2>/dev/null
	HOLD_PID[$name]=
}

# ---- measurement helpers ------------------------------------------------------

# meminfo_kb: kernel memory that sandboxes use, summed from /proc/meminfo.
meminfo_kb() {
	awk '/^(Slab|KernelStack|PageTables|SecPageTables|Percpu):/ { s += $2 } END { print s }' /proc/meminfo
}

# drive NAME MODE ARGS...: run the driver, JSON to json/NAME.json (appended
# per round), samples to raw/NAME.txt.
drive() {
	local name=$1 mode=$2
	shift 2
	"$DRIVER" "$mode" -o "$W/json/$name.tmp" -r "$W/raw/$name.txt" "$@" 2>>"$W/json/$name.err"
	local rc=$?
	cat "$W/json/$name.tmp" >>"$W/json/$name.json" 2>/dev/null
	rm -f "$W/json/$name.tmp"
	return "$rc"
}

META=$W/meta.env
meta() { printf '%s=%s\n' "$1" "$2" >>"$META"; }
meta smoke "$SMOKE"
meta n "$N"; meta exec_n "$EXEC_N"; meta ssh_n "$SSH_N"; meta scale "$SCALE"
meta scale_n "$SCALE_N"; meta leak_n "$LEAK_N"; meta inproc_n "$INPROC_N"; meta rounds "$ROUNDS"
meta module_ok "$MODULE_OK"; meta module_why "$MODULE_WHY"
meta check "$CHECK"
meta state_fs "$W_FS"
meta commit "$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
meta dirty "$(git -C "$SRCDIR" status --porcelain 2>/dev/null | grep -c .)"

# ---- setup: users, stacks, configs --------------------------------------------

log "creating $POOL users for first logins, 2 for joins"
add_users u "$POOL" "$W/pool.users"
add_users j 2 "$W/join.users"
JOIN_DEV=$(sed -n 1p "$W/join.users")
JOIN_RES=$(sed -n 2p "$W/join.users")
echo "$JOIN_DEV" >"$W/join-developer.users"
echo "$JOIN_RES" >"$W/join-restricted.users"
join_user() { if [ "$1" = restricted ]; then echo "$JOIN_RES"; else echo "$JOIN_DEV"; fi; }
ALL_USERS=$(cat "$W/pool.users" "$W/join.users" | paste -sd, -)

mkdir -m 0000 "$W/nsinst"
add_stack permit 'session required pam_permit.so'
add_stack namespace 'session required pam_namespace.so'
# pam_exec runs its command at open only (type=open_session: at close it
# would run it again); pam_permit answers the close, which pam_exec ignores.
add_stack exec_unshare "session required pam_exec.so quiet type=open_session /usr/bin/unshare --mount --ipc --uts --pid --fork true" \
	'session required pam_permit.so'
add_stack exec_unshare_net "session required pam_exec.so quiet type=open_session /usr/bin/unshare --mount --ipc --uts --pid --net --fork true" \
	'session required pam_permit.so'

ROLES=()
if [ "$MODULE_OK" = 1 ]; then
	if make_conf developer "$W/state-developer" "$W/developer.conf" 2>"$W/mkconf.err" &&
		make_conf restricted "$W/state-restricted" "$W/restricted.conf" 2>>"$W/mkconf.err"; then
		add_stack sandbox_developer "session required $MODULE conf=$W/developer.conf cache=$W/config-cache"
		add_stack sandbox_restricted "session required $MODULE conf=$W/restricted.conf cache=$W/config-cache"
		# Does a session open at all?  Otherwise say why and go on with the peers.
		if "$DRIVER" open -s "$(svc sandbox_developer)" -u "$JOIN_DEV" -n 1 -v >"$W/probe.json" 2>"$W/probe.err"; then
			ROLES=(developer restricted)
		else
			MODULE_WHY="session open fails: $(jq -r .error "$W/probe.json" 2>/dev/null) $(head -c 300 "$W/probe.err")"
			MODULE_OK=0
			log "pam_sandbox: $MODULE_WHY"
		fi
	else
		MODULE_WHY="bench config: $(head -c 300 "$W/mkconf.err")"
		MODULE_OK=0
		log "pam_sandbox: $MODULE_WHY"
	fi
	meta module_ok "$MODULE_OK"; meta module_why "$MODULE_WHY"
fi

# ---- section: PAM session stacks -------------------------------------------------

if want pam; then
	log "PAM stacks: $N sessions each, in $ROUNDS interleaved rounds"
	per=$(((N + ROUNDS - 1) / ROUNDS))
	for r in "${ROLES[@]}"; do
		hold_start "join-$r" "$(svc "sandbox_$r")" "$W/join-$r.users" ||
			log "cannot hold a session of $(join_user "$r") ($r): $HOLD_READY"
	done
	for ((round = 1; round <= ROUNDS; round++)); do
		w=0; [ "$round" = 1 ] && w=3
		drive permit open -s "$(svc permit)" -U "$W/pool.users" -n "$per" -w "$w"
		drive floor floor -u "$(sed -n 1p "$W/pool.users")" -n "$per" -w "$w"
		ns_dropin user "$ALL_USERS"
		drive namespace_bind open -s "$(svc namespace)" -U "$W/pool.users" -n "$per" -w "$w"
		ns_dropin tmpfs "$ALL_USERS"
		drive namespace_tmpfs open -s "$(svc namespace)" -U "$W/pool.users" -n "$per" -w "$w"
		rm -f "$NSD"
		drive exec_unshare open -s "$(svc exec_unshare)" -U "$W/pool.users" -n "$per" -w "$w"
		drive exec_unshare_net open -s "$(svc exec_unshare_net)" -U "$W/pool.users" -n "$per" -w "$w"
		for r in "${ROLES[@]}"; do
			j=$(join_user "$r")
			drive "sandbox_${r}_first" open -s "$(svc "sandbox_$r")" -U "$W/pool.users" -n "$per" -w "$w" -F "$W/state-$r"
			drive "sandbox_${r}_join" open -s "$(svc "sandbox_$r")" -u "$j" -n "$per" -w "$w"
		done
		log "round $round/$ROUNDS done"
	done
	for r in "${ROLES[@]}"; do hold_stop "join-$r"; done
fi

# ---- section: whole-process peers ------------------------------------------------

if want peers; then
	log "whole-process peers: $EXEC_N runs each"
	BWRAP_FS=(--die-with-parent --ro-bind / / --tmpfs /tmp --proc /proc --dev /dev)
	per=$(((EXEC_N + ROUNDS - 1) / ROUNDS))
	for ((round = 1; round <= ROUNDS; round++)); do
		w=0; [ "$round" = 1 ] && w=2
		drive true exec -n "$per" -w "$w" -- true
		drive unshare_dev exec -n "$per" -w "$w" -- unshare --mount --ipc --uts --pid --fork true
		drive unshare_res exec -n "$per" -w "$w" -- unshare --mount --ipc --uts --pid --net --fork true
		drive bwrap_dev exec -n "$per" -w "$w" -- bwrap --unshare-ipc --unshare-pid --unshare-uts "${BWRAP_FS[@]}" true
		drive bwrap_res exec -n "$per" -w "$w" -- bwrap --unshare-all "${BWRAP_FS[@]}" true
		drive firejail_dev exec -n "$per" -w "$w" -- firejail --quiet --noprofile --private-tmp --caps.drop=all true
		drive firejail_res exec -n "$per" -w "$w" -- firejail --quiet --noprofile --private-tmp --net=none --caps.drop=all --nonewprivs true
	done
fi

# ---- section: whole ssh login ----------------------------------------------------------

if want ssh; then
	if [ ! -f "$SRCDIR/tests/lib/sshd.sh" ]; then
		log "ssh: tests/lib/sshd.sh missing, skipped"
	elif [ "$MODULE_OK" != 1 ]; then
		log "ssh: module not usable, measuring the login without it only"
		bash "$BENCH/ssh_login.sh" "$SSH_N" "" "$W/json/ssh.json" || log "ssh section failed"
	else
		log "ssh: $SSH_N logins each way, interleaved"
		make_conf developer "$W/state-ssh" "$W/ssh.conf"
		SBX_MODULE=$MODULE bash "$BENCH/ssh_login.sh" "$SSH_N" "$W/ssh.conf" "$W/json/ssh.json" ||
			log "ssh section failed"
	fi
fi

# ---- section: scale -----------------------------------------------------------------

if want scale; then
	max=$(tr , '\n' <<<"$SCALE" | sort -n | tail -1)
	log "scale: creating $max users"
	add_users s "$max" "$W/scale.users"
	for k in ${SCALE//,/ }; do
		head -n "$k" "$W/scale.users" >"$W/scale-$k.users"
		held=$(sed -n 1p "$W/scale-$k.users")
		for st in permit "${ROLES[@]/#/sandbox_}"; do
			new_cg "scale-$st-$k"
			cg=$CG
			m0=$(meminfo_kb)
			hold_start "scale-$st-$k" "$(svc "$st")" "$W/scale-$k.users" "$cg" ||
				log "scale $st $k: hold failed: $HOLD_READY"
			ready=$HOLD_READY
			sleep 1 # let deferred frees (RCU) settle before reading
			m1=$(meminfo_kb)
			kmem=-1 umem=-1
			if [ -n "$cg" ]; then
				kmem=$(cat "$cg/memory.kmem.usage_in_bytes" 2>/dev/null || echo -1)
				umem=$(cat "$cg/memory.usage_in_bytes")
			fi
			printf '{"k":%d,"stack":"%s","held":"%s","meminfo_kb_delta":%d,"kmem_bytes":%d,"mem_bytes":%d}\n' \
				"$k" "$st" "$ready" "$((m1 - m0))" "$kmem" "$umem" >>"$W/json/scale.json"
			if [ "$st" != permit ]; then
				drive "scale_${st}_first_$k" open -s "$(svc "$st")" -U "$W/pool.users" -n "$SCALE_N" -w 2 \
					-F "$W/state-${st#sandbox_}"
				drive "scale_${st}_join_$k" open -s "$(svc "$st")" -u "$held" -n "$SCALE_N" -w 2
			fi
			hold_stop "scale-$st-$k"
			left=$(cg_wait_empty "$cg") || log "scale $st $k: processes left: $left"
			rm_cgs
		done
	done
fi

# ---- section: leaks -----------------------------------------------------------------

# What the host looks like, for before/after comparison.
snapshot() { # DIR
	mkdir -p "$1"
	awk '{ print $5, $(NF-2), $(NF-1) }' /proc/self/mountinfo | sort >"$1/mounts"
	grep -c nsfs /proc/self/mountinfo >"$1/nsfs" || true
	local c
	: >"$1/cgroups"
	for c in /sys/fs/cgroup/*/; do
		find "$c" -mindepth 1 -type d 2>/dev/null | grep -v "/$TAG-" >>"$1/cgroups"
	done
	sort -o "$1/cgroups" "$1/cgroups"
	local s
	: >"$1/state"
	for s in "$W"/state-*; do [ -d "$s" ] && find "$s" -mindepth 2 >>"$1/state"; done
}
# leak_check NAME BEFORE AFTER CG: one JSON line on what is left.
leak_check() {
	local name=$1 b=$2 a=$3 cg=$4 procs mounts cgroups state nsfs
	procs=$(cg_wait_empty "$cg" | paste -sd' ' -)
	mounts=$(comm -13 "$b/mounts" "$a/mounts" | paste -sd';' -)
	# Only cgroups that can be ours: other sessions on a shared machine
	# create cgroups of their own meanwhile.
	cgroups=$(comm -13 "$b/cgroups" "$a/cgroups" | grep -E "$CG_MINE" | paste -sd';' -)
	# Not a difference: once every session is closed and every sandbox
	# gone, the state directory must be empty (but for users/ itself).
	state=$(paste -sd';' - <"$a/state")
	nsfs=$(($(cat "$a/nsfs") - $(cat "$b/nsfs")))
	jq -cn --arg name "$name" --arg procs "$procs" --arg mounts "$mounts" --arg cgroups "$cgroups" \
		--arg state "$state" --argjson nsfs "$nsfs" \
		'{name:$name, procs:$procs, mounts:$mounts, cgroups:$cgroups, state:$state, nsfs:$nsfs}' \
		>>"$W/json/leaks.json"
}

if want leaks; then
	# pam_sandbox's default cgroup parent, or a bench user's name or uid.
	CG_MINE="pam_sandbox|$UPFX|user-($(cat "$W/pool.users" "$W/join.users" | xargs -n1 id -u | paste -sd'|' -))([^0-9]|\$)"
	for r in "${ROLES[@]}"; do
		for kind in first join; do
			log "leaks: $LEAK_N forked open/close cycles, $r, $kind logins"
			j=$(join_user "$r")
			snapshot "$W/snap-$r-$kind-0"
			new_cg "leak-$r-$kind"
			cg=$CG
			if [ "$kind" = join ]; then
				hold_start "leak-$r" "$(svc "sandbox_$r")" "$W/join-$r.users" "$cg" ||
					log "leaks: cannot hold a session of $j: $HOLD_READY"
				in_cg "$cg" "$DRIVER" open -s "$(svc "sandbox_$r")" -u "$j" -n "$LEAK_N" \
					-o "$W/json/leak_${r}_$kind.json" 2>>"$W/json/leak.err"
				hold_stop "leak-$r"
			else
				in_cg "$cg" "$DRIVER" open -s "$(svc "sandbox_$r")" -U "$W/pool.users" -n "$LEAK_N" \
					-F "$W/state-$r" -o "$W/json/leak_${r}_$kind.json" 2>>"$W/json/leak.err"
			fi
			cg_wait_empty "$cg" >/dev/null
			snapshot "$W/snap-$r-$kind-1"
			leak_check "${r}_$kind" "$W/snap-$r-$kind-0" "$W/snap-$r-$kind-1" "$cg"
			rm_cgs
		done
	done
	log "leaks: $INPROC_N open/close cycles in one process (descriptors, heap)"
	"$DRIVER" inproc -s "$(svc permit)" -u "$JOIN_DEV" -n "$INPROC_N" -w 20 -o "$W/json/inproc_permit.json" 2>>"$W/json/leak.err"
	for r in "${ROLES[@]}"; do
		snapshot "$W/snap-inproc-$r-0"
		new_cg "inproc-$r"
		cg=$CG
		in_cg "$cg" "$DRIVER" inproc -s "$(svc "sandbox_$r")" -U "$W/pool.users" -n "$INPROC_N" -w 20 \
			-o "$W/json/inproc_$r.json" 2>>"$W/json/leak.err"
		cg_wait_empty "$cg" >/dev/null
		snapshot "$W/snap-inproc-$r-1"
		leak_check "inproc_$r" "$W/snap-inproc-$r-0" "$W/snap-inproc-$r-1" "$cg"
		rm_cgs
	done
fi

# ---- report ---------------------------------------------------------------------------

log "writing $OUTDIR/results.json"
python3 "$BENCH/report.py" "$W" "$OUTDIR/results.json"
rc=$?
cp "$W"/json/*.err "$OUTDIR/" 2>/dev/null
exit "$rc"
