#!/usr/bin/env bash
# Benchmark: placement and memory planning of every model in Models/ and ../shared/models on
# alkali, in a release build. Prints the time per model; asserts nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/Tools/setup.sh"
vtac_setup
swift build --package-path "$root" -c release --product vtac >&2
vtac="$root/.build/release/vtac"
printf "%-36s %8s %8s %6s %6s\n" model "ms" "ops" "copies" "runs"
for dir in "$root"/Models/* "${VTAC_SHARED_MODELS:-$root/../shared/models}"/*; do
    [ -f "$dir/model.tflite" ] || continue
    python3 - "$vtac" "$dir/model.tflite" <<'PY'
import json, subprocess, sys, time
vtac, model = sys.argv[1], sys.argv[2]
args = [vtac, "inspect", model, "--placement", "--json"]
def timed(argv):
    t = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - t
base = min(timed([vtac, "--version"]) for _ in range(5))
best, report = None, None
for _ in range(5):
    t = time.perf_counter()
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    e = time.perf_counter() - t
    best = e if best is None or e < best else best
    report = json.loads(out)
import os
name = os.path.basename(os.path.dirname(os.path.normpath(model)))
print(f"{name:36s} {1000 * max(best - base, 0):8.2f} {len(report['operators']):8d} {len(report['device_copies']):6d} {report['device_runs']:6d}")
PY
done
echo "(time: read + graph + placement + memory plan + JSON, process start-up subtracted)"
