#!/usr/bin/env bash
# Runs vtac with the given arguments, first installing what is missing and building it.
#   Tools/run.sh inspect ../shared/models/resnet8_cifar10/model.tflite
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=Tools/setup.sh
source "$root/Tools/setup.sh"
vtac_setup
swift build --package-path "$root" -c release --product vtac >&2
exec "$root/.build/release/vtac" "$@"
