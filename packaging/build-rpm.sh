#!/bin/bash
# SPDX-License-Identifier: MIT
#
# build-rpm.sh OUT - the RPM packages (docs/packaging.md): ternrt,
# ternrt-devel, tern-tools and dkms-tern (noarch), and the source RPM.
#
# Makes OUT/SOURCES/tern-VERSION.tar.gz from the source tree with the spec
# (packaging/rpm/tern.spec.in, version from the CMake project) inside, so
# that "rpmbuild -ta" works on it as well, runs rpmbuild -ba with OUT as
# _topdir, then rpmlint (packaging/rpm/rpmlint.toml, tern.rpmlintrc). OUT is emptied
# first; the packages end up in OUT/RPMS/*/ and OUT/SRPMS/.
#
# Environment: JOBS (2) parallel build jobs; TERN_RPMLINT=0 skips rpmlint.
set -euo pipefail
# shellcheck source=packaging/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || pkg_die "usage: $0 OUT"
for tool in rpmbuild rpmlint cpio; do
	command -v "$tool" > /dev/null || pkg_die "$tool not found (make deps-packages installs rpm, rpmlint)"
done

version=$(tern_version)
out=$(mkdir -p "$1" && cd "$1" && pwd)
case $out/ in "$REPO"/packaging/*) pkg_die "OUT must not be inside the source" ;; esac
rm -rf "${out:?}"/*
mkdir -p "$out"/{SOURCES,SPECS,BUILD,BUILDROOT,RPMS,SRPMS}

epoch=$(release_epoch)
stage=$out/stage/tern-$version
copy_source_tree "$stage"
sed -e "s/@VERSION@/$version/g" \
	-e "s/@CHANGELOG_DATE@/$(LC_ALL=C date -u -d "@$epoch" '+%a %b %d %Y')/" \
	"$PKG_DIR/rpm/tern.spec.in" > "$stage/tern.spec"
cp "$stage/tern.spec" "$out/SPECS/tern.spec"
# A reproducible tarball: sorted names, fixed owner and times.
tar -C "$out/stage" --sort=name --owner=0 --group=0 --numeric-owner \
	--mtime="@$epoch" -czf "$out/SOURCES/tern-$version.tar.gz" "tern-$version"
rm -rf "$out/stage"

# The post-install steps as Fedora runs them. Debian's rpm runs brp-compress,
# a bash script, with /bin/sh (dash), so man pages would stay uncompressed:
# run it with bash. And it adds brp-elfperms, which Fedora does not run,
# and which would take the execute bits off libternrt.so (rpmlint:
# shared-library-not-executable).
os_install_post=$(rpm --eval '%{__os_install_post}' |
	sed -e 's|^[[:space:]]*/usr/lib/rpm/brp-compress|bash /usr/lib/rpm/brp-compress|' \
		-e '/brp-elfperms/d' -e '/^[[:space:]]*$/d' |
	paste -sd ';')

start=$(date +%s)
# --nodeps: the BuildRequires name Fedora/EPEL packages, which the rpm
# database of a Debian build host does not know.
rpmbuild -ba --nodeps \
	--define "_topdir $out" \
	--define "__os_install_post $os_install_post" \
	--define "_smp_mflags -j${JOBS:-2}" \
	--define "_build_name_fmt %%{ARCH}/%%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
	"$out/SPECS/tern.spec" > "$out/build.log" 2>&1 || {
	tail -n 60 "$out/build.log" >&2
	pkg_die "rpmbuild failed (log: $out/build.log)"
}
echo "rpm: built in $(($(date +%s) - start))s:"
(cd "$out" && ls -1 RPMS/*/*.rpm SRPMS/*.rpm)

if [ "${TERN_RPMLINT:-1}" != 0 ]; then
	# The spec, the source RPM and the packages it defines. Not the
	# -debuginfo package: find-debuginfo makes it, and its .debug files are
	# not programs or libraries, whatever rpmlint's binary checks think.
	mapfile -t rpms < <(find "$out/RPMS" "$out/SRPMS" -name '*.rpm' ! -name '*-debuginfo-*' \
		! -name '*-debugsource-*' | sort)
	# rpmlint exits non-zero on any error or warning left after the filters.
	rc=0
	rpmlint -c "$PKG_DIR/rpm/rpmlint.toml" -r "$PKG_DIR/rpm/tern.rpmlintrc" "$out/SPECS/tern.spec" \
		"${rpms[@]}" 2>&1 | tee "$out/rpmlint.log" || rc=$?
	[ "$rc" -eq 0 ] || pkg_die "rpmlint found problems (see above, $out/rpmlint.log)"
	echo "rpm: rpmlint: clean (filters: packaging/rpm/tern.rpmlintrc)"
fi
