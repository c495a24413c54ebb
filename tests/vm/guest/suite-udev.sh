#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-udev.sh - udev/70-tern.rules with systemd-udevd running in the
# guest: every bound function's node (renderD* on 6.1, accel* on 6.12) gets
# group render, mode 0660, the uaccess tag and /dev/tern/by-pci/<address>.
#
# Two passes. First the repository's rules alone (udev's own rule
# directories are covered by empty tmpfs mounts), so that group, mode, tag
# and link can only come from them; the nodes are reset to root:root 0600
# before each pass. Then the rules next to the distribution's, as
# installed. In the second pass one function is unbound and bound again:
# its link must go with the node and come back. The guest's / is the host's,
# read-only: the rules go to /run/udev/rules.d, and a "render" group missing
# from the host's /etc/group is added through a bind-mounted copy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

# TERN_UDEV_RULES: another rules file to test (run.sh --env).
RULES=${TERN_UDEV_RULES:-$TERN_REPO/udev/70-tern.rules}
# The suites run chrooted into the host's root (tests/vm/mkinitramfs.sh);
# udevadm ignores trigger/settle/control requests in a chroot unless told.
export SYSTEMD_IGNORE_CHROOT=1
UDEVD=
for p in /usr/lib/systemd/systemd-udevd /lib/systemd/systemd-udevd; do
	[ -x "$p" ] && UDEVD=$p && break
done
[ -n "$UDEVD" ] || die "systemd-udevd not installed on the host (Debian package udev)"
command -v udevadm > /dev/null || die "udevadm not installed"
[ -f "$RULES" ] || die "$RULES missing"

mapfile -t fns < <(emu_functions)
[ "${#fns[@]}" -ge 1 ] || die "no emulated function"

rule_mounts=()
group_mounted=0
unmount_rule_dirs() {
	local m
	for m in "${rule_mounts[@]}"; do
		umount "$m" || return 1
	done
	rule_mounts=()
}
cleanup() {
	udevadm control --exit 2> /dev/null || true
	unmount_rule_dirs || true
	[ "$group_mounted" = 0 ] || umount /etc/group || true
	rm -f /run/udev/rules.d/70-tern.rules /run/tern-udev-group
	rm -rf /dev/tern
}
trap cleanup EXIT

# mount_over DIR: an empty tmpfs over DIR (undone by unmount_rule_dirs).
mount_over() {
	mount -t tmpfs -o mode=0755 tmpfs "$1" || die "mount tmpfs on $1"
	rule_mounts=("$1" "${rule_mounts[@]}")
}

if ! getent group render > /dev/null; then
	cp /etc/group /run/tern-udev-group
	echo 'render:x:989:' >> /run/tern-udev-group
	mount --bind /run/tern-udev-group /etc/group || die "bind /etc/group"
	group_mounted=1
	log "host has no render group: added one in the guest"
fi
render_gid=$(getent group render | cut -d: -f3)

mkdir -p /run/udev/rules.d
cp "$RULES" /run/udev/rules.d/70-tern.rules

# The nodes as devtmpfs makes them, and no links, so that each pass starts
# from what the kernel alone gives.
reset_nodes() {
	local fn n
	for fn in "${fns[@]}"; do
		n=$(node_of "$fn")
		[ -n "$n" ] || die "$fn has no node"
		chown root:root "$n"
		chmod 0600 "$n"
	done
	rm -rf /dev/tern
}

start_udevd() {
	"$UDEVD" --daemon --resolve-names=early || die "systemd-udevd did not start"
	udevadm control --ping --timeout=30 || die "systemd-udevd does not answer"
}

trigger() {
	udevadm trigger --action=add --subsystem-match=accel --subsystem-match=drm ||
		die "udevadm trigger"
	udevadm settle --timeout=60 || die "udevadm settle timed out"
}

# check_fn FN: its node is root:render 0660, tagged uaccess, and
# /dev/tern/by-pci/FN points at it.
check_fn() {
	local fn=$1 n got link tags
	n=$(node_of "$fn")
	[ -n "$n" ] || die "$fn has no node"
	got=$(stat -c '%u:%g %a' "$n")
	[ "$got" = "0:$render_gid 660" ] ||
		die "$n: owner, group, mode $got; want 0:$render_gid (render) 660"
	tags=$(udevadm info --query=property "$n" | sed -n 's/^\(CURRENT_\)\{0,1\}TAGS=//p' | tr '\n' ' ')
	case $tags in
	*:uaccess:*) ;;
	*) die "$n is not tagged uaccess (tags: $tags)" ;;
	esac
	link=/dev/tern/by-pci/$fn
	[ -L "$link" ] || die "$link missing ($(find /dev/tern -printf '%p ' 2>&1))"
	[ "$(readlink -f "$link")" = "$n" ] || die "$link -> $(readlink -f "$link"), not $n"
	echo "$fn: $n root:render 0660, uaccess, $link"
}

# Pass 1: the repository's rules alone.
mount_over /usr/lib/udev/rules.d
if [ -d /lib/udev/rules.d ] && [ "$(readlink -f /lib/udev/rules.d)" != /usr/lib/udev/rules.d ]; then
	mount_over /lib/udev/rules.d
fi
mount_over /etc/udev/rules.d
reset_nodes
start_udevd
trigger
for fn in "${fns[@]}"; do check_fn "$fn"; done
udevadm control --exit || die "systemd-udevd did not exit"
unmount_rule_dirs || die "cannot unmount the tmpfs over udev's rule directories"
log "pass 1 (tern rules alone): ok"

# Pass 2: with the distribution's rules; a function leaves and comes back.
reset_nodes
start_udevd
trigger
for fn in "${fns[@]}"; do check_fn "$fn"; done
fn=${fns[0]}
unbind_fn "$fn"
udevadm settle --timeout=60 || die "udevadm settle timed out"
if [ -e "/dev/tern/by-pci/$fn" ] || [ -L "/dev/tern/by-pci/$fn" ]; then
	die "/dev/tern/by-pci/$fn stayed after unbind"
fi
bind_fn "$fn"
udevadm settle --timeout=60 || die "udevadm settle timed out"
check_fn "$fn"
log "pass 2 (with the distribution's rules, unbind/rebind): ok"
echo "DETAIL: ${#fns[@]} node(s) $(node_glob | sed 's/\*//')*: render 0660 uaccess by-pci"
