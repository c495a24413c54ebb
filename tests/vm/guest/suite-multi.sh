#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-multi.sh - several devices in one VM: each function binds, has its
# own node and PCI address, and runs jobs while the others do.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

fns=()
mapfile -t fns < <(emu_functions)
if [ ${#fns[@]} -lt 2 ]; then
	echo "DETAIL: needs 2 devices (run.sh --devices 2), have ${#fns[@]}"
	exit 77
fi
declare -A seen
pids=()
for fn in "${fns[@]}"; do
	node=$(node_of "$fn")
	[ -n "$node" ] || die "$fn: no node"
	[ -z "${seen[$node]:-}" ] || die "$node used by two functions"
	seen[$node]=$fn
	info=$("$PROBE" info "$node") || die "$node: GET_PARAM"
	# DRM_TERN_PCI_ADDRESS: domain << 32 | bus << 8 | device << 3 | function
	addr=$(echo "$info" | sed -n 's/^pci_address=//p')
	a=$((addr))
	got=$(printf '%04x:%02x:%02x.%x' $((a >> 32)) $(((a >> 8) & 0xff)) \
		$(((a >> 3) & 0x1f)) $((a & 7)))
	[ "$got" = "$fn" ] || die "$node reports PCI address $got, expected $fn"
	log "$fn -> $node"
	"$PROBE" submit "$node" 10 > "/tmp/multi-$fn.log" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || { cat /tmp/multi-*.log; die "concurrent jobs failed"; }
done
echo "DETAIL: ${#fns[@]} devices, distinct nodes and PCI addresses, concurrent jobs"
