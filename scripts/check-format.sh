#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks (or with --fix, applies) .clang-format on userspace C/C++ sources.
# Kernel code and the headers shared with it keep kernel style instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -- 'sim/*' 'libruntime/*' 'tools/*' 'tests/*' 'examples/*' 'bench/*' |
                     grep -E '\.(c|cc|cpp|h|hpp)$' | grep -v '^tests/uapi/')
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = --fix ]; then
    clang-format -i "${files[@]}"
else
    clang-format --dry-run --Werror "${files[@]}"
fi
