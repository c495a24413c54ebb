# SPDX-License-Identifier: MIT
# Tern top-level entry points. Userspace builds with CMake, the kernel
# module with Kbuild; this file only ties them together.

BUILD      ?= build
BUILD_SAN  ?= build-san
JOBS       ?= $(shell nproc)
KDIR       ?= /lib/modules/$(shell uname -r)/build
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

# Debian 12 packages that the targets below need. Keep this the only list.
DEB_PACKAGES := build-essential cmake ninja-build pkg-config python3 \
	libgtest-dev libgmock-dev libbenchmark-dev libeigen3-dev \
	libspdlog-dev libfmt-dev libdrm-dev liburing-dev libnuma-dev \
	nlohmann-json3-dev libcli11-dev linux-libc-dev dwarves clang-format sparse \
	libxxhash-dev clang libclang-rt-14-dev \
	debhelper dh-dkms dkms lintian rpm rpmlint elfutils cpio udev

.PHONY: all deps deps-packages test test-fast bench demo lint format module kernel-check vm-test clean help
.PHONY: deb rpm package-test

all: deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# Idempotent: installs only what is missing, and only as root. The kernel
# checks and the QEMU suites also need QEMU, busybox and Debian's 6.1 and 6.12
# kernel images and headers (6.12 from bookworm-backports): tests/vm/deps.sh.
deps: deps-packages
	tests/vm/deps.sh

deps-packages:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "missing packages; run as root:"; \
		echo "  apt-get install -y $$missing"; exit 1; fi; \
	echo "installing:" $$missing; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing

# The test command (README, .ci/run): C++ formatting, every userspace suite,
# again under ASan/UBSan/LSan, the kernel module's static checks on both
# kernels, tern.ko run for real in QEMU on both kernels, and the packages.
test: all
	scripts/check-format.sh
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	cmake -S . -B $(BUILD_SAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DTERN_SANITIZE=ON
	cmake --build $(BUILD_SAN) -j $(JOBS)
	ctest --test-dir $(BUILD_SAN) --output-on-failure -j $(JOBS) -L unit
	$(MAKE) --no-print-directory kernel-check
	$(MAKE) --no-print-directory vm-test BUILD_VM=$(BUILD)
	$(MAKE) --no-print-directory package-test

# The release build's suites only, for the edit-compile-test loop.
test-fast: all
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Benchmarks print each figure with its ratio to a same-run baseline. They
# run a Release build in their own tree.
BUILD_BENCH ?= build-bench
bench: deps
	cmake -S . -B $(BUILD_BENCH) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_BENCH) -j $(JOBS) --target tern-bench tern-model-bench tern-matmul-bench
	$(BUILD_BENCH)/bench/tern-bench
	$(BUILD_BENCH)/bench/tern-model-bench
	$(BUILD_BENCH)/bench/tern-matmul-bench

# The README's first command: builds the runtime and the model examples
# (Release, own tree, only those targets), then each example builds its
# models (fp32, bf16), saves them to $(DEMO_MODELS), loads and runs them on
# the mock device through the model API, and prints the max abs error
# against the CPU reference and per-run latency and throughput.
BUILD_DEMO  ?= build-demo
DEMO_MODELS ?= $(BUILD_DEMO)/models
demo: deps
	cmake -S . -B $(BUILD_DEMO) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DEMO) -j $(JOBS) --target tern_example_mlp tern_example_transformer
	@mkdir -p $(DEMO_MODELS)
	@echo
	TERN_BACKEND=mock $(BUILD_DEMO)/examples/models/tern_example_mlp --dir $(DEMO_MODELS)
	@echo
	TERN_BACKEND=mock $(BUILD_DEMO)/examples/models/tern_example_transformer --dir $(DEMO_MODELS)

lint: deps
	scripts/check-format.sh
	kernel/scripts/lint.sh $(KDIR)

format: deps
	scripts/check-format.sh --fix

# Builds tern.ko against KDIR (default: the running kernel's headers).
module:
	$(MAKE) -C kernel KDIR=$(KDIR)

# tern.ko against Debian's 6.1 and 6.12 headers: W=1 and sparse (C=2) with
# no finding, checkpatch --strict clean (kernel/scripts/lint.sh).
KERNELS ?= 6.1 6.12
kernel-check: deps
	@set -e; for s in $(KERNELS); do \
		k=$$(bash -c '. tests/vm/lib.sh && vm_kernel "$$1"' _ $$s); \
		kernel/scripts/lint.sh /lib/modules/$$k/build; \
	done

# tern.ko run for real: QEMU (TCG) boots each kernel with two tern-emu
# devices and runs the guest suites (tests/vm, docs/testing-vm.md). BUILD_VM
# is the CMake tree the guest's binaries come from (make test reuses BUILD).
BUILD_VM ?= build-vm
vm-test: deps
	TERN_VM_BUILD=$(abspath $(BUILD_VM)) JOBS=$(JOBS) tests/vm/build.sh $(KERNELS)
	@rc=0; for k in $(KERNELS); do \
		TERN_VM_BUILD=$(abspath $(BUILD_VM)) tests/vm/suites.sh $$k || rc=1; \
	done; exit $$rc

# DEB and RPM packages (docs/packaging.md), each built from a scratch copy
# of the source under $(BUILD_PACKAGES) and linted (lintian --pedantic,
# rpmlint). package-test (root) builds both, installs the .debs, builds a
# consumer against the installed SDK, checks the DKMS builds for 6.1 and
# 6.12 and tern-smi, then purges and checks that nothing is left.
BUILD_PACKAGES ?= build-packages
deb: deps-packages
	JOBS=$(JOBS) packaging/build-deb.sh $(BUILD_PACKAGES)/deb

rpm: deps-packages
	JOBS=$(JOBS) packaging/build-rpm.sh $(BUILD_PACKAGES)/rpm

package-test: deps
	JOBS=$(JOBS) tests/packaging/run.sh $(BUILD_PACKAGES)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_BENCH) $(BUILD_DEMO) $(BUILD_PACKAGES) build-vm

help:
	@echo "make demo | deps | all | test | test-fast | bench | lint | format | module | kernel-check | vm-test | deb | rpm | package-test | clean"
