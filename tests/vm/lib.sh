# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# lib.sh - helpers shared by the host-side scripts of the QEMU harness.
# Sourced, not run.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)
# Everything the harness builds or generates lives here (never in the tree).
VM_BUILD=${TERN_VM_BUILD:-$REPO/build-vm}

vm_die() {
	echo "vm: $*" >&2
	exit 1
}

# vm_kernel K: the kernel release for K, which is a release
# (6.1.0-56-amd64) or a series (6.1, 6.12): the newest installed release
# of that series that has an image, modules and headers.
vm_kernel() {
	local k=$1 r best=
	if [ -e "/boot/vmlinuz-$k" ]; then
		echo "$k"
		return
	fi
	case $k in
	[0-9]*.[0-9]*) ;;
	*) vm_die "unknown kernel '$k' (a release like 6.1.0-56-amd64, or 6.1 / 6.12)" ;;
	esac
	for r in /boot/vmlinuz-"$k".* /boot/vmlinuz-"$k"-*; do
		[ -e "$r" ] || continue
		r=${r#/boot/vmlinuz-}
		if [ ! -d "/lib/modules/$r/kernel" ] ||
		   [ ! -e "/lib/modules/$r/build/Makefile" ]; then
			continue
		fi
		best=$(printf '%s\n%s\n' "$best" "$r" | sed '/^$/d' | sort -V | tail -n1)
	done
	[ -n "$best" ] || vm_die "no kernel $k installed (run tests/vm/deps.sh as root)"
	echo "$best"
}

# Where the module for release $1 is built: a private copy of kernel/ and
# include/ so that builds for different kernels never share objects.
vm_kmod_dir() {
	echo "$VM_BUILD/kmod/$1"
}

vm_initramfs() {
	echo "$VM_BUILD/initramfs/$1.cpio.gz"
}

# Print "insmod PATH" lines for modules $2.. of release $1, dependencies
# first, each module once ("builtin" ones dropped).
vm_module_order() {
	local k=$1
	shift
	modprobe -S "$k" -a --show-depends "$@" |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}
