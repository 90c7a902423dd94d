#!/usr/bin/env bash
# Rebuilds the CSD runtime's test wrappers (eBPF ELF objects) from the C sources beside
# them. The .o files are committed so the tests never need clang; run this after changing
# a source.
#   Tests/Fixtures/runtime/build.sh          rebuild every object
#   Tests/Fixtures/runtime/build.sh --check  fail if an object differs from a fresh build
# Needs a clang with the BPF target (the Swift toolchain's clang has it); $CLANG overrides.
set -euo pipefail
cd "$(dirname "$0")"
clang=${CLANG:-clang}
check=0
[ "${1:-}" = "--check" ] && check=1
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in *.c; do
    name=${src%.c}
    # -mcpu=v2: what the Alkali firmware accepts (no JMP32); -O2 inlines everything (the
    # device has no BPF-to-BPF calls).
    "$clang" -target bpf -mcpu=v2 -O2 -ffreestanding -c "$src" -o "$tmp/$name.o"
    if [ "$check" = 1 ]; then
        if ! cmp -s "$tmp/$name.o" "$name.o"; then
            echo "stale: $name.o differs from a fresh build of $src" >&2
            status=1
        fi
    else
        cp "$tmp/$name.o" "$name.o"
        echo "built $name.o"
    fi
done
exit $status
