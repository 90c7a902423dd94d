#!/usr/bin/env bash
# The main job end to end on a shipped model: compile MLPerf Tiny ResNet-8 for the Alkali
# drive, run it as the drive does (eBPF wrapper, runtime, reference VTA simulator), and
# compare the output with the pinned TFLite interpreter's golden. Installs what is missing.
#   Tools/demo.sh [MODEL_DIR] [TARGET]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/../shared/models/resnet8_cifar10}
target=${2:-alkali}
source "$root/Tools/setup.sh"
vtac_setup
swift build --package-path "$root" -c release --product vtac >&2
vtac="$root/.build/release/vtac"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$vtac" compile "$model/model.tflite" -o "$work/model.csd" --target "$target"
"$vtac" run "$work/model.csd" --input "$model/input_0.npy" -o "$work/output.npy"
# vtac writes .npy files byte-identical to numpy's, so the files themselves must be equal.
if cmp -s "$work/output.npy" "$model/output_0.npy"; then
    echo "output identical to the TFLite reference interpreter's golden ($model/output_0.npy)"
else
    echo "output differs from the golden $model/output_0.npy" >&2
    exit 1
fi
