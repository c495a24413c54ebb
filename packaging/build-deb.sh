#!/bin/bash
# SPDX-License-Identifier: MIT
#
# build-deb.sh OUT - the Debian source and binary packages (docs/packaging.md).
#
# Copies the source tree to OUT/tern-VERSION, adds packaging/debian as its
# debian/ (the repository itself never gets a top-level debian/) with a
# changelog entry for the CMake project version, runs dpkg-buildpackage
# there and lintian --pedantic on the result. OUT is emptied first. The
# packages end up in OUT: tern_VERSION.dsc, .tar.xz, .changes and the .debs.
#
# Environment: JOBS (2) parallel build jobs; DEB_BUILD_OPTIONS (default
# "nocheck parallel=$JOBS"); TERN_LINTIAN=0 skips lintian.
set -euo pipefail
# shellcheck source=packaging/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || pkg_die "usage: $0 OUT"
for tool in dpkg-buildpackage dh dh_dkms lintian cpio; do
	command -v "$tool" > /dev/null ||
		pkg_die "$tool not found (make deps-packages installs debhelper, dh-dkms, lintian)"
done

version=$(tern_version)
out=$(mkdir -p "$1" && cd "$1" && pwd)
case $out/ in "$REPO"/packaging/* | "$REPO"/debian/*) pkg_die "OUT must not be inside the source" ;; esac
rm -rf "${out:?}"/*
src=$out/tern-$version

copy_source_tree "$src"
cp -a "$PKG_DIR/debian" "$src/debian"
maintainer=$(sed -n 's/^Maintainer: //p' "$src/debian/control")
cat > "$src/debian/changelog" <<CHANGELOG
tern ($version) unstable; urgency=medium

  * Release $version (the version of the top-level CMakeLists.txt).

 -- $maintainer  $(date -R -u -d "@$(release_epoch)")
CHANGELOG

start=$(date +%s)
(
	cd "$src"
	export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-"nocheck parallel=${JOBS:-2}"}
	dpkg-buildpackage --unsigned-source --unsigned-changes --build=full
) > "$out/build.log" 2>&1 || {
	tail -n 60 "$out/build.log" >&2
	pkg_die "dpkg-buildpackage failed (log: $out/build.log)"
}
echo "deb: built in $(($(date +%s) - start))s:"
(cd "$out" && ls -1 ./*.deb ./*.dsc ./*.changes)

if [ "${TERN_LINTIAN:-1}" != 0 ]; then
	changes=$(ls "$out"/tern_"$version"_*.changes)
	# Every tag, pedantic and informational ones included, fails the build;
	# overrides (debian/*lintian-overrides) each say why. (Not with
	# --show-overrides: lintian 2.116 then fails on the overridden tags too.)
	rc=0
	lintian --info --display-info --pedantic \
		--fail-on error,warning,info,pedantic "$changes" 2>&1 | tee "$out/lintian.log" || rc=$?
	[ "$rc" -eq 0 ] || pkg_die "lintian found problems (see above, $out/lintian.log)"
	echo "deb: lintian --pedantic: clean"
fi
