#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suites.sh K [--suites "S..."] [run.sh options] - run guest suites on
# kernel K in one VM with two emulated devices, each with two VF ports.
#
# Default suites: bind smoke sensors multi faults timeout kill runtime smi udev partition
# (tests/vm/guest/suite-<name>.sh). Builds tern.ko for K first; the CMake targets and the
# probe come from tests/vm/build.sh. Prints one "vm-suite" line per suite;
# exits 0 only if every suite passed.
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || vm_die "usage: $0 K [--suites \"bind smoke ...\"] [run.sh options]"
kver=$(vm_kernel "$1")
shift
suites="bind smoke sensors multi faults timeout kill runtime smi udev partition"
opts=()
while [ $# -gt 0 ]; do
	case $1 in
	--suites) suites=$2; shift 2 ;;
	*) opts+=("$1"); shift ;;
	esac
done

[ -x "$VM_BUILD/guest-tools/tern-vm-probe" ] && [ -x "$VM_BUILD/guest-tools/tern-vm-partition" ] ||
	vm_die "run tests/vm/build.sh first"
"$VM_DIR/build-module.sh" "$kver" > /dev/null

# Small device memory: a function reset scrubs all of it (hw-spec 9.3).
# Two VF ports per device for the partition suite (hw-spec 11.8).
# shellcheck disable=SC2086 # suite names
exec "$VM_DIR/run.sh" "$kver" --devices 2 --emu-mem 64 --vfs 2 --timeout 900 "${opts[@]}" \
	-- bash "$VM_DIR/guest/run-suites.sh" $suites
