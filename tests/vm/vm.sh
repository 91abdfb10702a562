#!/bin/bash
# Run the guest image of build-image.sh under qemu (software emulation):
# start it in the background, wait for ssh, run commands in it, stop it.
#
# As a library (source it):
#   vm_start IMAGE_DIR SHARE_DIR   boot; state in a fresh temp dir ($VM_DIR)
#   vm_wait [SECONDS]              real ssh logins until one works (180 s)
#   vm_ssh [-u USER] [-s] CMD...   run CMD in the guest (root by default;
#                                  -s passes standard input through)
#   vm_stop                        poweroff over ssh, QMP system_powerdown,
#                                  SIGTERM, SIGKILL: by the pid file only
#   vm_arm_trap                    stop the VM when the caller exits, even
#                                  on failure or a signal
# As a command:
#   vm.sh start [IMAGE_DIR [SHARE_DIR]]   prints VM_DIR=...; export it
#   vm.sh wait|stop|status|serial-log
#   vm.sh ssh [-u USER] CMD...
#
# Nothing listens beyond 127.0.0.1: the ssh forward binds loopback, QMP and
# the serial console are unix sockets in $VM_DIR, and the guest's user
# network is restricted (it cannot reach the host or the outside).  A
# watchdog bounds qemu's life to VM_TIMEOUT seconds (default 1800) even if
# the caller is killed and cannot run its trap.
#
# Environment: VM_TIMEOUT, VM_SSH_TIMEOUT (per command, default 300),
# VM_MEM (2048), VM_SMP (2), VM_ACCEL (tcg,thread=multi), VM_KEEP=1 keeps
# $VM_DIR after stop.

VM_DIR=${VM_DIR:-}
VM_TIMEOUT=${VM_TIMEOUT:-1800}
VM_SSH_TIMEOUT=${VM_SSH_TIMEOUT:-300}

vm_log() { printf 'vm: %s\n' "$*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on now (qemu may still lose a
# race for it: vm_start retries).
vm__free_port() {
	local used port i
	used=$(awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null)
	for i in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if ! grep -qix "$(printf '%04X' "$port")" <<<"$used"; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# The pid of our qemu, only if that process is still ours: its command line
# names our state directory (so a recycled pid is never signalled).
vm__pid() {
	local pid
	[ -n "$VM_DIR" ] && [ -s "$VM_DIR/qemu.pid" ] || return 1
	pid=$(tr -dc 0-9 <"$VM_DIR/qemu.pid")
	[ -n "$pid" ] || return 1
	vm__alive "$pid" || return 1
	grep -qF "$VM_DIR/" "/proc/$pid/cmdline" 2>/dev/null || return 1
	echo "$pid"
}

# True while PID exists and is not a zombie.
vm__alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed -e 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Wait up to $2 seconds for pid $1 to end.  Returns 0 once it is gone.
vm__wait_gone() {
	local pid=$1 deadline=$((SECONDS + $2))
	while vm__alive "$pid"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.5
	done
}

vm__ssh_opts() {
	local port
	port=$(cat "$VM_DIR/port")
	printf '%s\n' -F /dev/null -p "$port" -i "$VM_DIR/id_ed25519" \
		-o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ControlMaster=no -o ControlPath=none -o ConnectTimeout=10 \
		-o ConnectionAttempts=1 -o ServerAliveInterval=10 -o ServerAliveCountMax=6 \
		-o SendEnv=none -o SetEnv=LC_ALL=C.UTF-8
}

# vm_ssh [-u USER] [-s] [-t SECONDS] CMD...: run CMD (a shell command line)
# in the guest through a real ssh login, no connection sharing.  Returns
# the command's exit status (255: ssh failed; 124: timed out).
vm_ssh() {
	local user=root stdin=0 t=$VM_SSH_TIMEOUT opt
	OPTIND=1
	while getopts u:st: opt; do
		case $opt in
		u) user=$OPTARG ;;
		s) stdin=1 ;;
		t) t=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ -n "$VM_DIR" ] && [ -f "$VM_DIR/port" ] || {
		vm_log "no VM running (VM_DIR unset)"
		return 255
	}
	local -a opts
	mapfile -t opts < <(vm__ssh_opts)
	if [ "$stdin" = 1 ]; then
		timeout -k 5 "$t" ssh "${opts[@]}" "$user@127.0.0.1" -- "$*"
	else
		timeout -k 5 "$t" ssh -n "${opts[@]}" "$user@127.0.0.1" -- "$*"
	fi
}

# vm_ssh_bg VAR [-u USER] CMD...: start an ssh login in the background whose
# standard input stays open until vm_ssh_bg_end; the remote command can hold
# its session by reading stdin (`read x`).  Sets VAR to a handle: the ssh
# pid; output goes to $VM_DIR/bg.PID.out.
vm_ssh_bg() {
	local __var=$1 user=root
	shift
	if [ "$1" = -u ]; then
		user=$2
		shift 2
	fi
	local -a opts
	mapfile -t opts < <(vm__ssh_opts)
	local fifo
	fifo=$(mktemp -u "$VM_DIR/hold.XXXXXX")
	mkfifo "$fifo"
	timeout -k 5 "$VM_SSH_TIMEOUT" ssh "${opts[@]}" "$user@127.0.0.1" -- "$*" \
		<"$fifo" >"$fifo.out" 2>&1 &
	local pid=$!
	# Holding the write end keeps the remote stdin open (opening blocks
	# until ssh has opened the read end).
	local fd
	exec {fd}>"$fifo"
	echo "$fd $fifo" >"$VM_DIR/bg.$pid"
	ln -sf "$fifo.out" "$VM_DIR/bg.$pid.out"
	printf -v "$__var" '%s' "$pid"
}

# vm_ssh_bg_end PID: close the login's stdin (the remote read sees EOF and
# the session ends) and wait for ssh; kill it by pid if it lingers.
vm_ssh_bg_end() {
	local pid=$1 fd fifo
	[ -f "$VM_DIR/bg.$pid" ] || return 0
	read -r fd fifo <"$VM_DIR/bg.$pid"
	exec {fd}>&-
	local deadline=$((SECONDS + 20))
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.2
	done
	kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$VM_DIR/bg.$pid" "$fifo"
	return 0
}

# Wait up to $1 seconds for a line matching the regex $2 in the output of
# background login PID $3.
vm_ssh_bg_expect() {
	local pid=$1 re=$2 t=${3:-60} deadline
	deadline=$((SECONDS + t))
	while [ "$SECONDS" -lt "$deadline" ]; do
		grep -qE "$re" "$VM_DIR/bg.$pid.out" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { grep -qE "$re" "$VM_DIR/bg.$pid.out" 2>/dev/null; return; }
		sleep 0.2
	done
	return 1
}

# The watchdog: one bash process with no children while it waits (`read -t`
# on a fifo nobody writes), so stopping it by its pid leaves nothing.  When
# the time is up it stops qemu by the pid file (if still ours).
vm__watchdog() {
	local dir=$1 t=$2 pid x
	echo $$ >"$dir/watchdog.pid"
	exec 3<>"$dir/watchdog.fifo" </dev/null >/dev/null 2>&1
	read -r -t "$t" -u 3 x
	pid=$(cat "$dir/qemu.pid" 2>/dev/null) || exit 0
	grep -qF "$dir/" "/proc/$pid/cmdline" 2>/dev/null || exit 0
	echo "watchdog: wall-clock limit of $t s reached, stopping qemu" >>"$dir/watchdog.log"
	kill -TERM "$pid" 2>/dev/null
	read -r -t 10 -u 3 x
	grep -qF "$dir/" "/proc/$pid/cmdline" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	exit 0
}

# vm_start IMAGE_DIR SHARE_DIR: boot the image (a qcow2 overlay per boot:
# the cached image never changes) with SHARE_DIR as 9p tag "hostshare".
# Sets and exports VM_DIR.  Returns non-zero when qemu did not start.
vm_start() {
	local img=$1 share=${2:-}
	local t
	for t in qemu-system-x86_64 qemu-img ssh; do
		command -v "$t" >/dev/null 2>&1 || {
			vm_log "$t not found (apt-get install qemu-system-x86 qemu-utils openssh-client)"
			return 77
		}
	done
	[ -f "$img/complete" ] || { vm_log "no built image in $img"; return 1; }
	VM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sbxvm.XXXXXX") || return 1
	export VM_DIR
	install -m 600 "$img/id_ed25519" "$VM_DIR/id_ed25519"
	qemu-img create -q -f qcow2 -F raw -b "$img/rootfs.img" "$VM_DIR/overlay.qcow2" || return 1

	local kernel=$img/vmlinux
	local append="root=/dev/vda rw console=ttyS0,115200 panic=1 audit=1 net.ifnames=0 mitigations=off"
	local -a share_opts=()
	if [ -n "$share" ]; then
		share_opts=(-virtfs "local,path=$share,mount_tag=hostshare,security_model=none,readonly=on,multidevs=remap")
	fi

	mkfifo "$VM_DIR/watchdog.fifo"
	local try port rc
	for try in 1 2 3 4 5; do
		port=$(vm__free_port) || { vm_log "no free port"; return 1; }
		echo "$port" >"$VM_DIR/port"
		rm -f "$VM_DIR/qemu.pid"
		qemu-system-x86_64 \
			-name "sbxvm,debug-threads=on" \
			-machine q35 -accel "${VM_ACCEL:-tcg,thread=multi}" -cpu qemu64 \
			-smp "${VM_SMP:-2}" -m "${VM_MEM:-2048}" \
			-nodefaults -no-user-config -display none -vga none -no-reboot \
			-kernel "$kernel" -initrd "$img/initrd.img" -append "$append" \
			-drive "if=none,id=root,file=$VM_DIR/overlay.qcow2,format=qcow2,cache=unsafe,discard=unmap" \
			-device virtio-blk-pci,drive=root \
			-netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
			-device virtio-net-pci,netdev=net0,romfile= \
			-device virtio-rng-pci \
			"${share_opts[@]}" \
			-chardev "socket,id=ser0,path=$VM_DIR/serial.sock,server=on,wait=off,logfile=$VM_DIR/serial.log" \
			-serial chardev:ser0 \
			-qmp "unix:$VM_DIR/qmp.sock,server=on,wait=off" \
			-pidfile "$VM_DIR/qemu.pid" -daemonize \
			>"$VM_DIR/qemu.log" 2>&1
		rc=$?
		[ "$rc" = 0 ] && break
		if grep -q 'host forwarding' "$VM_DIR/qemu.log"; then
			vm_log "port $port taken, retrying"
			continue
		fi
		vm_log "qemu failed to start (exit $rc):"
		cat "$VM_DIR/qemu.log" >&2
		return 1
	done
	[ "$rc" = 0 ] || return 1
	local pid
	pid=$(vm__pid) || { vm_log "qemu started but its pid file is missing"; return 1; }
	setsid bash -c "$(declare -f vm__watchdog); vm__watchdog \"\$@\"" watchdog \
		"$VM_DIR" "$VM_TIMEOUT" </dev/null >/dev/null 2>&1 &
	VM_T_START=$SECONDS
	vm_log "qemu pid $pid, ssh on 127.0.0.1:$port, state in $VM_DIR"
}

# vm_wait [SECONDS]: real ssh logins until one works (a port probe is not
# enough: qemu accepts the connection before sshd is up).  On failure
# prints the tail of the serial console.
vm_wait() {
	local t=${1:-180} deadline
	deadline=$((SECONDS + t))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! vm__pid >/dev/null; then
			vm_log "qemu is gone while waiting for ssh; serial console:"
			tail -40 "$VM_DIR/serial.log" >&2 2>/dev/null
			return 1
		fi
		if vm_ssh -t 20 true 2>/dev/null; then
			vm_log "ssh answers after $((SECONDS - ${VM_T_START:-0})) s"
			return 0
		fi
		sleep 1
	done
	vm_log "no ssh login after $t s; serial console:"
	tail -40 "$VM_DIR/serial.log" >&2 2>/dev/null
	return 1
}

# vm_stop: bring the VM down, gentlest way first, only by its pid file; then
# stop the watchdog by its pid and remove $VM_DIR (unless VM_KEEP=1).
vm_stop() {
	[ -n "$VM_DIR" ] && [ -d "$VM_DIR" ] || return 0
	local pid t0=$SECONDS how=
	if pid=$(vm__pid); then
		# 1. poweroff from inside (systemd stops the units, auditd flushes).
		vm_ssh -t 15 'systemctl poweroff --no-block' >/dev/null 2>&1
		if vm__wait_gone "$pid" 40; then
			how=poweroff
		else
			# 2. ACPI power button through QMP.
			if command -v socat >/dev/null 2>&1 && [ -S "$VM_DIR/qmp.sock" ]; then
				printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"system_powerdown"}' |
					timeout 10 socat - "UNIX-CONNECT:$VM_DIR/qmp.sock" >/dev/null 2>&1
			fi
			if vm__wait_gone "$pid" 30; then
				how=system_powerdown
			else
				# 3./4. signals, to that pid only.
				vm__pid >/dev/null && kill -TERM "$pid" 2>/dev/null
				if vm__wait_gone "$pid" 10; then
					how=SIGTERM
				else
					vm__pid >/dev/null && kill -KILL "$pid" 2>/dev/null
					vm__wait_gone "$pid" 10
					how=SIGKILL
				fi
			fi
		fi
		vm_log "stopped qemu $pid ($how) in $((SECONDS - t0)) s"
	fi
	local wpid
	if wpid=$(cat "$VM_DIR/watchdog.pid" 2>/dev/null) && [ -n "$wpid" ] &&
		grep -qF "$VM_DIR" "/proc/$wpid/cmdline" 2>/dev/null; then
		kill -TERM "$wpid" 2>/dev/null
	fi
	# Background logins still open.
	local f
	for f in "$VM_DIR"/bg.[0-9]*; do
		[ -e "$f" ] || continue
		case $f in *.out) continue ;; esac
		vm_ssh_bg_end "${f##*/bg.}"
	done
	if [ "${VM_KEEP:-0}" = 1 ]; then
		vm_log "kept $VM_DIR"
	else
		rm -rf "$VM_DIR"
	fi
	VM_DIR=
}

# Stop the VM when the caller exits, whatever the reason.  An existing EXIT
# trap of the caller runs first.
vm_arm_trap() {
	local prev
	prev=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
	# shellcheck disable=SC2064
	trap "${prev:+$prev;} vm_stop" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

vm_main() {
	local here cmd=${1:-}
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	shift || true
	case $cmd in
	start)
		local img=${1:-}
		[ -n "$img" ] || img=$("$here/build-image.sh") || exit
		VM_TIMEOUT=${VM_TIMEOUT:-1800}
		vm_start "$img" "${2:-}" || exit
		echo "VM_DIR=$VM_DIR"
		;;
	wait) vm_wait "${1:-180}" ;;
	ssh) vm_ssh "$@" ;;
	stop) vm_stop ;;
	status)
		if vm__pid >/dev/null; then
			echo "running: pid $(vm__pid), ssh port $(cat "$VM_DIR/port")"
		else
			echo "not running"
			return 1
		fi
		;;
	serial-log) cat "$VM_DIR/serial.log" ;;
	*)
		echo "usage: vm.sh start [IMAGE_DIR [SHARE_DIR]] | wait [SECONDS] | ssh [-u USER] CMD... | stop | status | serial-log" >&2
		exit 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	vm_main "$@"
fi
