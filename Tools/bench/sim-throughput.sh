#!/usr/bin/env bash
# Benchmark: the reference simulator's speed on a GEMM-bound stream, in simulated MACs per
# second (release build, one core). Prints the figures; asserts nothing.
#   Tools/bench/sim-throughput.sh [GEMM_INSTRUCTIONS]   (default 2500: about 1.0e9 MACs)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/Tools/setup.sh"
vtac_setup
swift build --package-path "$root" -c release --product vtac >&2
vtac="$root/.build/release/vtac"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gemms=${1:-2500}
python3 - "$work" "$gemms" <<'PY'
import sys
work, gemms = sys.argv[1], int(sys.argv[2])
# Image at 0x1000: 2048 INP elements (32 KiB), then 1024 WGT tiles (256 KiB) at 0x9000.
image = bytes((i * 37 + 11) & 0xFF for i in range(0x8000 + 0x40000))
open(f"{work}/image.bin", "wb").write(image)
def program(n):
    lines = ["LOAD UOP sram=0 dram=0x%x y=1 x=16 stride=16" % ((0x1000 + len(image) + 4095) // 4096 * 4096 // 4),
             "LOAD INP sram=0 dram=0x100 y=1 x=2048 stride=2048",
             "LOAD WGT sram=0 dram=0x90 y=1 x=1024 stride=1024 deps=push_next"]
    for g in range(n):
        deps = " deps=pop_prev" if g == 0 else ""
        lines.append("GEMM uop=0:16 iter=100,1 dst=16,0 src=16,0 wgt=0,0" + deps)
    lines.append("FINISH")
    lines += ["UOP dst=%d src=%d wgt=%d" % (u, u, u * 60) for u in range(16)]
    return "\n".join(lines) + "\n"
open(f"{work}/big.s", "w").write(program(gemms))
open(f"{work}/small.s", "w").write(program(1))
PY
for p in small big; do
    "$vtac" asm "$work/$p.s" -o "$work/$p.insn" --uops-out "$work/$p.uop"
done
run() { "$vtac" sim --insn "$work/$1.insn" --uops "$work/$1.uop" --dram "$work/image.bin" -o "$work/out.bin" --dump 0x1000:16 --json; }
python3 - "$vtac" "$work" <<'PY'
import json, subprocess, sys, time
vtac, work = sys.argv[1], sys.argv[2]
def run(name):
    args = [vtac, "sim", "--insn", f"{work}/{name}.insn", "--uops", f"{work}/{name}.uop",
            "--dram", f"{work}/image.bin", "-o", f"{work}/out.bin", "--dump", "0x1000:16", "--json"]
    best, report = None, None
    for _ in range(3):
        t = time.perf_counter()
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        elapsed = time.perf_counter() - t
        best = elapsed if best is None else min(best, elapsed)
        report = json.loads(out)
    return best, report
base, _ = run("small")
wall, report = run("big")
macs = report["macs"]
sim = max(wall - base, 1e-9)
print(f"GEMM-bound stream: {macs:,} simulated MACs, {report['gemm_uop_iterations']:,} GEMM uop runs")
print(f"wall {wall:.3f} s (start-up and decode {base:.3f} s), simulation {sim:.3f} s")
print(f"simulator speed: {macs / sim:.3e} MACs/s (aim: >= 1e9 on one core)")
print(f"modelled on the target: {report['modelled_cycles']:,} cycles, GEMM utilisation {100 * report['gemm_utilization']:.1f} %")
PY
