#!/bin/bash
# SPDX-License-Identifier: MIT
#
# deps.sh - install what the QEMU harness needs (idempotent, as root).
#
# QEMU, a static busybox for the initramfs, and two Debian kernels with
# their headers: 6.1 from bookworm (no accel subsystem, render node) and
# 6.12 from bookworm-backports (accel node). The kernels are installed by
# their exact ABI package names, never through the linux-image-amd64
# metapackage, so the host's own kernel choice is left alone. When
# headers of a series are already installed, their ABI is the one used,
# so the image always matches the headers the module is built against.
set -euo pipefail

series_list=(6.1 6.12)
tools=(qemu-system-x86 busybox-static cpio xz-utils file lm-sensors)

log() { echo "vm-deps: $*"; }

is_installed() {
	dpkg-query -W -f '${Status}\n' "$1" 2>/dev/null |
		grep -q '^install ok installed$'
}

# The archive URI the system already uses for bookworm (deb822 or one-line).
debian_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' \
			"$f" | head -n1)
		if [ -n "$uri" ]; then echo "$uri"; return; fi
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		uri=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' "$f")
		if [ -n "$uri" ]; then echo "$uri"; return; fi
	done
	echo http://deb.debian.org/debian
}

have_backports() {
	grep -rqsE '(^|[[:space:]])bookworm-backports([[:space:]]|$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

updated=0
apt_update() {
	if [ $updated -eq 0 ]; then
		log "apt-get update"
		apt-get update -qq
		updated=1
	fi
}

# ABI name (e.g. 6.1.0-56-amd64) of kernel series $1: the installed headers
# if any, else the newest one the linux-headers-amd64 metapackage offers.
kernel_abi() {
	local series=$1 re pkg
	re="^linux-headers-${series//./\\.}[.-][^ ]*-amd64 install ok installed$"
	pkg=$(dpkg-query -W -f '${Package} ${Status}\n' 'linux-headers-*' 2>/dev/null |
		grep -E "$re" | awk '{print $1}' | sort -V | tail -n1 || true)
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache show linux-headers-amd64 2>/dev/null |
			awk '/^Version:/ {v=$2} /^Depends:/ {print v, $2}' |
			grep -E "^${series//./\\.}\\." | sort -V | tail -n1 |
			awk '{print $2}')
	fi
	[ -n "$pkg" ] || { echo "vm-deps: no kernel headers package for $series" >&2; return 1; }
	echo "${pkg#linux-headers-}"
}

if [ "$(id -u)" != 0 ]; then
	missing=0
	for p in "${tools[@]}"; do is_installed "$p" || missing=1; done
	for s in "${series_list[@]}"; do
		ls /boot/vmlinuz-"$s"[.-]*-amd64 >/dev/null 2>&1 || missing=1
	done
	if [ $missing -eq 0 ]; then exit 0; fi
	echo "vm-deps: packages missing; run as root: $0" >&2
	exit 1
fi

if ! have_backports; then
	mirror=$(debian_mirror)
	log "adding bookworm-backports ($mirror)"
	cat > /etc/apt/sources.list.d/tern-bookworm-backports.sources <<EOF
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	updated=0
	apt_update
fi

missing=()
for p in "${tools[@]}"; do is_installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}"
fi

for s in "${series_list[@]}"; do
	# apt-cache needs lists when nothing of the series is installed yet.
	if ! abi=$(kernel_abi "$s" 2>/dev/null); then
		apt_update
		abi=$(kernel_abi "$s")
	fi
	pkgs=()
	for p in "linux-image-$abi" "linux-headers-$abi"; do
		is_installed "$p" || pkgs+=("$p")
	done
	[ ${#pkgs[@]} -gt 0 ] || continue
	apt_update
	target=()
	[ "$s" = 6.1 ] || target=(-t bookworm-backports)
	log "installing ${pkgs[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${target[@]}" "${pkgs[@]}"
done
log "ok"
