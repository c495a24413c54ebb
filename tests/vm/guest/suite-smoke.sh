#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-smoke.sh - jobs through the raw UAPI on every device: NOP, DMA
# host->device->host with the data checked, TIMESTAMP (tern-vm-probe).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

jobs=${TERN_VM_SMOKE_JOBS:-20}
n=0
for fn in $(emu_functions); do
	node=$(node_of "$fn")
	[ -n "$node" ] || die "$fn: no node"
	log "$node: $jobs jobs"
	"$PROBE" submit "$node" "$jobs" || die "$node: submit failed"
	n=$((n + 1))
done
[ $n -gt 0 ] || die "no device"
echo "DETAIL: $n device(s) x $jobs jobs"
