#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-runtime.sh - the runtime's test binaries and examples on the
# kernel driver (TERN_BACKEND=kernel), from the CMake build in
# $TERN_VM_BUILD. Counts per binary (run/passed/failed/skipped) come from
# GoogleTest's XML report. $TERN_VM_GTEST_FILTER narrows the tests.
#
# tern_uapi_conformance_tests and tern_runtime_uapi_isolation_tests are
# not run: they construct the mock backend themselves (make_mock_backend),
# so on this machine they would test the mock, not the driver.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

export TERN_BACKEND=kernel
failed=0
details=()

# gtest_counts XML: "run R passed P failed F skipped S"
gtest_counts() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
run = passed = failed = skipped = 0
for tc in root.iter("testcase"):
    if tc.get("result") == "suppressed" or tc.get("status") == "notrun":
        continue
    run += 1
    if tc.find("failure") is not None:
        failed += 1
    elif tc.get("result") == "skipped" or tc.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
print(f"run {run} passed {passed} failed {failed} skipped {skipped}")
for tc in root.iter("testcase"):
    if tc.find("failure") is not None:
        print(f"failed: {tc.get('classname')}.{tc.get('name')}", file=sys.stderr)
PY
}

bin=$TERN_VM_BUILD/tests/runtime/tern_runtime_tests
[ -x "$bin" ] || die "$bin not built (tests/vm/build.sh)"
xml=$TERN_VM_RESULTS/gtest-tern_runtime_tests-$KVER.xml
rc=0
log "tern_runtime_tests"
"$bin" --gtest_filter="${TERN_VM_GTEST_FILTER:-*}" --gtest_output="xml:$xml" || rc=$?
[ -s "$xml" ] || die "tern_runtime_tests wrote no report (exit $rc)"
counts=$(gtest_counts "$xml" 2> "$TERN_VM_RESULTS/gtest-failed-$KVER.txt")
cat "$TERN_VM_RESULTS/gtest-failed-$KVER.txt"
echo "tern_runtime_tests: $counts (exit $rc)"
details+=("tern_runtime_tests $counts")
[ "$rc" -eq 0 ] || failed=1

for ex in tern_example_c tern_example_cpp; do
	e=$TERN_VM_BUILD/examples/runtime/$ex
	[ -x "$e" ] || die "$e not built"
	log "$ex"
	if "$e"; then
		details+=("$ex ok")
	else
		details+=("$ex FAILED")
		failed=1
	fi
done
printf -v joined '%s; ' "${details[@]}"
echo "DETAIL: ${joined%; }"
[ $failed -eq 0 ] || die "runtime tests failed"
