#!/usr/bin/env bash
# Rebuilds the eBPF reference objects the Swift assembler and ELF writer are checked against
# (Tests/BundleTests/EBPF*.swift), and their llvm-objdump listings, which the Swift
# disassembler must reproduce. The .o and .lst files are committed so the tests never need
# clang; run this after changing a source.
#   Tests/Fixtures/ebpf-wrapper/build.sh          rebuild every object and listing
#   Tests/Fixtures/ebpf-wrapper/build.sh --check  fail if one differs from a fresh build
# Needs LLVM 21's clang and llvm-objdump (the Swift toolchain's; $CLANG and $OBJDUMP override):
# older llvm-objdumps print immediates in decimal.
set -euo pipefail
cd "$(dirname "$0")"
clang=${CLANG:-clang}
objdump=${OBJDUMP:-$(dirname "$(command -v "$clang")")/llvm-objdump}
check=0
[ "${1:-}" = "--check" ] && check=1
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A listing: `llvm-objdump -dr --mcpu=v2` after its "file format" line.
list() { "$objdump" -dr --mcpu=v2 "$1" | tail -n +4; }
for src in *.c *.s ../runtime/wrapper.c; do
    name=$(basename "${src%.*}")
    [ "$src" = ../runtime/wrapper.c ] && name=runtime-wrapper
    if [ "$src" = ../runtime/wrapper.c ]; then
        # The runtime's reference wrapper is built by ../runtime/build.sh; only list it.
        cp ../runtime/wrapper.o "$tmp/$name.o"
    else
        # -mcpu=v2: what the Alkali firmware accepts (no JMP32); -O2 inlines everything.
        flags=(-target bpf -mcpu=v2)
        [ "${src##*.}" = c ] && flags+=(-O2 -ffreestanding)
        "$clang" "${flags[@]}" -c "$src" -o "$tmp/$name.o"
    fi
    list "$tmp/$name.o" > "$tmp/$name.lst"
    outputs="$name.lst"
    [ "$src" = ../runtime/wrapper.c ] || outputs="$name.o $name.lst"
    for out in $outputs; do
        if [ "$check" = 1 ]; then
            if ! cmp -s "$tmp/$out" "$out"; then
                echo "stale: $out differs from a fresh build of $src" >&2
                status=1
            fi
        else
            cp "$tmp/$out" "$out"
            echo "built $out"
        fi
    done
done
exit $status
