#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-bind.sh - load/bind/unbind/rmmod cycles, with and without an open
# file (run by run-suites.sh inside the VM; module loaded, all bound).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

fns=()
mapfile -t fns < <(emu_functions)
[ ${#fns[@]} -ge 1 ] || die "no emulated function"
fn=${fns[0]}
cycles=3

# Starts "tern-vm-probe hold" on node $1 (an open file with a host BO, a
# device BO and a context) in the background and waits for "ready".
hold_out=$(mktemp)
hold_start() {
	"$PROBE" hold "$1" > "$hold_out" 2>&1 &
	hold_pid=$!
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready$' "$hold_out" && return 0
		kill -0 "$hold_pid" 2>/dev/null || break
		sleep 0.1
	done
	die "hold: $(cat "$hold_out")"
}

# Ends the holder (SIGUSR1); its last line ("after: ...") goes to $after.
# Not in a subshell: the holder must be this shell's child.
hold_stop() {
	local rc=0
	kill -USR1 "$hold_pid"
	wait "$hold_pid" || rc=$?
	[ $rc -eq 0 ] || die "hold exited with $rc: $(cat "$hold_out")"
	after=$(tail -n1 "$hold_out")
}

log "unbind/bind $fn x$cycles, no open file"
for ((i = 0; i < cycles; i++)); do
	unbind_fn "$fn"
	bind_fn "$fn"
done
node=$(node_of "$fn")
"$PROBE" info "$node" > /dev/null || die "GET_PARAM after rebind"

log "unbind with an open file (BOs and a context alive)"
hold_start "$node"
unbind_fn "$fn"
hold_stop
[ "$after" = "after: ENODEV" ] || die "ioctl on an unplugged device: '$after', expected ENODEV"
bind_fn "$fn"
node=$(node_of "$fn")
"$PROBE" info "$node" > /dev/null || die "GET_PARAM after rebind"

log "rmmod with an open file must fail"
hold_start "$node"
if rmmod tern 2>/dev/null; then
	die "rmmod succeeded while a file was open"
fi
hold_stop
[ "$after" = "after: ok" ] || die "device unusable after the failed rmmod: '$after'"

log "rmmod/insmod x$cycles with every function bound"
for ((i = 0; i < cycles; i++)); do
	tern_unload
	for f in "${fns[@]}"; do
		[ ! -e "/sys/bus/pci/devices/$f/driver" ] || die "$f still bound after rmmod"
	done
	tern_load
	bind_all
done
for f in "${fns[@]}"; do
	n=$(node_of "$f")
	[ -n "$n" ] || die "$f: no node after reload"
	"$PROBE" info "$n" > /dev/null || die "GET_PARAM on $n after reload"
done
echo "DETAIL: $cycles unbind/bind, $cycles rmmod/insmod, unbind and rmmod with an open file"
