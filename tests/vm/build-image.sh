#!/bin/bash
# Build the guest image of the VM test bed: Debian bookworm with systemd as
# pid 1, sshd, auditd and the Debian kernel, in a sparse raw ext4 image.
#
#   build-image.sh [CACHE_DIR]     (default: tests/vm/cache beside this script)
#
# The result lives in CACHE_DIR/<key>/ where <key> is a hash of this script
# and guest-packages: the image is rebuilt only when either changes, and a
# fresh machine builds it.  Prints the image directory on stdout (logs go to
# stderr), which holds:
#   rootfs.img  sparse raw ext4 image (root=/dev/vda)
#   vmlinux     uncompressed kernel (boots directly through PVH); bzImage as
#               fallback when it could not be extracted
#   initrd.img  small initrd: virtio_pci, virtio_blk, ext4 (+ deps) only
#   id_ed25519  root's ssh key (authorized for root in the guest)
#   kernel-release, mirror, packages
#
# Exit codes: 0 built or cached; 77 cannot build here (not root, tools
# missing); 1 the build failed.  Needs root: debootstrap and chroot.
#
# No loop devices and no mounts left behind: every mount happens inside a
# private mount namespace (unshare -m) that vanishes with the build.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-${VM_CACHE:-$here/cache}}
suite=bookworm
image_size=4G

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }

# Which packages go in: guest-packages without comments.
packages() {
	sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/guest-packages"
}

# The cache key: what builds the image.  The mirror is not part of it: the
# same packages from another mirror make the same guest.
cache_key() {
	cat "$here/build-image.sh" "$here/guest-packages" | sha256sum | cut -c1-16
}

# The Debian mirror of this host's apt sources (deb822 .sources or one-line
# .list), for the main archive of $suite: the only one reachable here, so it
# is derived rather than written down.  VM_MIRROR overrides.
find_mirror() {
	if [ -n "${VM_MIRROR:-}" ]; then
		echo "$VM_MIRROR"
		return
	fi
	local f m
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		m=$(awk -v suite="$suite" '
			function flush() {
				if (uri != "" && debtype && has_suite && !done) { print uri; done = 1 }
				uri = ""; debtype = 0; has_suite = 0
			}
			/^[[:space:]]*$/ { flush(); next }
			/^[[:space:]]*#/ { next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") debtype = 1 }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has_suite = 1 }
			END { flush() }' "$f")
		if [ -n "$m" ]; then
			echo "$m"
			return
		fi
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		# deb [options] URI SUITE COMPONENTS...
		m=$(sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }')
		if [ -n "$m" ]; then
			echo "$m"
			return
		fi
	done
	return 1
}

# Write the uncompressed kernel (an ELF) from a bzImage: find the compressed
# payload by its magic and try each decompressor.  qemu boots the ELF through
# its PVH note, which skips the decompressor (seconds under TCG).
extract_vmlinux() {
	local bz=$1 out=$2 magic tool off
	for magic in '\x28\xb5\x2f\xfd:zstd -qdc' '\xfd7zXZ\x00:xz -qdc --single-stream' \
		'\x1f\x8b\x08:gzip -qdc' '\x02\x21\x4c\x18:lz4 -qdc' 'BZh:bzip2 -qdc' \
		'\x89LZO:lzop -qdc' '\x5d\x00\x00\x00:unlzma -qc'; do
		tool=${magic#*:}
		magic=${magic%%:*}
		command -v "${tool%% *}" >/dev/null 2>&1 || continue
		for off in $(LC_ALL=C grep -aboP "$magic" "$bz" 2>/dev/null | cut -d: -f1 | head -5); do
			tail -c +$((off + 1)) "$bz" | $tool >"$out" 2>/dev/null || true
			if [ "$(head -c4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

# Everything that needs the chroot: runs inside a private mount namespace.
# $1 root directory, $2 apt archive cache.
configure_root() {
	local root=$1 archives=$2
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --bind /dev "$root/dev"
	mount --bind "$archives" "$root/var/cache/apt/archives"

	# A small initrd: the guest's root is ext4 on virtio-blk, nothing else.
	# 9p and virtio-net load from the root file system later.
	mkdir -p "$root/etc/initramfs-tools/conf.d"
	printf 'MODULES=list\nCOMPRESS=gzip\n' >"$root/etc/initramfs-tools/conf.d/vm.conf"
	printf 'virtio_pci\nvirtio_blk\next4\n' >>"$root/etc/initramfs-tools/modules"

	# No daemons start inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"

	chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
		apt-get -q -o Acquire::Retries=3 -o APT::Sandbox::User=root \
		install -y --no-install-recommends linux-image-amd64 >&2

	rm -f "$root/usr/sbin/policy-rc.d"

	# Boot faster: no periodic jobs that the tests do not want.
	chroot "$root" systemctl disable apt-daily.timer apt-daily-upgrade.timer \
		e2scrub_all.timer e2scrub_reap.service fstrim.timer >/dev/null 2>&1 || true
	chroot "$root" systemctl enable systemd-networkd.service >/dev/null 2>&1

	umount "$root/var/cache/apt/archives"
}

build() {
	local out=$1 work=$2 mirror root kver
	mirror=$(find_mirror) || die "no Debian mirror for $suite in /etc/apt/sources.list{,.d/*}; set VM_MIRROR"
	log "mirror: $mirror"
	root=$work/root
	mkdir -p "$root" "$cache/debs/debootstrap" "$cache/debs/apt/partial"

	local include
	include=$(packages | paste -sd, -)
	log "debootstrap --variant=minbase $suite (+ $include)"
	local t0=$SECONDS
	if ! unshare -m --propagation private \
		debootstrap --variant=minbase --include="$include" \
		--cache-dir="$cache/debs/debootstrap" \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		"$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
		tail -30 "$work/debootstrap.log" >&2
		[ -f "$root/debootstrap/debootstrap.log" ] && tail -30 "$root/debootstrap/debootstrap.log" >&2
		die "debootstrap failed"
	fi
	log "debootstrap done in $((SECONDS - t0)) s"

	# Identity, network, consoles and access.
	echo sbxvm >"$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tsbxvm\n::1\tlocalhost ip6-localhost\n' >"$root/etc/hosts"
	# An empty machine-id would start systemd's first-boot logic.
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$root/etc/machine-id"
	echo >>"$root/etc/machine-id"
	printf '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t1\n' >"$root/etc/fstab"

	# qemu user networking: static address, no DHCP wait.
	mkdir -p "$root/etc/systemd/network"
	cat >"$root/etc/systemd/network/10-vm.network" <<-'EOF'
		[Match]
		Type=ether

		[Network]
		Address=10.0.2.15/24
		Gateway=10.0.2.2
		LinkLocalAddressing=no
		IPv6AcceptRA=no
	EOF

	# Rescue: a root shell on the serial console without a password.
	mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
	cat >"$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<-'EOF'
		[Service]
		ExecStart=
		ExecStart=-/sbin/agetty -o '-p -f -- \\u' --keep-baud --autologin root 115200,57600,38400,9600 - $TERM
	EOF

	ssh-keygen -q -t ed25519 -N '' -C vm-test -f "$out/id_ed25519"
	install -d -m 700 "$root/root/.ssh"
	install -m 600 "$out/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
	cat >"$root/etc/ssh/sshd_config.d/vm-test.conf" <<-'EOF'
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		UseDNS no
		LogLevel VERBOSE
		MaxStartups 50
		MaxSessions 50
	EOF

	log "installing the kernel"
	t0=$SECONDS
	# Every mount of configure_root dies with this namespace.
	if ! unshare -m --propagation private \
		bash -c "$(declare -f configure_root); set -euo pipefail; configure_root \"\$1\" \"\$2\"" \
		configure_root "$root" "$cache/debs/apt" >"$work/kernel.log" 2>&1; then
		tail -30 "$work/kernel.log" >&2
		die "kernel install in the chroot failed"
	fi
	log "kernel installed in $((SECONDS - t0)) s"

	kver=$(ls "$root/lib/modules" | sort -V | tail -1)
	[ -n "$kver" ] || die "no kernel modules in the image"
	[ -f "$root/boot/initrd.img-$kver" ] || die "no initrd for $kver"
	echo "$kver" >"$out/kernel-release"
	cp "$root/boot/initrd.img-$kver" "$out/initrd.img"
	if extract_vmlinux "$root/boot/vmlinuz-$kver" "$out/vmlinux"; then
		log "kernel $kver: uncompressed vmlinux"
	else
		log "kernel $kver: vmlinux not extracted, booting the bzImage"
		cp "$root/boot/vmlinuz-$kver" "$out/vmlinux"
	fi

	# Drop what a test guest never uses: smaller image, faster mkfs.
	local m=$root/lib/modules/$kver/kernel
	rm -rf "$m/drivers/gpu" "$m/sound" "$m/drivers/media" "$m/drivers/net/wireless" \
		"$m/drivers/infiniband" "$m/drivers/staging" "$m/net/wireless" "$m/net/mac80211" \
		"$m/drivers/bluetooth" "$m/net/bluetooth" "$m/drivers/iio" "$m/drivers/isdn" \
		"$m/drivers/net/ethernet" "$m/drivers/scsi" "$m/drivers/usb" "$m/drivers/hid"
	chroot "$root" depmod -a "$kver"
	rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" \
		"$root/usr/share/locale" "$root/var/lib/apt/lists"/*_* "$root/var/cache/apt"/*.bin \
		"$root/var/log"/*.log "$root/debootstrap"
	mkdir -p "$root/var/lib/apt/lists/partial"

	packages >"$out/packages"
	chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$out/versions"
	echo "$mirror" >"$out/mirror"

	log "mkfs.ext4 -d ($image_size sparse)"
	t0=$SECONDS
	truncate -s "$image_size" "$out/rootfs.img"
	mkfs.ext4 -q -F -L sbxvm-root -E lazy_itable_init=1 -d "$root" "$out/rootfs.img" >&2 ||
		die "mkfs.ext4 -d failed"
	log "mkfs done in $((SECONDS - t0)) s; $(du -h "$out/rootfs.img" | cut -f1) allocated"
}

main() {
	[ "$(id -u)" = 0 ] || skip "building the guest image needs root (debootstrap, chroot)"
	local t
	for t in debootstrap mkfs.ext4 unshare ssh-keygen flock chroot; do
		command -v "$t" >/dev/null 2>&1 || skip "$t not found (apt-get install debootstrap e2fsprogs openssh-client util-linux)"
	done
	[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] ||
		skip "debian-archive-keyring not installed"

	local key dir
	key=$(cache_key)
	dir=$cache/$key
	mkdir -p "$cache"
	# One build at a time; a second caller waits and then finds it cached.
	exec 9>"$cache/.lock"
	flock -w 900 9 || die "timed out waiting for the image lock $cache/.lock"

	if [ -f "$dir/complete" ]; then
		log "cached: $dir"
		echo "$dir"
		return 0
	fi

	local t_start=$SECONDS work out
	# Under the lock, a build.* left here is from a build that was killed.
	rm -rf "$cache"/build.*
	work=$(mktemp -d "$cache/build.XXXXXX")
	out=$work/out
	mkdir -p "$out"
	# shellcheck disable=SC2064
	trap "rm -rf '$work'" EXIT
	build "$out" "$work"
	echo "$((SECONDS - t_start))" >"$out/build-seconds"
	touch "$out/complete"

	# Replace images of older keys (and any half-built ones) with this one.
	local old
	for old in "$cache"/*/; do
		old=${old%/}
		case ${old##*/} in
		debs | build.*) continue ;;
		esac
		[ "$old" = "$dir" ] || rm -rf "$old"
	done
	rm -rf "$dir"
	mv "$out" "$dir"
	log "built $dir in $((SECONDS - t_start)) s"
	echo "$dir"
}

main "$@"
