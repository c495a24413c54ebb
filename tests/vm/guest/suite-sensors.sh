#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-sensors.sh - hwmon sensors of every device exist with plausible
# values (lm-sensors' "sensors" is used too when installed), and the
# fdinfo of a process holding a device names the driver, the client and
# the BOs it holds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

# $1 within [$2, $3]
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

read_attr() {
	local v
	v=$(cat "$1") || die "cannot read $1"
	[[ $v =~ ^-?[0-9]+$ ]] || die "$1: '$v' is not a number"
	echo "$v"
}

checked=0
for fn in $(emu_functions); do
	hw=
	for h in /sys/bus/pci/devices/"$fn"/hwmon/hwmon*; do
		[ "$(cat "$h/name")" = tern ] && hw=$h
	done
	[ -n "$hw" ] || die "$fn: no hwmon device named tern"
	labels=(die hbm coolant_in coolant_out)
	for i in 1 2 3 4; do
		[ -e "$hw/temp${i}_input" ] || die "$hw/temp${i}_input missing"
		t=$(read_attr "$hw/temp${i}_input")
		# Millidegrees Celsius of a working card.
		in_range "$t" 0 150000 || die "temp$i = $t m°C out of range"
		[ "$(cat "$hw/temp${i}_label")" = "${labels[$((i - 1))]}" ] ||
			die "temp${i}_label is $(cat "$hw/temp${i}_label")"
		log "$fn temp$i (${labels[$((i - 1))]}): $t m°C"
	done
	max=$(read_attr "$hw/temp1_max")
	crit=$(read_attr "$hw/temp1_crit")
	in_range "$max" 40000 150000 || die "temp1_max = $max"
	[ "$crit" -gt "$max" ] || die "temp1_crit $crit <= temp1_max $max"
	p=$(read_attr "$hw/power1_input")
	# Microwatts: the card draws something, and less than 2 kW.
	in_range "$p" 1 2000000000 || die "power1_input = $p uW"
	e1=$(read_attr "$hw/energy1_input")
	sleep 1.5
	e2=$(read_attr "$hw/energy1_input")
	[ "$e2" -gt "$e1" ] || die "energy1_input did not grow: $e1 -> $e2 uJ"
	log "$fn power $p uW, energy $e1 -> $e2 uJ"
	checked=$((checked + 1))
done
[ $checked -gt 0 ] || die "no device"

if command -v sensors > /dev/null; then
	sensors | grep -q '^tern-pci-' || die "sensors shows no tern chip"
	sensors_note=", sensors ok"
else
	sensors_note=", lm-sensors not installed"
fi

# fdinfo of two files that hold BOs (1 MiB host, 2 MiB device).
fn=$(emu_functions | head -n1)
node=$(node_of "$fn")
d=$(mktemp -d)
ids=()
pids=()
for k in 0 1; do
	"$PROBE" hold "$node" > "$d/out$k" 2>&1 &
	pids+=($!)
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready$' "$d/out$k" && break
		sleep 0.1
	done
	grep -q '^ready$' "$d/out$k" || die "hold: $(cat "$d/out$k")"
	info=
	for f in /proc/"${pids[$k]}"/fdinfo/*; do
		if grep -q '^drm-driver:' "$f"; then info=$(cat "$f"); fi
	done
	[ -n "$info" ] || die "no fdinfo with drm-driver in /proc/${pids[$k]}"
	while IFS= read -r l; do echo "fdinfo: $l"; done <<< "$info"
	field() { echo "$info" | sed -n "s/^$1:[[:space:]]*//p"; }
	[ "$(field drm-driver)" = tern ] || die "drm-driver: '$(field drm-driver)'"
	[[ $(field drm-client-id) =~ ^[0-9]+$ ]] || die "drm-client-id: '$(field drm-client-id)'"
	ids+=("$(field drm-client-id)")
	[ "$(field drm-pdev)" = "$fn" ] || die "drm-pdev: '$(field drm-pdev)', expected $fn"
	[ "$(field drm-total-host)" = "1024 KiB" ] || die "drm-total-host: '$(field drm-total-host)'"
	[ "$(field drm-total-device)" = "2048 KiB" ] ||
		die "drm-total-device: '$(field drm-total-device)'"
	[[ $(field drm-engine-compute) =~ ^[0-9]+\ ns$ ]] ||
		die "drm-engine-compute: '$(field drm-engine-compute)'"
done
[ "${ids[0]}" != "${ids[1]}" ] || die "two files share drm-client-id ${ids[0]}"
for k in 0 1; do
	kill -USR1 "${pids[$k]}"
	wait "${pids[$k]}" || die "hold $k exited with $?"
done
rm -rf "$d"
echo "DETAIL: hwmon of $checked device(s)$sensors_note; fdinfo of 2 files"
