#!/usr/bin/env bash
# Regenerates the bundle manifest code from Sources/BundleFormat/vtac_bundle.proto:
#   Swift (swift-protobuf's protoc-gen-swift, the version Package.swift pins) → Sources/Bundle/Generated/
#   C (Debian's protoc-c)                                                   → Sources/CSDRuntime/generated/
#   Tools/codegen/generate-bundle-manifest.sh           write the generated files
#   Tools/codegen/generate-bundle-manifest.sh --check   exit 1 if a committed file is stale
# protoc-gen-swift is taken from $PROTOC_GEN_SWIFT, or built once from the swift-protobuf
# checkout that `swift package resolve` fetches (into .build-protoc-gen-swift, about 1.5 min).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
proto_dir="$root/Sources/BundleFormat"
for tool in protoc protoc-c; do
    command -v $tool >/dev/null || { echo "$tool not found: apt-get install protobuf-compiler protobuf-c-compiler" >&2; exit 2; }
done
plugin=${PROTOC_GEN_SWIFT:-}
if [ -z "$plugin" ]; then
    scratch="$root/.build-protoc-gen-swift"
    plugin="$scratch/release/protoc-gen-swift"
    if [ ! -x "$plugin" ]; then
        swift package --package-path "$root" resolve >&2
        checkout="$root/.build/checkouts/swift-protobuf"
        [ -d "$checkout" ] || { echo "no swift-protobuf checkout in .build/checkouts" >&2; exit 2; }
        echo "building protoc-gen-swift from $checkout (once)" >&2
        swift build --package-path "$checkout" --scratch-path "$scratch" -c release --product protoc-gen-swift >&2
    fi
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/swift" "$out/c"
protoc -I "$proto_dir" --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public \
    --swift_out="$out/swift" "$proto_dir/vtac_bundle.proto"
protoc-c -I "$proto_dir" --c_out="$out/c" "$proto_dir/vtac_bundle.proto"
pairs=("$out/swift/vtac_bundle.pb.swift:$root/Sources/Bundle/Generated/vtac_bundle.pb.swift"
       "$out/c/vtac_bundle.pb-c.c:$root/Sources/CSDRuntime/generated/vtac_bundle.pb-c.c"
       "$out/c/vtac_bundle.pb-c.h:$root/Sources/CSDRuntime/generated/vtac_bundle.pb-c.h")
stale=0
for pair in "${pairs[@]}"; do
    src=${pair%%:*}
    dst=${pair#*:}
    if [ "${1:-}" = "--check" ]; then
        cmp -s "$src" "$dst" || { echo "stale: ${dst#$root/} (run Tools/codegen/generate-bundle-manifest.sh)" >&2; stale=1; }
    else
        mkdir -p "$(dirname "$dst")"
        cp "$src" "$dst"
        echo "wrote ${dst#$root/}"
    fi
done
if [ "${1:-}" = "--check" ] && [ $stale = 0 ]; then echo "generated bundle manifest code is current"; fi
exit $stale
