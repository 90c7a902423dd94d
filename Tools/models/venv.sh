#!/usr/bin/env bash
# Create (if missing) the Python venv for the golden tools and print its python.
#
#   bash Tools/models/venv.sh            # goldens venv: requirements-goldens.txt
#                                        #   at $VTAC_GOLDEN_VENV or Tools/.venv-goldens
#   bash Tools/models/venv.sh models     # converter venv: requirements-models.txt
#                                        #   at $VTAC_MODELS_VENV or Tools/.venv-models
#
# Only the python path is printed on stdout (progress goes to stderr), so CI can do
#   PY=$(bash Tools/models/venv.sh) && "$PY" Tools/models/generate_goldens.py --check Models
# An existing venv is reused; pip re-applies the pinned requirements on every call
# (quick and offline when they are satisfied). Packages come from PyPI only. The
# interpreter used to create the venv is $VTAC_PYTHON or python3.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

case "${1:-goldens}" in
  goldens)
    venv="${VTAC_GOLDEN_VENV:-$repo/Tools/.venv-goldens}"
    req="$here/requirements-goldens.txt"
    probe="import ai_edge_litert.interpreter, numpy"
    ;;
  models)
    venv="${VTAC_MODELS_VENV:-$repo/Tools/.venv-models}"
    req="$here/requirements-models.txt"
    probe="import ai_edge_litert.interpreter, numpy, tensorflow"
    ;;
  -h|--help)
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "venv.sh: unknown argument '$1' (expected 'goldens', 'models' or --help)" >&2
    exit 2
    ;;
esac

py="$venv/bin/python"

base_python="${VTAC_PYTHON:-python3}"
if ! command -v "$base_python" >/dev/null 2>&1; then
  echo "venv.sh: '$base_python' not found (set VTAC_PYTHON to a Python 3.11 interpreter)" >&2
  exit 1
fi

fail() {
  echo "venv.sh: setting up $venv from $req failed: $1" >&2
  exit 1
}

if [ ! -x "$py" ]; then
  echo "venv.sh: creating $venv with $("$base_python" --version 2>&1)" >&2
  "$base_python" -m venv "$venv" >&2 || fail "python -m venv"
  # Keep the venv out of git wherever it lives.
  printf '*\n' > "$venv/.gitignore"
fi
# Always (re)apply the pins: a no-op that needs no network (under a second) when they
# are already satisfied, and it repairs a venv whose packages drifted.
echo "venv.sh: installing $req into $venv" >&2
"$py" -m pip install --disable-pip-version-check --no-input --quiet -r "$req" >&2 \
  || fail "pip install"
TF_CPP_MIN_LOG_LEVEL=3 "$py" -c "$probe" >&2 || fail "import check"

echo "$py"
