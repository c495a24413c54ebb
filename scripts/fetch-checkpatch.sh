#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prints the path of checkpatch.pl, fetching it first if needed. Debian ships
# checkpatch only inside the kernel source package, so take scripts/ from
# linux-source-6.1 (a Debian package; no other download) into a cache.
set -euo pipefail
cache=${TERN_CACHE:-$(cd "$(dirname "$0")/.." && pwd)/.cache}/checkpatch
if [ ! -x "$cache/checkpatch.pl" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download -q linux-source-6.1 >/dev/null 2>&1) ||
        { echo "fetch-checkpatch: apt-get download linux-source-6.1 failed" >&2; exit 1; }
    mkdir -p "$cache"
    dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.1_*.deb |
        tar -xO ./usr/src/linux-source-6.1.tar.xz |
        tar -xJ -C "$tmp" --strip-components=2 --wildcards \
            'linux-source-6.1/scripts/checkpatch.pl' \
            'linux-source-6.1/scripts/spelling.txt' \
            'linux-source-6.1/scripts/const_structs.checkpatch'
    install -m 0755 "$tmp/checkpatch.pl" "$cache/checkpatch.pl"
    install -m 0644 "$tmp/spelling.txt" "$tmp/const_structs.checkpatch" "$cache/"
fi
echo "$cache/checkpatch.pl"
