#!/bin/bash
# SPDX-License-Identifier: MIT
#
# build-module.sh K - build tern.ko for kernel K (a release, or 6.1 / 6.12)
# in build-vm/kmod/<release>/kernel, a private copy of kernel/ and
# include/, so that builds for several kernels (and the lint build in
# kernel/ itself) never share objects. Prints the module's path.
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || vm_die "usage: $0 K"
kver=$(vm_kernel "$1")
kdir=/lib/modules/$kver/build
dst=$(vm_kmod_dir "$kver")

# Mirror the sources; unchanged files keep their timestamps, so Kbuild
# rebuilds only what changed.
sync_tree() {
	local src=$1 out=$2 f rel
	mkdir -p "$out"
	while IFS= read -r -d '' f; do
		rel=${f#"$src"/}
		if [ ! -e "$out/$rel" ] || ! cmp -s "$f" "$out/$rel"; then
			mkdir -p "$(dirname "$out/$rel")"
			cp -p "$f" "$out/$rel"
		fi
	done < <(find "$src" -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \
		-o -name '*.sh' \) ! -path '*/generated/*' ! -name '*.mod.c' -print0)
	# Sources deleted from the tree go from the copy too.
	while IFS= read -r -d '' f; do
		rel=${f#"$out"/}
		[ -e "$src/$rel" ] || rm -f "$f"
	done < <(find "$out" -type f \( -name 'tern_*.[ch]' -o -name '*.h' \) \
		! -path '*/generated/*' ! -name '*.mod.c' -print0)
}

sync_tree "$REPO/kernel" "$dst/kernel"
sync_tree "$REPO/include" "$dst/include"

log=$dst/build.log
if ! make -C "$dst/kernel" KDIR="$kdir" JOBS="${JOBS:-2}" > "$log" 2>&1; then
	cat "$log" >&2
	vm_die "tern.ko build for $kver failed"
fi
if grep -E ':[0-9]+(:[0-9]+)?: (warning|error):' "$log" >&2; then
	vm_die "tern.ko build for $kver has warnings"
fi
echo "$dst/kernel/tern.ko"
