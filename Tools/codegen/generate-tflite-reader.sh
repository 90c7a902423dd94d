#!/usr/bin/env bash
# Regenerates the C++ TFLite reader from our schema subset with Debian's flatc.
#   Tools/codegen/generate-tflite-reader.sh           write Sources/CTFLiteReader/generated/
#   Tools/codegen/generate-tflite-reader.sh --check   exit 1 if the committed code is stale
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
schema="$root/Sources/CTFLiteReader/schema/tflite_subset.fbs"
dest="$root/Sources/CTFLiteReader/generated"
command -v flatc >/dev/null || { echo "flatc not found: apt-get install flatbuffers-compiler" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flatc --cpp -o "$out" "$schema"
if [ "${1:-}" = "--check" ]; then
    if ! diff -q "$out/tflite_subset_generated.h" "$dest/tflite_subset_generated.h" >/dev/null; then
        echo "Sources/CTFLiteReader/generated/tflite_subset_generated.h is stale:" \
            "run Tools/codegen/generate-tflite-reader.sh ($(flatc --version))" >&2
        exit 1
    fi
    echo "generated TFLite reader is current ($(flatc --version))"
else
    mkdir -p "$dest"
    cp "$out/tflite_subset_generated.h" "$dest/"
    echo "wrote $dest/tflite_subset_generated.h"
fi
