#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-timeout.sh - a job that runs past job_timeout_ms ends its context
# TIMED_OUT (queue reset, other contexts unaffected). Reloads tern.ko with
# job_timeout_ms=1000 and restores the default afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

tern_unload
TERN_KO_PARAMS="job_timeout_ms=1000" tern_load
bind_all
[ "$(cat /sys/module/tern/parameters/job_timeout_ms)" = 1000 ] || die "job_timeout_ms not applied"
node=$(node_of "$(emu_functions | head -n1)")
"$PROBE" long "$node" || die "long job"
"$PROBE" submit "$node" 5 || die "jobs after the timeout"
dmesg | grep -q 'timed out' || die "no timeout message in the kernel log"
tern_unload
tern_load
bind_all
echo "DETAIL: 1024x16 MiB DMA job timed out after 1 s, context TIMED_OUT, device usable after"
