#!/usr/bin/env bash
# Installs what building and testing vtac needs from Debian, when it is missing.
# Sourced by Tools/run.sh and Tools/test.sh; safe to run on its own.
set -euo pipefail

# Headers and tools: flatbuffers for the TFLite reader (flatc also checks the generated code);
# protobuf-c for the runtime's bundle reader; protoc and protoc-c to check the generated code.
VTAC_DEBIAN_PACKAGES="libflatbuffers-dev flatbuffers-compiler libprotobuf-c-dev protobuf-c-compiler protobuf-compiler"

vtac_missing_packages() {
    local missing=()
    for p in $VTAC_DEBIAN_PACKAGES "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    echo "${missing[@]:-}"
}

# vtac_setup [EXTRA-PACKAGE...]: the packages above, plus any a script needs besides.
vtac_setup() {
    local missing
    missing=$(vtac_missing_packages "$@")
    [ -z "$missing" ] && return 0
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "vtac needs Debian packages: $missing (run as root or install them)" >&2; return 1; }
        sudo="sudo"
    fi
    echo "installing Debian packages: $missing" >&2
    $sudo apt-get update -qq >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then vtac_setup; fi
