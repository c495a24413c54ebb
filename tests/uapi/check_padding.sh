#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check_padding.sh PAHOLE OBJECT [HEADER...]
#
# Fails if pahole finds a hole or padding in any structure of OBJECT (an
# object file compiled with -g), or if a struct/union defined in one of the
# HEADERs is missing from OBJECT's debug info (so a new structure cannot
# escape the check by never being instantiated). Exit 77 (CTest: skipped)
# when pahole is not installed.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 PAHOLE OBJECT [HEADER...]" >&2
	exit 2
fi
pahole=$1
obj=$2
shift 2

if ! command -v "$pahole" >/dev/null 2>&1; then
	echo "check_padding: SKIP: pahole not found (install dwarves)"
	exit 77
fi

out=$("$pahole" "$obj" 2>&1) || {
	echo "check_padding: FAIL: $pahole $obj failed:"
	echo "$out"
	exit 1
}
if [ -z "$out" ]; then
	echo "check_padding: FAIL: no structures in $obj (compiled without -g?)"
	exit 1
fi

status=0

# "XXX n bytes hole", "bit holes", "padding: n", "last struct has n bytes
# of padding", "paddings: n" - any of them is an ABI trap.
bad=$(printf '%s\n' "$out" | grep -nEi 'hole|padding')
if [ -n "$bad" ]; then
	echo "check_padding: FAIL: holes or padding found by pahole:"
	printf '%s\n' "$bad"
	echo "--- full pahole output ---"
	printf '%s\n' "$out"
	status=1
fi

for hdr in "$@"; do
	names=$(sed -nE 's/^(struct|union) ([A-Za-z0-9_]+) \{.*/\1 \2/p' "$hdr")
	printf '%s\n' "$names" | {
		missing=0
		while read -r kind name; do
			[ -n "$name" ] || continue
			if ! printf '%s\n' "$out" | grep -qx "$kind $name {"; then
				echo "check_padding: FAIL: $kind $name ($hdr) is" \
				     "not instantiated in $(basename "$obj"); add" \
				     "it to tests/uapi/pahole_structs.c"
				missing=1
			fi
		done
		exit $missing
	} || status=1
done

if [ $status -eq 0 ]; then
	echo "check_padding: OK: no holes or padding in $(basename "$obj")"
fi
exit $status
