#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run.sh OUT - the packaging test of "make test" (make package-test).
#
#  1. builds the Debian packages (packaging/build-deb.sh: lintian --pedantic
#     gate) into OUT/deb and the RPMs (packaging/build-rpm.sh: rpmlint gate)
#     into OUT/rpm, and checks what the RPMs contain and require;
#  2. installs the four .debs on this machine (as root) and checks the
#     installed SDK: SONAME, exported symbols, a consumer project built with
#     find_package(tern CONFIG) and with pkg-config, the documented runtime
#     examples built against the installed headers, all run on the mock;
#  3. checks that DKMS built tern.ko from the installed source, with the
#     PRE_BUILD feature probe, for the 6.1 and 6.12 headers (building it for
#     each where the package's postinst did not), and the udev rules;
#  4. runs the installed tern-smi --json on the mock;
#  5. purges the packages and checks that nothing of them is left.
#
# The machine is restored on every exit (an EXIT trap purges whatever got
# installed). Refuses to start if a Tern package or DKMS tree is already
# there. Prints the time of each phase. TERN_PACKAGES_PREBUILT=1 skips the
# two builds and tests the packages already in OUT/deb and OUT/rpm;
# TERN_PACKAGE_KERNELS (default "6.1 6.12") names the kernels for DKMS.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/../.." && pwd)
# shellcheck source=tests/vm/lib.sh
. "$REPO/tests/vm/lib.sh"

die() {
	echo "package-test: FAIL: $*" >&2
	exit 1
}
log() { echo "package-test: $*"; }

[ $# -eq 1 ] || die "usage: $0 OUT"
[ "$(id -u)" = 0 ] || die "needs root: it installs and purges the packages"
mkdir -p "$1"
out=$(cd "$1" && pwd)
version=$(sed -n 's/^project(tern VERSION \([0-9][0-9.]*\)[ )].*/\1/p' "$REPO/CMakeLists.txt")
[ -n "$version" ] || die "no project version in CMakeLists.txt"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=/usr/lib/$multiarch
debs=(tern-dkms libternrt1 libternrt-dev tern-tools)
kernels=()
for s in ${TERN_PACKAGE_KERNELS:-6.1 6.12}; do
	kernels+=("$(vm_kernel "$s")")
done

phase_start=$(date +%s)
total_start=$phase_start
phase() {
	local now
	now=$(date +%s)
	log "$1 done in $((now - phase_start))s"
	phase_start=$now
}

# ---- 1. build and lint ------------------------------------------------------

if [ "${TERN_PACKAGES_PREBUILT:-0}" = 1 ]; then
	log "TERN_PACKAGES_PREBUILT=1: testing the packages in $out/deb and $out/rpm as they are"
else
	JOBS=${JOBS:-2} "$REPO/packaging/build-deb.sh" "$out/deb"
	phase "make deb (dpkg-buildpackage + lintian)"
	JOBS=${JOBS:-2} "$REPO/packaging/build-rpm.sh" "$out/rpm"
	phase "make rpm (rpmbuild + rpmlint)"
fi

deb_file() { ls "$out/deb/$1_${version}_"*.deb; }
for p in "${debs[@]}"; do
	[ -f "$(deb_file "$p")" ] || die "no $p .deb"
done
arch=$(uname -m)
rpm_file() { ls "$out/rpm/RPMS/$2/$1-$version-1"*".$2.rpm"; }

# rpm_has PKG ARCH PATH...: the RPM contains each PATH.
rpm_has() {
	local f list p
	f=$(rpm_file "$1" "$2") || die "no $1 RPM for $2"
	list=$(rpm -qlp "$f")
	shift 2
	for p in "$@"; do
		grep -qxF "$p" <<< "$list" || die "$(basename "$f") lacks $p"
	done
}
rpm_has ternrt "$arch" /usr/lib64/libternrt.so.1 "/usr/lib64/libternrt.so.$version"
rpm_has ternrt-devel "$arch" /usr/include/tern/tern.h /usr/include/tern/tern.hpp \
	/usr/include/tern/hw/tern_isa.h /usr/lib64/libternrt.so /usr/lib64/pkgconfig/tern.pc \
	/usr/lib64/cmake/tern/tern-config.cmake /usr/lib64/cmake/tern/tern-config-version.cmake \
	/usr/lib64/cmake/tern/tern-targets.cmake
rpm_has tern-tools "$arch" /usr/bin/tern-smi /usr/bin/tern-run /usr/bin/tern-emu \
	/usr/share/man/man1/tern-smi.1.gz /usr/share/man/man1/tern-run.1.gz \
	/usr/share/man/man1/tern-emu.1.gz
rpm_has dkms-tern noarch "/usr/src/tern-$version/dkms.conf" \
	"/usr/src/tern-$version/kernel/Kbuild" "/usr/src/tern-$version/kernel/scripts/probe.sh" \
	"/usr/src/tern-$version/include/uapi/drm/tern_accel.h" /usr/lib/udev/rules.d/70-tern.rules
rpm -qp --requires "$(rpm_file tern-tools "$arch")" | grep -q '^libternrt.so.1()(64bit)' ||
	die "tern-tools RPM does not require libternrt.so.1()(64bit)"
rpm -qp --requires "$(rpm_file ternrt-devel "$arch")" |
	grep -qxF "ternrt(x86-64) = $version-1" || die "ternrt-devel does not require ternrt = $version-1"
rpm -qp --requires "$(rpm_file dkms-tern noarch)" | grep -qx 'dkms' || die "dkms-tern does not require dkms"
rpm -qp --scripts "$(rpm_file dkms-tern noarch)" | grep -q "dkms add -m tern -v $version" ||
	die "dkms-tern has no %post dkms add"
# Both distributions get the same DKMS tree (it comes from the CMake install).
diff <(dpkg-deb -c "$(deb_file tern-dkms)" | awk '{print $6}' | sed -n "s|^\./usr/src/|/usr/src/|p" |
	grep -v '/$' | sort) \
	<(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$(rpm_file dkms-tern noarch)" |
		awk '$1 !~ /^d/ && $2 ~ /^\/usr\/src\// {print $2}' | sort) ||
	die "the DKMS source trees of the .deb and the RPM differ"
log "RPM contents, requirements and scriptlets: ok"

# ---- 2. install, with the machine restored on any exit ----------------------

for p in "${debs[@]}"; do
	if dpkg-query -W -f '${Status}\n' "$p" 2> /dev/null | grep -qv '^unknown ok not-installed$\|^$'; then
		die "$p is already on this machine ($(dpkg-query -W -f '${Status}' "$p")): purge it first"
	fi
done
[ ! -e /var/lib/dkms/tern ] || die "/var/lib/dkms/tern exists: dkms remove tern --all first"
compgen -G '/usr/src/tern-*' > /dev/null && die "a /usr/src/tern-* tree exists already"

# What the paths the packages touch look like now, to compare after the purge.
watched=(/usr/src /var/lib/dkms /lib/udev/rules.d /usr/include /usr/bin "$libdir"
	/usr/share/man/man1 /usr/share/doc /usr/share/bash-completion/completions /usr/share/metainfo)
for k in "${kernels[@]}"; do watched+=("/lib/modules/$k"); done
# (find fails on a watched path that does not exist; that is part of the picture.)
snapshot() {
	{ find "${watched[@]}" -xdev \( -path '/lib/modules/*/build' -o -path '/lib/modules/*/source' \) \
		-prune -o -print 2> /dev/null || true; } | grep -v '^/lib/modules/[^/]*/modules\.' | sort
}
snapshot > "$out/before.files"

# DKMS makes a machine owner key for module signing on its first build
# (/var/lib/dkms/mok.*). Not package content, but made by this test if it was
# not there before: then it goes again.
mok_keys=()
for f in /var/lib/dkms/mok.key /var/lib/dkms/mok.pub; do
	[ -e "$f" ] || mok_keys+=("$f")
done
remove_new_mok_keys() {
	[ ${#mok_keys[@]} -eq 0 ] || rm -f "${mok_keys[@]}"
}

installed=0
restore() {
	local rc=$?
	if [ "$installed" = 1 ]; then
		log "restoring: purging ${debs[*]}"
		dpkg --purge "${debs[@]}" > "$out/purge-on-exit.log" 2>&1 ||
			{ cat "$out/purge-on-exit.log" >&2; rc=1; }
		if dkms status -m tern 2> /dev/null | grep -q .; then
			dkms remove -m tern -v "$version" --all > /dev/null 2>&1 || rc=1
		fi
		remove_new_mok_keys
	fi
	exit $rc
}
trap restore EXIT
trap 'exit 130' INT TERM

installed=1
debfiles=()
for p in "${debs[@]}"; do debfiles+=("$(deb_file "$p")"); done
dpkg -i "${debfiles[@]}" > "$out/install.log" 2>&1 || { cat "$out/install.log" >&2; die "dpkg -i"; }
for p in "${debs[@]}"; do
	dpkg-query -W -f '${Status}\n' "$p" | grep -qx 'install ok installed' ||
		die "$p not installed: $(dpkg-query -W -f '${Status}' "$p")"
done
phase "dpkg -i of ${debs[*]} (postinst: dkms add and builds)"

# ---- the installed SDK ------------------------------------------------------

lib=$libdir/libternrt.so.1
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = libternrt.so.1 ] || die "SONAME of $lib is '$soname'"
# Hidden by default: only the C ABI (tern_*) is exported, each at a version
# node TERN_1.<minor> of ternrt.map.
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
[ -n "$exported" ] || die "$lib exports nothing"
stray=$(grep -Ev '^tern_[a-z0-9_]+@@TERN_1\.[0-9]+$' <<< "$exported" || true)
[ -z "$stray" ] || die "$lib exports more than tern_*@@TERN_1.x: $(head -n5 <<< "$stray")"
log "$lib: SONAME $soname, $(wc -l <<< "$exported") symbols, all tern_*@@TERN_1.x"

consumer_run() {
	local name=$1 bin=$2 lines used
	shift 2
	# (ld.so may name it through /lib, the same directory on merged-/usr systems.)
	used=$(ldd "$bin" | awk '$1 == "libternrt.so.1" {print $3}')
	if [ -z "$used" ] || [ "$(readlink -f "$used")" != "$(readlink -f "$lib")" ]; then
		die "$name does not use $lib: $(ldd "$bin")"
	fi
	lines=$(TERN_BACKEND=mock "$bin" "$@" 2>&1) || die "$name failed: $lines"
	log "$name: $(tail -n1 <<< "$lines")"
}

# CMake: the config package found in the system prefix, its version file
# honoured, the documented examples built and run.
cm=$out/consumer-cmake
rm -rf "$cm"
cmake -S "$here/consumer" -B "$cm" -DTERN_EXAMPLES_DIR="$REPO/examples/runtime" \
	> "$out/consumer-cmake.log" 2>&1 || { cat "$out/consumer-cmake.log" >&2; die "consumer: cmake"; }
grep -qF -- "-- tern $version from $libdir/cmake/tern" "$out/consumer-cmake.log" ||
	die "consumer: tern not found in $libdir/cmake/tern: $(grep -- '-- tern' "$out/consumer-cmake.log")"
cmake --build "$cm" -j "${JOBS:-2}" >> "$out/consumer-cmake.log" 2>&1 ||
	{ cat "$out/consumer-cmake.log" >&2; die "consumer: build"; }
consumer_run "find_package consumer_c" "$cm/consumer_c"
consumer_run "find_package example_c" "$cm/example_c"
consumer_run "find_package example_cpp" "$cm/example_cpp"
if cmake -S "$here/consumer" -B "$out/consumer-cmake-v99" -DTERN_REQUIRED_VERSION=99.0 \
	> "$out/consumer-cmake-v99.log" 2>&1; then
	die "find_package(tern 99.0 CONFIG) succeeded against $version"
fi
grep -qF "$libdir/cmake/tern/tern-config.cmake, version: $version" "$out/consumer-cmake-v99.log" ||
	die "find_package(tern 99.0) failed for another reason than the version (see $out/consumer-cmake-v99.log)"
rm -rf "$out/consumer-cmake-v99"

# pkg-config, with nothing but its flags.
pc=$out/consumer-pkgconfig
rm -rf "$pc"
mkdir -p "$pc"
[ "$(pkg-config --modversion tern)" = "$version" ] || die "pkg-config --modversion tern: $(pkg-config --modversion tern)"
read -r -a pcflags <<< "$(pkg-config --cflags --libs tern)"
cc -std=c11 -Wall -Wextra -Werror -DTERN_EXPECTED_RELEASE="\"$version\"" \
	"$here/consumer/consumer.c" "${pcflags[@]}" -o "$pc/consumer_c" || die "pkg-config consumer_c"
cc -std=c11 -Wall -Wextra -Werror -c "$REPO/examples/runtime/program_image.c" -o "$pc/program_image.o" \
	"${pcflags[@]}" || die "pkg-config program_image.o"
c++ -std=c++20 -Wall -Wextra -Werror -I"$REPO/examples/runtime" "$REPO/examples/runtime/example.cpp" \
	"$pc/program_image.o" "${pcflags[@]}" -o "$pc/example_cpp" || die "pkg-config example_cpp"
consumer_run "pkg-config consumer_c" "$pc/consumer_c"
consumer_run "pkg-config example_cpp" "$pc/example_cpp"
phase "SDK: SONAME, symbols, find_package and pkg-config consumers"

# ---- DKMS ---------------------------------------------------------------------

src=/usr/src/tern-$version
[ -f "$src/dkms.conf" ] || die "$src/dkms.conf missing"
grep -q '^PRE_BUILD="kernel/scripts/probe.sh ' "$src/dkms.conf" || die "dkms.conf has no probe PRE_BUILD"
for k in "${kernels[@]}"; do
	if dkms status -m tern -v "$version" -k "$k" 2> /dev/null | grep -q ': installed'; then
		log "dkms: $k built and installed by the postinst"
	else
		dkms install -m tern -v "$version" -k "$k" > "$out/dkms-$k.log" 2>&1 ||
			{ cat "$out/dkms-$k.log" >&2; die "dkms install -k $k"; }
		grep -q 'Running the pre_build script' "$out/dkms-$k.log" ||
			die "dkms did not run PRE_BUILD for $k (see $out/dkms-$k.log)"
		log "dkms: $k built and installed by dkms install"
	fi
	dkms status -m tern -v "$version" -k "$k" 2> /dev/null | grep -q ': installed' || die "dkms status for $k: $(dkms status -m tern)"
	mod=$(find "/lib/modules/$k/updates/dkms" -name 'tern.ko*' 2> /dev/null | head -n1)
	[ -n "$mod" ] || die "no tern.ko in /lib/modules/$k/updates/dkms"
	magic=$(modinfo -F vermagic "$mod")
	[ "${magic%% *}" = "$k" ] || die "$mod has vermagic '$magic', not $k"
	# The header existed before Kbuild ran (PRE_BUILD made it), so Kbuild did
	# not probe itself; a failing PRE_BUILD would show up here as PROBE.
	mlog=/var/lib/dkms/tern/$version/$k/$(uname -m)/log/make.log
	[ -f "$mlog" ] || die "no $mlog"
	if grep -qE '^\s*PROBE\s' "$mlog"; then
		die "Kbuild had to probe for $k: PRE_BUILD did not write the header ($mlog)"
	fi
	modinfo -F depends "$mod" | grep -q drm || die "$mod does not depend on drm"
	log "dkms: $mod (vermagic $k, probe by PRE_BUILD)"
done
phase "DKMS builds for ${kernels[*]}"

# udev rules where udev reads them, and valid for this udev.
rules=/lib/udev/rules.d/70-tern.rules
cmp -s "$rules" "$REPO/udev/70-tern.rules" || die "$rules is not udev/70-tern.rules"
if udevadm verify --help > /dev/null 2>&1; then
	udevadm verify --no-style "$rules" > /dev/null || die "udevadm verify $rules"
	log "udev: $rules verified by udevadm"
fi

# ---- the tools ------------------------------------------------------------------

smi_json=$out/tern-smi.json
TERN_BACKEND=mock TERN_MOCK_DEVICES=2 /usr/bin/tern-smi --json > "$smi_json" ||
	die "tern-smi --json exited with $?"
python3 - "$smi_json" "$REPO/docs/schema/tern-smi.schema.json" "$version" <<'PY' || die "tern-smi --json output"
import json, sys
doc = json.load(open(sys.argv[1]))
try:
    import jsonschema
    jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).validate(doc)
    checked = "schema-valid"
except ImportError:
    checked = "key fields"
assert doc["command"] == "summary" and doc["backend"] == "mock", doc
assert doc["tool_version"] == sys.argv[3], doc["tool_version"]
assert [d["index"] for d in doc["devices"]] == [0, 1], doc["devices"]
assert all(d["memory_total_bytes"] > 0 for d in doc["devices"])
print(f"package-test: tern-smi --json: {len(doc['devices'])} mock devices, {checked}")
PY
for t in tern-smi tern-run tern-emu; do
	[ "$(man -w "$t")" = "/usr/share/man/man1/$t.1.gz" ] || die "man $t: $(man -w "$t" 2>&1)"
	"/usr/bin/$t" --help > /dev/null || die "$t --help"
done
phase "tools: tern-smi --json on the mock, man pages"

# ---- 5. purge -------------------------------------------------------------------

dpkg --purge "${debs[@]}" > "$out/purge.log" 2>&1 || { cat "$out/purge.log" >&2; die "dpkg --purge"; }
installed=0
remove_new_mok_keys
for p in "${debs[@]}"; do
	st=$(dpkg-query -W -f '${Status}' "$p" 2> /dev/null || true)
	[ -z "$st" ] || [ "$st" = "unknown ok not-installed" ] || die "$p after purge: $st"
done
# Every file any of the packages shipped is gone...
for p in "${debs[@]}"; do
	dpkg-deb -c "$(deb_file "$p")" | awk '{print substr($6, 2)}' | grep -v '/$' |
		while read -r f; do
			if [ -e "$f" ] || [ -L "$f" ]; then die "$f (from $p) is still there"; fi
		done
done
# ... and so is everything DKMS made, and the watched trees are as before.
[ ! -e /var/lib/dkms/tern ] || die "/var/lib/dkms/tern is still there"
[ ! -e "$src" ] || die "$src is still there"
leftover=$(ls /lib/modules/*/updates/dkms/tern.ko* 2> /dev/null || true)
[ -z "$leftover" ] || die "modules left behind: $leftover"
snapshot > "$out/after.files"
diff -u "$out/before.files" "$out/after.files" > "$out/purge.diff" ||
	die "purge left the system different (see $out/purge.diff): $(head -n 12 "$out/purge.diff")"
phase "purge: nothing left behind"
log "PASS in $(($(date +%s) - total_start))s"
