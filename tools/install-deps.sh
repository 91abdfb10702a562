#!/usr/bin/env bash
# Install every Debian package listed in .ci/packages (build, test and demo
# dependencies).  Idempotent and fast when everything is there already: apt
# is only run for what dpkg says is missing.
#
# Installing a package must not start a service on this host (openssh-server
# would start the host's sshd, auditd its daemon): while apt runs, a
# policy-rc.d that refuses service starts is put in place, unless the host
# already has one of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' .ci/packages | grep -v '^$')
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages of .ci/packages are installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"

policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# temporary, from pam_sandbox tools/install-deps.sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
