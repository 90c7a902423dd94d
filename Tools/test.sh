#!/usr/bin/env bash
# Runs the whole test suite, first installing what is missing. Extra arguments go to `swift test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=Tools/setup.sh
source "$root/Tools/setup.sh"
vtac_setup
if [ ! -d "${VTAC_SHARED_MODELS:-$root/../shared/models}" ]; then
    echo "warning: ../shared/models is missing: the shared-model tests will have nothing to check" >&2
fi
swift build --package-path "$root" --build-tests
swift test --package-path "$root" --skip-build "$@"
