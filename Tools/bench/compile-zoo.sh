#!/usr/bin/env bash
# Benchmark: for each model in ../shared/models (or the folders given), on a target (default
# alkali): compile wall time (release build), bundle size, device runs per inference, modelled
# cycles and latency at the target's clock, and the simulator's wall time per inference.
# Prints the figures; asserts nothing.
#   Tools/bench/compile-zoo.sh [--target T] [MODEL_DIR...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=alkali
if [ "${1:-}" = "--target" ]; then target=$2; shift 2; fi
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("${VTAC_SHARED_MODELS:-$root/../shared/models}"/*/)
source "$root/Tools/setup.sh"
vtac_setup
swift build --package-path "$root" -c release --product vtac >&2
vtac="$root/.build/release/vtac"
python3 - "$vtac" "$target" "${dirs[@]}" <<'PY'
import os, re, subprocess, sys, tempfile, time
vtac, target, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
def best(argv, n):
    t = None
    for _ in range(n):
        s = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        e = time.perf_counter() - s
        t = e if t is None or e < t else t
    return t
start = best([vtac, "--version"], 5)
print(f"{'model':28s} {'compile ms':>10s} {'bundle B':>9s} {'runs':>4s} {'cycles':>10s} {'µs @clk':>9s} {'sim ms':>7s}")
with tempfile.TemporaryDirectory() as work:
    for d in dirs:
        model = os.path.join(d, "model.tflite")
        if not os.path.isfile(model):
            continue
        name = os.path.basename(os.path.normpath(d))
        bundle = os.path.join(work, name + ".csd")
        compile_s = best([vtac, "compile", model, "-o", bundle, "--target", target, "--quiet"], 3) - start
        out = subprocess.run([vtac, "compile", model, "-o", bundle, "--target", target], check=True,
                             capture_output=True, text=True).stdout
        runs = re.search(r"device runs per inference (\d+)", out).group(1)
        cycles = re.search(r"modelled ([\d,]+) cycles \(([\d.]+) µs\)", out)
        run = [vtac, "run", bundle, "--input", os.path.join(d, "input_0.npy"), "-o", os.path.join(work, "o.npy")]
        sim_s = best(run, 3) - start
        print(f"{name:28s} {1000 * compile_s:10.1f} {os.path.getsize(bundle):9d} {runs:>4s} "
              f"{cycles.group(1):>10s} {float(cycles.group(2)):9.1f} {1000 * sim_s:7.1f}")
print("(compile and simulator times: best of 3, release build, process start-up subtracted;"
      " cycles from the target's cycle model)")
PY
