#!/usr/bin/env bash
# Builds the crafted test models (Tests/Fixtures/crafted/*.json → *.tflite) with flatc and our
# TFLite schema subset. Each JSON file is a readable model, most of them broken on purpose.
#   Tools/codegen/build-crafted-models.sh           rebuild the .tflite files
#   Tools/codegen/build-crafted-models.sh --check   exit 1 if a committed .tflite is stale
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
schema="$root/Sources/CTFLiteReader/schema/tflite_subset.fbs"
dir="$root/Tests/Fixtures/crafted"
command -v flatc >/dev/null || { echo "flatc not found: apt-get install flatbuffers-compiler" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flatc -b -o "$out" "$schema" "$dir"/*.json
stale=0
for built in "$out"/*.tflite; do
    name=$(basename "$built" .tflite)
    if [ "${1:-}" = "--check" ]; then
        cmp -s "$built" "$dir/$name.tflite" || { echo "stale: Tests/Fixtures/crafted/$name.tflite" >&2; stale=1; }
    else
        cp "$built" "$dir/$name.tflite"
    fi
done
if [ "${1:-}" = "--check" ]; then
    [ $stale = 0 ] && echo "crafted models are current"
    exit $stale
fi
echo "rebuilt $(ls "$out"/*.tflite | wc -l) crafted models in Tests/Fixtures/crafted"
