#!/usr/bin/env bash
# Rebuilds the eBPF test objects from the C sources beside them. The .o files are
# committed so the tests never need clang; run this after changing a source.
#   Tests/Fixtures/ebpf/build.sh          rebuild every object
#   Tests/Fixtures/ebpf/build.sh --check  fail if an object differs from a fresh build
# Needs a clang with the BPF target (the Swift toolchain's clang has it); $CLANG overrides.
set -euo pipefail
cd "$(dirname "$0")"
clang=${CLANG:-clang}
check=0
[ "${1:-}" = "--check" ] && check=1

# -mcpu=v2: what the device accepts. jmp32.c is built for v3 on purpose (it must be refused).
cpu_for() { case "$1" in jmp32) echo v3 ;; *) echo v2 ;; esac; }

status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in *.c; do
    name=${src%.c}
    "$clang" -target bpf -mcpu="$(cpu_for "$name")" -O2 -c "$src" -o "$tmp/$name.o"
    if [ "$check" = 1 ]; then
        if ! cmp -s "$tmp/$name.o" "$name.o"; then
            echo "stale: $name.o differs from a fresh build of $src" >&2
            status=1
        fi
    else
        cp "$tmp/$name.o" "$name.o"
        echo "built $name.o (-mcpu=$(cpu_for "$name"))"
    fi
done
exit $status
