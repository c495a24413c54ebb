# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# lib.sh - helpers of the guest-side suites (run inside the QEMU guest,
# whose / is the host's, read-only). Sourced, not run.
#
# Environment (set by tests/vm/run.sh): TERN_VM_RESULTS, TERN_VM_BUILD,
# TERN_VM_DEVICES, TERN_REPO.

KVER=$(uname -r)
TERN_KO=${TERN_KO:-$TERN_VM_BUILD/kmod/$KVER/kernel/tern.ko}
export PROBE=${TERN_VM_PROBE:-$TERN_VM_BUILD/guest-tools/tern-vm-probe}
EMU_ID=0x1af4:0x1110

log() { echo "[$(date +%T)] $*"; }

# Fail the current suite (each suite runs in its own subshell).
die() {
	echo "FAIL: $*" >&2
	exit 1
}

# Whether ivshmem function $1 is a tern-emu VF port (run.sh --vfs): its
# BAR2 is the 64 KiB register window only, a PF's also holds device memory
# (hw-spec 11.8). Read from sysfs: the BAR is not mapped.
emu_is_vf_port() {
	local start end _
	read -r start end _ < <(sed -n 3p "/sys/bus/pci/devices/$1/resource")
	[ $((end - start + 1)) -le $((0x10000)) ]
}

# PCI functions of the emulated devices (their PFs), in bus order.
emu_functions() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = $EMU_ID ] || continue
		emu_is_vf_port "${d##*/}" || basename "$d"
	done
	return 0
}

# The VF ports of all emulated devices, in bus order.
emu_vf_ports() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = $EMU_ID ] || continue
		! emu_is_vf_port "${d##*/}" || basename "$d"
	done
	return 0
}

# The node a bound function exposes: /dev/accel/accelN with the accel
# subsystem, else /dev/dri/renderDN. Empty when unbound.
node_of() {
	local fn=$1 n
	for n in /sys/bus/pci/devices/"$fn"/accel/accel* \
		/sys/bus/pci/devices/"$fn"/drm/renderD*; do
		[ -e "$n" ] || continue
		case $n in
		*/accel/*) echo "/dev/accel/${n##*/}" ;;
		*) echo "/dev/dri/${n##*/}" ;;
		esac
		return 0
	done
	return 0
}

# The node class this kernel uses.
node_glob() {
	if [ -d /sys/class/accel ]; then echo '/dev/accel/accel*'; else echo '/dev/dri/renderD*'; fi
}

tern_loaded() { [ -d /sys/module/tern ]; }

load_deps() {
	local deps
	deps=$(modinfo -F depends "$TERN_KO" | tr , ' ')
	# shellcheck disable=SC2086 # a list of module names
	[ -z "$deps" ] || modprobe -a $deps || die "modprobe $deps"
}

# Module parameters come from $TERN_KO_PARAMS (e.g. "job_timeout_ms=2000").
tern_load() {
	tern_loaded && return 0
	load_deps
	# shellcheck disable=SC2086 # a list of parameters
	insmod "$TERN_KO" ${TERN_KO_PARAMS:-} || die "insmod $TERN_KO ${TERN_KO_PARAMS:-}"
}

tern_unload() {
	tern_loaded || return 0
	rmmod tern || die "rmmod tern"
}

# Wait (up to $2 s, default 60: probe resets the function, which scrubs
# device memory) until function $1 has a node (or none, with $3 = gone).
wait_node() {
	local fn=$1 limit=$(( ${2:-60} * 10 )) want=${3:-present} i=0 n
	while [ $i -lt $limit ]; do
		n=$(node_of "$fn")
		if [ "$want" = present ] && [ -n "$n" ] && [ -e "$n" ]; then
			echo "$n"
			return 0
		fi
		if [ "$want" = gone ] && [ -z "$n" ]; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

bind_fn() {
	local fn=$1
	echo tern > "/sys/bus/pci/devices/$fn/driver_override"
	echo "$fn" > /sys/bus/pci/drivers_probe || die "drivers_probe $fn"
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$fn/driver")")" = tern ] ||
		die "$fn did not bind to tern"
	wait_node "$fn" > /dev/null || die "$fn bound but no node appeared"
}

unbind_fn() {
	local fn=$1
	echo "$fn" > /sys/bus/pci/drivers/tern/unbind || die "unbind $fn"
	wait_node "$fn" 10 gone || die "$fn unbound but its node stayed"
}

bind_all() {
	local fn
	for fn in $(emu_functions); do
		[ -e "/sys/bus/pci/devices/$fn/driver" ] || bind_fn "$fn"
	done
}

# Kernel-log checks: every suite must leave no warning, bug or oops.
DMESG_BAD='WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|UBSAN|'\
'possible circular locking|possible recursive locking|lockdep|'\
'INFO: task .* blocked|rcu.*stall|list_add corruption|list_del corruption|'\
'refcount_t:|kernel BUG|double free|use-after-free|segfault at|tern.*: .*leak'

dmesg_mark() { dmesg | wc -l; }

# Lines of the kernel log after mark $1 that indicate a kernel bug.
dmesg_bad_since() {
	dmesg | tail -n +"$(( $1 + 1 ))" | grep -E "$DMESG_BAD" || true
}
