#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-partition.sh - VF partitions of an emulated card (hw-spec 10 and
# 11.8, docs/uapi.md "Partitions"), with tern-emu's VF ports (run.sh --vfs):
#   - before a table, a VF port is an absent function and does not bind;
#   - PARTITION_SET: EPERM without CAP_SYS_ADMIN, EINVAL for bad tables; a
#     2-way table is applied, read back and reserved out of the PF's memory;
#   - each VF binds as an ordinary Tern device showing only its cores,
#     window and queues; jobs run on both VFs and the PF at once;
#   - a VF's new BOs read zeros after another file filled its memory;
#   - a userspace driver on an unbound VF: DMA past its window faults
#     (TERN_FAULT_WINDOW) and the neighbouring VF's data stays intact; what
#     it left in its window is gone once the PF re-created the VF;
#   - a hung job (timeout) and a function reset in VF 0 do not disturb a
#     job stream and the data of VF 1; a PF reset recovers both VFs;
#   - removing or changing a VF while its device is open: EBUSY, and the
#     kernel log (and tern-smi partition destroy, where built) names the
#     holder's pid and command; an unchanged VF keeps running; destroying
#     the table unbinds the VFs and frees the memory.
# Reloads tern.ko with job_timeout_ms=1000; restores the default after.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"
TOOL=${TERN_VM_PARTITION:-$TERN_VM_BUILD/guest-tools/tern-vm-partition}

if [ "${TERN_VM_VFS:-0}" -lt 2 ]; then
	echo "DETAIL: needs 2 VF ports per device (run.sh --vfs 2), have ${TERN_VM_VFS:-0}"
	exit 77
fi

MIB=$((1 << 20))
# Two 16 MiB windows side by side: VF 0's first offset past its window is
# VF 1's first byte. BASE:SIZE (MiB):CORES:QUEUES:ASIDS.
T0=16:16:0x3:4:4
T1=32:16:0xc:4:4

bg=()
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
	local p fn
	for p in "${bg[@]}"; do
		kill "$p" 2> /dev/null || true
	done
	wait 2> /dev/null || true
	[ -z "${pfnode:-}" ] || "$TOOL" set "$pfnode" > /dev/null 2>&1 || true
	for fn in $(emu_vf_ports); do
		[ ! -e "/sys/bus/pci/devices/$fn/driver" ] ||
			echo "$fn" > /sys/bus/pci/drivers/tern/unbind || true
		# Or every later insmod tries to bind the port.
		echo > "/sys/bus/pci/devices/$fn/driver_override" || true
	done
	tern_unload
	tern_load
	bind_all
}
trap cleanup EXIT

step() { log "partition: $*"; }

# start_holder FILE CMD...: runs CMD in the background, output in FILE,
# until it printed "ready"; its pid in $holder.
start_holder() {
	local out=$1
	shift
	"$@" > "$out" 2>&1 &
	holder=$!
	bg+=("$holder")
	for _ in $(seq 600); do
		grep -qx ready "$out" && return 0
		kill -0 "$holder" 2> /dev/null || break
		sleep 0.1
	done
	cat "$out"
	die "$* did not get ready"
}

# finish_holder FILE PID: signals the holder and waits for it; its last
# line in $holder_said.
finish_holder() {
	kill -USR1 "$2"
	wait "$2" || { cat "$1"; die "holder $2 failed"; }
	holder_said=$(tail -n1 "$1")
}

# A key=value line of tool output.
field() { sed -n "s/^$1=//p" <<< "$2"; }

param() { field "$1" "$("$PROBE" info "$2")"; }

expect() {
	[ "$2" = "$3" ] || die "$1: got '$2', want '$3'"
}

# Waits until dmesg since mark $1 has a line matching $2.
dmesg_has() {
	local i
	for i in $(seq 50); do
		dmesg | tail -n +"$(($1 + 1))" | grep -qE "$2" && return 0
		sleep 0.1
	done
	return 1
}

tern_unload
TERN_KO_PARAMS="job_timeout_ms=1000" tern_load
bind_all
pf=$(emu_functions | head -n1)
pfnode=$(node_of "$pf")
[ -n "$pfnode" ] || die "$pf has no node"
mapfile -t ports < <(emu_vf_ports)
[ ${#ports[@]} -ge 2 ] || die "${#ports[@]} VF ports, need 2"

step "no table: every VF port is an absent function and does not bind"
for p in "${ports[@]}"; do
	out=$("$TOOL" port "$p")
	expect "$p magic" "$(field magic "$out")" 0x554d4554
	expect "$p TERN_REG_ID" "$(field id "$out")" 0x0
done
mark=$(dmesg_mark)
echo tern > "/sys/bus/pci/devices/${ports[0]}/driver_override"
echo "${ports[0]}" > /sys/bus/pci/drivers_probe || true
[ ! -e "/sys/bus/pci/devices/${ports[0]}/driver" ] || die "${ports[0]} bound without a partition"
dmesg_has "$mark" "${ports[0]}.*tern-emu port of VF [0-9], which does not exist" ||
	die "no message for the absent VF"
[ ! -e "/sys/bus/pci/devices/$pf/sriov_numvfs" ] || die "an ivshmem PF with sriov_numvfs"

step "PARTITION_SET checks"
"$TOOL" eperm "$pfnode" || die "PARTITION_SET without CAP_SYS_ADMIN"
for bad in "16:16:0x3:4:4 24:16:0xc:4:4" "56:16:0x3:4:4" "16:16:0x3:4:4 32:16:0x6:4:4" \
	"16:16:0x3:0:4" "16:15:0x3:4:4"; do
	# shellcheck disable=SC2086 # entries
	out=$("$TOOL" set "$pfnode" $bad) && die "table '$bad' accepted"
	expect "table '$bad'" "$out" "set: EINVAL"
done
expect "table after refusals" "$(field num_vfs "$("$TOOL" table "$pfnode")")" 0

step "2-way table"
free_before=$(($(param mem_free "$pfnode")))
out=$("$TOOL" set "$pfnode" $T0 $T1) || die "apply: $out"
table=$("$TOOL" table "$pfnode")
expect num_vfs "$(field num_vfs "$table")" 2
expect "enabled_vfs (emulation: all applied VFs are live)" "$(field enabled_vfs "$table")" 2
expect entry0 "$(field entry0 "$table")" $T0
expect entry1 "$(field entry1 "$table")" $T1
expect "PF free memory" $(($(param mem_free "$pfnode"))) $((free_before - 32 * MIB))

# The ports of this card are the ones that came alive.
vf=()
for p in "${ports[@]}"; do
	out=$("$TOOL" port "$p")
	[ "$(field id "$out")" = 0x4e524554 ] || continue
	i=$((($(field func "$out") >> 8) & 0xff))
	[ -z "${vf[$i]:-}" ] || die "two live ports for VF $i"
	vf[i]=$p
done
if [ -z "${vf[0]:-}" ] || [ -z "${vf[1]:-}" ]; then
	die "VF ports did not come alive: ${vf[*]:-none}"
fi
log "VF 0 on ${vf[0]}, VF 1 on ${vf[1]}"
for p in "${ports[@]}"; do
	[ "$p" = "${vf[0]}" ] || [ "$p" = "${vf[1]}" ] || other=$p
done
if [ -n "${other:-}" ]; then
	# A port of the other card: still absent, still refused.
	echo tern > "/sys/bus/pci/devices/$other/driver_override"
	echo "$other" > /sys/bus/pci/drivers_probe || true
	[ ! -e "/sys/bus/pci/devices/$other/driver" ] || die "$other (another card) bound"
fi

step "each VF binds as a Tern device with only its partition"
bind_fn "${vf[0]}"
bind_fn "${vf[1]}"
n0=$(node_of "${vf[0]}")
n1=$(node_of "${vf[1]}")
expect "PF tern/vfs" "$(tr '\n' ' ' < "/sys/bus/pci/devices/$pf/tern/vfs")" \
	"vf0 ${vf[0]} vf1 ${vf[1]} "
cores=(0x3 0xc)
for i in 0 1; do
	d=/sys/bus/pci/devices/${vf[$i]}/tern
	expect "VF $i function" "$(cat "$d/function")" "vf$i"
	expect "VF $i pf" "$(cat "$d/pf")" "$pf"
	expect "VF $i transport" "$(cat "$d/transport")" emulated
	expect "VF $i mem_total_bytes" "$(cat "$d/mem_total_bytes")" $((16 * MIB))
	[ ! -e "$d/vfs" ] || die "VF $i has a vfs attribute"
	node=$(node_of "${vf[$i]}")
	out=$("$TOOL" vf "$node") || die "VF $i view"
	expect "VF $i function param" "$(field function "$out")" "$(printf '0x%x' $((i << 8 | 1)))"
	expect "VF $i num_cores" "$(field num_cores "$out")" 0x2
	expect "VF $i core_mask" "$(field core_mask "$out")" "${cores[$i]}"
	expect "VF $i mem_size" "$(($(field mem_size "$out")))" $((16 * MIB))
	expect "VF $i num_queues" "$(field num_queues "$out")" 0x4
	# One queue and one address space clear device memory by DMA.
	expect "VF $i max_contexts" "$(field max_contexts "$out")" 0x3
	expect "VF $i max_address_spaces" "$(field max_address_spaces "$out")" 0x3
	expect "VF $i max_partitions" "$(field max_partitions "$out")" 0x0
	caps=$(($(field capabilities "$out")))
	[ $((caps & (1 << 34))) -eq 0 ] || die "VF $i has PARTITION_SET"
	[ $((caps & (1 << 33))) -eq 0 ] || die "VF $i has DEVICE_MMAP without aperture"
	[ $((caps & (1 << 36))) -ne 0 ] || die "VF $i not EMULATED"
	[ $((caps & (1 << 7))) -eq 0 ] || die "VF $i has PARTITIONING"
done

step "jobs on both VFs and the PF at once"
pids=()
for node in "$n0" "$n1" "$pfnode"; do
	"$PROBE" submit "$node" 10 > "/tmp/part-submit-${node##*/}.log" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || { cat /tmp/part-submit-*.log; die "jobs failed"; }
done
"$PROBE" fault "$n1" || die "a VF's fault is not contained to its context"

step "a VF's memory reaches the next file cleared"
"$TOOL" fill "$n0" || die "clearing between files of VF 0"

step "a hostile VF driver cannot leave its window"
start_holder /tmp/part-hold1.log "$TOOL" pattern "$n1"
hold1=$holder
unbind_fn "${vf[0]}"
"$TOOL" rogue "${vf[0]}" 16 || die "userspace VF driver"
# What a VF's driver leaves in its window is gone when the PF re-creates
# the VF: the PF scrubs new windows (hw-spec 10.2), creation does not.
"$TOOL" rogue-leave "${vf[0]}" || die "userspace VF driver writing its window"
out=$("$TOOL" set "$pfnode" 16:16:0x3:3:4 $T1) || die "changing VF 0 only: $out"
"$TOOL" rogue-fresh "${vf[0]}" || die "the re-created VF 0's window"
out=$("$TOOL" set "$pfnode" $T0 $T1) || die "restoring VF 0: $out"
finish_holder /tmp/part-hold1.log "$hold1"
expect "VF 1's data after the hostile VF 0" "$holder_said" intact
bind_fn "${vf[0]}"
n0=$(node_of "${vf[0]}")

step "a hung job and a reset in VF 0 leave VF 1 alone"
start_holder /tmp/part-hold2.log "$TOOL" pattern "$n1"
hold2=$holder
start_holder /tmp/part-stream.log "$TOOL" stream "$n1" 15
stream=$holder
resets=$(cat "/sys/bus/pci/devices/${vf[0]}/tern/reset_count")
"$PROBE" long "$n0" || die "VF 0's job did not time out cleanly"
echo 1 > "/sys/bus/pci/devices/${vf[0]}/tern/reset" || die "VF 0 function reset"
expect "VF 0 resets" "$(cat "/sys/bus/pci/devices/${vf[0]}/tern/reset_count")" $((resets + 1))
kill -0 "$stream" 2> /dev/null || die "VF 1's stream ended before VF 0's hang and reset were over"
"$PROBE" submit "$n0" 3 > /dev/null || die "VF 0 after its reset"
wait "$stream" || { cat /tmp/part-stream.log; die "VF 1's job stream was disturbed"; }
grep '^stream: ' /tmp/part-stream.log
finish_holder /tmp/part-hold2.log "$hold2"
expect "VF 1's data after VF 0's reset" "$holder_said" intact

step "a PF reset re-creates the VFs and their devices recover"
r0=$(cat "/sys/bus/pci/devices/${vf[0]}/tern/reset_count")
r1=$(cat "/sys/bus/pci/devices/${vf[1]}/tern/reset_count")
echo 1 > "/sys/bus/pci/devices/$pf/tern/reset" || die "PF reset"
for _ in $(seq 100); do
	[ "$(cat "/sys/bus/pci/devices/${vf[0]}/tern/reset_count")" -gt "$r0" ] &&
		[ "$(cat "/sys/bus/pci/devices/${vf[1]}/tern/reset_count")" -gt "$r1" ] &&
		[ "$(cat "/sys/bus/pci/devices/${vf[0]}/tern/state")" = ready ] &&
		[ "$(cat "/sys/bus/pci/devices/${vf[1]}/tern/state")" = ready ] && break
	sleep 0.2
done
[ "$(cat "/sys/bus/pci/devices/${vf[1]}/tern/reset_count")" -gt "$r1" ] || die "VF 1 did not recover"
expect "table after the PF reset" "$(field num_vfs "$("$TOOL" table "$pfnode")")" 2
"$PROBE" submit "$n0" 3 > /dev/null || die "VF 0 after the PF reset"
"$PROBE" submit "$n1" 3 > /dev/null || die "VF 1 after the PF reset"

step "teardown while a VF is open: EBUSY, the holder named"
start_holder /tmp/part-hold3.log "$PROBE" hold "$n0"
hold3=$holder
mark=$(dmesg_mark)
out=$("$TOOL" set "$pfnode") && die "destroy with VF 0 open succeeded"
expect "destroy while open" "$out" "set: EBUSY"
dmesg_has "$mark" "partition table not changed: VF 0 \\(${vf[0]}\\) is open by pid $hold3 \\(tern-vm-probe\\)" ||
	die "the kernel log does not name pid $hold3"
dmesg | tail -n +"$((mark + 1))" | grep 'is open by pid' | head -n3
# tern-smi names the holder too (docs/partitioning.md), where it is built.
smi=$TERN_VM_BUILD/tools/tern-smi/tern-smi
rc=0
[ -x "$smi" ] && "$smi" partition list -d "$pf" > /tmp/part-smi-list.log 2>&1 || rc=$?
if [ ! -x "$smi" ] || [ "$rc" -eq 5 ]; then
	log "tern-smi partition not available: its holder check skipped"
	named_by="kernel log"
else
	[ "$rc" -eq 0 ] || { cat /tmp/part-smi-list.log; die "tern-smi partition list: exit $rc"; }
	rc=0
	"$smi" partition destroy -d "$pf" > /tmp/part-smi.log 2>&1 || rc=$?
	cat /tmp/part-smi.log
	expect "tern-smi partition destroy while VF 0 is open: exit" "$rc" 10
	grep -qw "$hold3" /tmp/part-smi.log || die "tern-smi does not name pid $hold3"
	expect "table after tern-smi's refusal" "$(field num_vfs "$("$TOOL" table "$pfnode")")" 2
	named_by="kernel log and tern-smi"
fi
# Changing only VF 1 is fine: VF 0 and its holder carry on.
out=$("$TOOL" set "$pfnode" $T0 32:16:0xc:2:4) || die "changing VF 1 only: $out"
wait_node "${vf[1]}" 10 gone || die "VF 1 still bound after its entry changed"
expect "PF tern/vfs after the change" "$(tr '\n' ' ' < "/sys/bus/pci/devices/$pf/tern/vfs")" \
	"vf0 ${vf[0]} "
finish_holder /tmp/part-hold3.log "$hold3"
expect "VF 0's holder after VF 1 changed" "$holder_said" "after: ok"
bind_fn "${vf[1]}"
expect "changed VF 1 queues" "$(param num_queues "$(node_of "${vf[1]}")")" 0x2

step "destroy"
out=$("$TOOL" set "$pfnode") || die "destroy: $out"
for i in 0 1; do
	wait_node "${vf[$i]}" 10 gone || die "VF $i still bound after destroy"
	expect "VF $i port after destroy" "$(field id "$("$TOOL" port "${vf[$i]}")")" 0x0
done
expect "PF tern/vfs after destroy" "$(cat "/sys/bus/pci/devices/$pf/tern/vfs")" ""
expect "PF free memory after destroy" $(($(param mem_free "$pfnode"))) "$free_before"
expect "table after destroy" "$(field num_vfs "$("$TOOL" table "$pfnode")")" 0
echo "DETAIL: 2 VFs: bind, own cores/window/queues, cleared memory, window faults, PF scrub, hang+reset contained, PF reset recovered, EBUSY holder named ($named_by), destroy"
