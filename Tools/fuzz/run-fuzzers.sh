#!/usr/bin/env bash
# Builds every libFuzzer target Tools/fuzz/fuzz_*.c and runs each for a bounded time.
#
#   Tools/fuzz/run-fuzzers.sh [-t SECONDS] [TARGET...]   (default: 30 s each, all targets)
#
# Each fuzz_NAME.c lists what it needs in // lines near its top:
#   fuzz-sources:  files or globs (repository-relative) compiled with it
#   fuzz-includes: include directories
#   fuzz-seeds:    optional globs whose files seed the corpus
# Builds go to .build/fuzz/ (git-ignored), corpora to .build/fuzz/corpus/NAME, crash
# inputs to .build/fuzz/artifacts/NAME/. Exits non-zero if any target crashes, leaks,
# trips a sanitizer or fails to build.
#
# Compiler: $CLANG, else `clang` on the PATH (the Swift toolchain's clang ships libFuzzer).
# If that clang cannot link -fsanitize=fuzzer, Debian's clang-14 with libclang-rt-14-dev
# (which holds libclang_rt.fuzzer) is used, installed with apt-get when missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=30
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
    -t) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
    esac
done
out=$root/.build/fuzz
mkdir -p "$out"
flags=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1 -std=gnu11)

links_libfuzzer() {
    printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' \
        >"$out/probe.c"
    "$1" "${flags[@]}" "$out/probe.c" -o "$out/probe" >/dev/null 2>&1
}

cc=${CLANG:-clang}
if ! command -v "$cc" >/dev/null || ! links_libfuzzer "$cc"; then
    echo "$cc cannot link libFuzzer; trying Debian's clang-14 + libclang-rt-14-dev" >&2
    if ! links_libfuzzer clang-14 2>/dev/null; then
        source "$root/Tools/setup.sh"
        vtac_setup clang-14 libclang-rt-14-dev
    fi
    cc=clang-14
    links_libfuzzer "$cc" || { echo "no clang here can link libFuzzer" >&2; exit 2; }
fi
# lld avoids ld.gold's flood of ASan symbol warnings when it is there.
ldflags=()
if "$cc" -fuse-ld=lld "${flags[@]}" "$out/probe.c" -o "$out/probe" >/dev/null 2>&1; then
    ldflags=(-fuse-ld=lld)
fi

# The value of a "fuzz-KEY:" header line, globs expanded relative to the repository.
header_list() {
    local file=$1 key=$2 line
    line=$(sed -n "s/^[ */]*fuzz-$key:[[:space:]]*//p" "$file" | head -n1)
    [ -z "$line" ] && return 0
    (cd "$root" && for pattern in $line; do
        for path in $pattern; do [ -e "$path" ] && echo "$root/$path"; done
    done)
}

if [ ${#targets[@]} -eq 0 ]; then
    for f in "$root"/Tools/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi

failed=()
for name in "${targets[@]}"; do
    name=${name%.c}
    src=$root/Tools/fuzz/$name.c
    [ -f "$src" ] || { echo "no such fuzz target: $src" >&2; failed+=("$name"); continue; }
    mapfile -t sources < <(header_list "$src" sources)
    mapfile -t includes < <(header_list "$src" includes)
    mapfile -t seeds < <(header_list "$src" seeds)
    echo "== $name: building with $cc (${#sources[@]} sources)"
    if ! "$cc" "${flags[@]}" "${ldflags[@]}" "${includes[@]/#/-I}" -I"$root/Tools/fuzz" \
        "$src" "${sources[@]}" -o "$out/$name"; then
        failed+=("$name (build)")
        continue
    fi
    corpus=$out/corpus/$name
    artifacts=$out/artifacts/$name
    mkdir -p "$corpus" "$artifacts"
    [ ${#seeds[@]} -gt 0 ] && cp -n "${seeds[@]}" "$corpus/" 2>/dev/null || true
    echo "== $name: fuzzing for ${seconds}s"
    if ! "$out/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$out/$name.log" 2>&1; then
        tail -n 40 "$out/$name.log"
        failed+=("$name")
        continue
    fi
    grep -E '^stat::number_of_executed_units|^Done' "$out/$name.log" || true
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing FAILED: ${failed[*]} (inputs in $out/artifacts/)" >&2
    exit 1
fi
echo "fuzzing passed: ${targets[*]}"
