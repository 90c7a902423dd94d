#!/usr/bin/env bash
# Renders `vtac report --html` for a shipped model in headless Chromium and checks a picture
# came out. Run on demand (Chromium is large, so CI does not install it):
#   Tools/report/render-check.sh [model.tflite] [out-dir]
# Installs Debian's chromium if it is missing. Leaves report.html and report.png in out-dir
# (default .build/report) for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/../.."
model="${1:-../shared/models/resnet8_cifar10/model.tflite}"
out="${2:-.build/report}"
source Tools/setup.sh
vtac_setup chromium
swift build --product vtac >/dev/null
bin="$(swift build --show-bin-path)"
mkdir -p "$out"
"$bin/vtac" report "$model" --html "$out/report.html" >/dev/null
rm -f "$out/report.png"
timeout 120 chromium --headless --no-sandbox --disable-gpu --window-size=1300,1400 \
    --screenshot="$out/report.png" "file://$(realpath "$out/report.html")" >/dev/null 2>&1 || true
if [[ ! -s "$out/report.png" ]]; then
    echo "render-check: chromium wrote no picture of $out/report.html" >&2
    exit 1
fi
python3 - "$out/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
# Walk the chunks, inflate the image data and count distinct bytes: a blank page is nearly one value.
idat, pos = b"", 8
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + length]
    pos += 12 + length
pixels = zlib.decompress(idat)
distinct = len(set(pixels[:: max(1, len(pixels) // 200000)]))
print(f"render-check: {sys.argv[1]} {width}x{height}, {distinct} distinct byte values")
sys.exit(0 if distinct > 16 else 1)
PY
