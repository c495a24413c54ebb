#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-faults.sh - a faulting job ends only its context with the fault
# detail of docs/uapi.md; invalid ioctl arguments get the documented
# errnos; random ioctl arguments do not hurt the kernel; the device works
# afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

node=$(node_of "$(emu_functions | head -n1)")
[ -n "$node" ] || die "no node"
"$PROBE" fault "$node" || die "fault"
"$PROBE" abuse "$node" || die "abuse"
"$PROBE" submit "$node" 5 || die "jobs after the abuse"
echo "DETAIL: page-fault detail, documented errnos, 3000 random ioctls, device usable after"
