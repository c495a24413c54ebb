#!/bin/bash
# shellcheck disable=SC2317 # setup and teardown run through run_checked
# SPDX-License-Identifier: MIT
#
# run-suites.sh SUITE... - run guest suites in order (inside the VM).
#
# Loads tern.ko and binds every emulated function first. Each suite
# (suite-<name>.sh) runs in its own process with the module loaded and
# every function bound, and must leave it so. A suite passes when it exits
# 0 and the kernel log gained no warning, bug or oops while it ran. After
# the suites every function is unbound and the module removed, and that
# is checked the same way ("teardown"). A suite that runs longer than
# $TERN_VM_SUITE_TIMEOUT seconds (300) is killed and fails, with the stacks
# of blocked tasks in the kernel log. One line per suite goes to
# $TERN_VM_RESULTS/summary; the exit status is 0 only if all passed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

summary=$TERN_VM_RESULTS/summary
suite_timeout=${TERN_VM_SUITE_TIMEOUT:-300}
failed=0

record() {
	local name=$1 status=$2 secs=$3 detail=$4
	printf 'vm-suite %s %s: %s (%ss)%s\n' "$KVER" "$name" "$status" "$secs" \
		"${detail:+ $detail}" | tee -a "$summary"
	[ "$status" != FAIL ] || failed=1
}

# Runs "$@" as suite $name with the kernel-log check.
run_checked() {
	local name=$1 mark start rc bad detail status
	shift
	mark=$(dmesg_mark)
	start=$(date +%s)
	log "suite $name: start"
	if declare -F "$1" > /dev/null; then
		"$@" 2>&1 | tee "$TERN_VM_RESULTS/suite-$name.log"
		rc=${PIPESTATUS[0]}
	else
		timeout -k 10 "$suite_timeout" "$@" 2>&1 | tee "$TERN_VM_RESULTS/suite-$name.log"
		rc=${PIPESTATUS[0]}
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		# Stacks of blocked tasks into the kernel log (serial.log).
		echo w > /proc/sysrq-trigger
		echo "FAIL: suite timed out after ${suite_timeout}s" >> "$TERN_VM_RESULTS/suite-$name.log"
	fi
	bad=$(dmesg_bad_since "$mark")
	detail=$(sed -n 's/^DETAIL: //p' "$TERN_VM_RESULTS/suite-$name.log" | tail -n1)
	status=PASS
	if [ "$rc" -eq 77 ]; then
		status=SKIP
	elif [ "$rc" -ne 0 ]; then
		status=FAIL
		detail="${detail:+$detail; }$(grep -m1 '^FAIL: ' "$TERN_VM_RESULTS/suite-$name.log" |
			sed 's/^FAIL: //')"
	fi
	if [ -n "$bad" ]; then
		status=FAIL
		echo "$bad" > "$TERN_VM_RESULTS/suite-$name.dmesg-bad"
		detail="${detail:+$detail; }kernel log: $(echo "$bad" | head -n1)"
	fi
	record "$name" "$status" $(( $(date +%s) - start )) "$detail"
}

setup() {
	tern_load
	bind_all
	local fn n count=0
	for fn in $(emu_functions); do
		n=$(node_of "$fn")
		[ -n "$n" ] || die "$fn has no node"
		echo "$fn -> $n"
		count=$((count + 1))
	done
	[ "$count" -eq "${TERN_VM_DEVICES:-0}" ] ||
		die "$count emulated functions, expected ${TERN_VM_DEVICES:-0}"
	echo "DETAIL: $count device(s), $(node_glob | sed 's/\*//')*"
}

teardown() {
	local fn
	for fn in $(emu_functions); do
		if [ -e "/sys/bus/pci/devices/$fn/driver" ]; then
			unbind_fn "$fn"
		fi
	done
	tern_unload
	! tern_loaded || die "tern still loaded"
}

: > "$summary"
run_checked setup setup
if grep -q 'setup: FAIL' "$summary"; then
	exit 1
fi
for s in "$@"; do
	[ -e "$here/suite-$s.sh" ] || { record "$s" FAIL 0 "no such suite"; continue; }
	run_checked "$s" bash "$here/suite-$s.sh"
	# A failed suite may leave the device unbound: restore for the next.
	if ! (tern_load && bind_all) > /dev/null 2>&1; then
		record "$s-restore" FAIL 0 "could not reload and rebind after $s"
		break
	fi
done
run_checked teardown teardown
dmesg > "$TERN_VM_RESULTS/dmesg.txt"
exit $failed
