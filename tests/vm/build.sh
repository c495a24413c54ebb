#!/bin/bash
# SPDX-License-Identifier: MIT
#
# build.sh [K...] - build what the VM suites need, in build-vm/:
#   - the CMake targets tern-emu, tern_runtime_tests, the runtime
#     examples and tern-smi (Debug build, configured on first use),
#   - tern-vm-probe and tern-vm-partition, the guest's small C clients,
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

# The guest's C clients: tern-vm-probe (UAPI) and tern-vm-partition
# (partitions; also reads the hardware headers for its userspace VF driver).
mkdir -p "$VM_BUILD/guest-tools"
read -ra drm_cflags < <(pkg-config --cflags libdrm)
read -ra drm_libs < <(pkg-config --libs libdrm)
common=("$VM_DIR/guest/tern-vm-uapi.c" "$VM_DIR/guest/tern-vm-uapi.h")
for tool in tern-vm-probe tern-vm-partition; do
	bin=$VM_BUILD/guest-tools/$tool
	src=$VM_DIR/guest/$tool.c
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "${common[0]}" -nt "$bin" ] ||
	   [ "${common[1]}" -nt "$bin" ] ||
	   [ "$REPO/include/uapi/drm/tern_accel.h" -nt "$bin" ] ||
	   [ -n "$(find "$REPO/include/tern/hw" -newer "$bin" -print -quit)" ]; then
		cc -std=gnu11 -O2 -Wall -Wextra -Werror -I "$REPO/include/uapi" -I "$REPO/include" \
			"${drm_cflags[@]}" "$src" "${common[0]}" "${drm_libs[@]}" -o "$bin"
	fi
done

for k in "$@"; do
	"$VM_DIR/build-module.sh" "$k" > /dev/null
done
