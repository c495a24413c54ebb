# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# lib.sh - helpers of build-deb.sh and build-rpm.sh. Sourced, not run.

PKG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$PKG_DIR/.." && pwd)

pkg_die() {
	echo "packaging: $*" >&2
	exit 1
}

# The package version: the one of project() in the top-level CMakeLists.txt,
# which also versions libternrt, the CMake package and tern.pc.
tern_version() {
	local v
	v=$(sed -n 's/^project(tern VERSION \([0-9][0-9.]*\)[ )].*/\1/p' "$REPO/CMakeLists.txt")
	[ -n "$v" ] || pkg_die "no 'project(tern VERSION x.y.z' in $REPO/CMakeLists.txt"
	echo "$v"
}

# Seconds since the epoch that date the release: the last commit's (so that
# builds of one commit are reproducible), else now.
release_epoch() {
	if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
		echo "$SOURCE_DATE_EPOCH"
	elif git -C "$REPO" rev-parse --git-dir > /dev/null 2>&1; then
		git -C "$REPO" log -1 --format=%ct
	else
		date +%s
	fi
}

# copy_source_tree DEST: the source as a fresh clone would have it (tracked
# and new, not ignored, files of the work tree; never build trees or
# in-tree kernel build output), so that packages never pick up local junk.
copy_source_tree() {
	local dest=$1
	git -C "$REPO" rev-parse --git-dir > /dev/null 2>&1 ||
		pkg_die "$REPO is not a git work tree: packages are built from one"
	mkdir -p "$dest"
	(cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# Tracked files deleted in the work tree are not part of it.
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done | cpio --null -pdm --quiet "$dest") ||
		pkg_die "copying the source tree to $dest failed"
}
