#!/bin/bash
# SPDX-License-Identifier: MIT
#
# build.sh [K...] - build what the VM suites need, in build-vm/:
#   - the CMake targets tern-emu, tern_runtime_tests, the runtime
#     examples and tern-smi (Debug build, configured on first use),
#   - tern-vm-probe, the guest's small UAPI client,
#   - tern.ko for each kernel K (a release, or 6.1 / 6.12).
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

jobs=${JOBS:-2}
targets=(tern-emu tern_runtime_tests tern_example_c tern_example_cpp tern-smi)

if [ ! -e "$VM_BUILD/build.ninja" ] && [ ! -e "$VM_BUILD/Makefile" ]; then
	gen=()
	command -v ninja > /dev/null && gen=(-G Ninja)
	cmake -S "$REPO" -B "$VM_BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Debug > /dev/null
fi
cmake --build "$VM_BUILD" -j "$jobs" --target "${targets[@]}"

mkdir -p "$VM_BUILD/guest-tools"
probe=$VM_BUILD/guest-tools/tern-vm-probe
src=$VM_DIR/guest/tern-vm-probe.c
if [ ! -x "$probe" ] || [ "$src" -nt "$probe" ] ||
   [ "$REPO/include/uapi/drm/tern_accel.h" -nt "$probe" ]; then
	read -ra drm_cflags < <(pkg-config --cflags libdrm)
	read -ra drm_libs < <(pkg-config --libs libdrm)
	cc -std=gnu11 -O2 -Wall -Wextra -Werror -I "$REPO/include/uapi" \
		"${drm_cflags[@]}" "$src" "${drm_libs[@]}" -o "$probe"
fi

for k in "$@"; do
	"$VM_DIR/build-module.sh" "$k" > /dev/null
done
