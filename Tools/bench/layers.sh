#!/usr/bin/env bash
# Benchmark: per accelerator layer of MLPerf Tiny ResNet-8 and our tiny MobileNet (or the
# models given) on a target (default alkali): MACs, instructions, DRAM bytes, modelled cycles,
# the roofline bound (max of MACs / (BATCH·BLOCK_IN·BLOCK_OUT) and the layer's tensors, each
# counted once, / bus bytes per cycle), the cycles to move what the program moves, utilisation, the requantization route and its cycles, and the requantization share
# of the modelled cycles. Prints the figures; asserts nothing.
#   Tools/bench/layers.sh [--target T] [MODEL.tflite...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=alkali
if [ "${1:-}" = "--target" ]; then target=$2; shift 2; fi
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("${VTAC_SHARED_MODELS:-$root/../shared/models}/resnet8_cifar10/model.tflite" \
    "$root/Models/tiny_mobilenet/model.tflite")
source "$root/Tools/setup.sh"
vtac_setup
swift build --package-path "$root" -c release --product vtac >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in "${models[@]}"; do
    echo "== $model on $target"
    "$root/.build/release/vtac" compile "$model" -o "$work/m.csd" --target "$target" --layers
    # The requantization share: each layer's route ends with its serial requantization cycles.
    "$root/.build/release/vtac" report "$work/m.csd" --json | python3 -c '
import json, re, sys
report = json.load(sys.stdin)
total = report["totals"]["modelledCycles"]
requant = 0
for layer in report["layers"]:
    found = re.search(r"([0-9]+) cycles$", layer.get("requantization", ""))
    if found:
        requant += int(found.group(1))
print(f"  requantization ~{requant:,} cycles of {total:,} modelled ({100 * requant / max(total, 1):.0f} %)")
'
    echo
done
