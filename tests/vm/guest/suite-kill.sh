#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-kill.sh - SIGKILL of processes in the middle of long jobs (one per
# device, and one while its function is unbound and rebound): the kernel
# cleans up, the devices keep working, nothing leaks past rmmod (checked by
# the teardown).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

start_spin() {
	local out=$1 node=$2 i
	"$PROBE" spin "$node" > "$out" 2>&1 &
	spin_pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready$' "$out" && return 0
		sleep 0.1
	done
	die "spin did not start: $(cat "$out")"
}

pids=()
for fn in $(emu_functions); do
	start_spin "/tmp/spin-$fn" "$(node_of "$fn")"
	pids+=("$spin_pid")
done
sleep 2
kill -9 "${pids[@]}"
for p in "${pids[@]}"; do
	wait "$p" 2>/dev/null || true
done
for fn in $(emu_functions); do
	"$PROBE" submit "$(node_of "$fn")" 3 || die "$fn: jobs after the kill"
done

# Kill while the function is unbound under the process.
fn=$(emu_functions | head -n1)
start_spin /tmp/spin-unbind "$(node_of "$fn")"
sleep 1
unbind_fn "$fn"
kill -9 "$spin_pid"
wait "$spin_pid" 2>/dev/null || true
bind_fn "$fn"
"$PROBE" submit "$(node_of "$fn")" 3 || die "jobs after unbind + kill"
echo "DETAIL: SIGKILL mid-job on ${#pids[@]} device(s), and after an unbind"
