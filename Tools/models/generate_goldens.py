#!/usr/bin/env python3
"""Write or check the golden inputs/outputs of TFLite models.

For every model folder (a directory holding model.tflite) this script

  * writes input_<i>.npy for each model input i: a seeded, full-range random
    tensor (unless --keep-inputs).  The seed is zlib.crc32 of the folder name,
    so it does not depend on where the folder lives.  int8 inputs cover
    -128..127, uint8 0..255 (any integer type: its full range); float32 inputs
    are uniform over the float range that the model's input QUANTIZE
    represents, scale * ([qmin, qmax] - zero_point);
  * runs the model with ai-edge-litert==2.3.0 and the reference kernels
    (OpResolverType.BUILTIN_REF), and writes output_<j>.npy for each output j.

With --check nothing is written: the outputs are recomputed in memory from the
committed model.tflite and input_<i>.npy, and compared with the committed
output_<j>.npy (dtype, shape and every value).  One line per model is printed,
"ok NAME" or "MISMATCH NAME: ...", and the exit status is 1 if any model
mismatches or misses a file.

A directory argument is either a model folder itself or a directory whose
sub-folders are model folders (e.g. Models/ or ../shared/models/).  Without
arguments the repository's Models/ is used.

Only the pinned interpreter may produce goldens: the script refuses to run with
any other ai-edge-litert version.  Set it up with `bash Tools/models/venv.sh`.
"""

from __future__ import annotations

import argparse
import io
import sys
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / "Models"
LITERT_PACKAGE = "ai-edge-litert"
LITERT_VERSION = "2.3.0"


class GoldenError(Exception):
    """A problem with one model folder (message names the file)."""


def die(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


def check_interpreter_version() -> None:
    from importlib import metadata
    try:
        version = metadata.version(LITERT_PACKAGE)
    except metadata.PackageNotFoundError:
        die(f"{LITERT_PACKAGE} is not installed; run `bash Tools/models/venv.sh` and use "
            "the python it prints")
    if version != LITERT_VERSION:
        die(f"{LITERT_PACKAGE} {version} is installed, but goldens are defined by "
            f"{LITERT_PACKAGE}=={LITERT_VERSION} (Tools/models/requirements-goldens.txt)")


def seed_for(folder: Path) -> int:
    return zlib.crc32(folder.name.encode("utf-8"))


def find_model_dirs(arg: Path) -> list:
    if not arg.is_dir():
        raise GoldenError(f"{arg}: not a directory")
    if (arg / "model.tflite").is_file():
        return [arg]
    dirs = sorted(p for p in arg.iterdir() if p.is_dir() and (p / "model.tflite").is_file())
    if not dirs:
        raise GoldenError(f"{arg}: no model.tflite in it or in its sub-folders")
    return dirs


def make_interpreter(model: Path):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    try:
        interp = Interpreter(model_path=str(model), num_threads=1,
                             experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        interp.allocate_tensors()
    except Exception as e:
        raise GoldenError(f"{model}: cannot load: {e}") from e
    return interp


def float_input_range(interp, tensor_index: int, model: Path) -> tuple:
    """Float range that the QUANTIZE consuming a float input represents."""
    import numpy as np
    tensors = {t["index"]: t for t in interp.get_tensor_details()}
    for op in interp._get_ops_details():
        if op["op_name"] == "QUANTIZE" and tensor_index in list(op["inputs"]):
            out = tensors[op["outputs"][0]]
            scale, zp = out["quantization"]
            if scale == 0:
                break
            info = np.iinfo(out["dtype"])
            return scale * (info.min - zp), scale * (info.max - zp)
    raise GoldenError(f"{model}: float input tensor {tensor_index} is not consumed by a "
                      "quantized QUANTIZE operator; cannot choose an input range")


def random_inputs(interp, folder: Path) -> list:
    import numpy as np
    rng = np.random.default_rng(seed_for(folder))
    inputs = []
    for d in interp.get_input_details():
        dtype = np.dtype(d["dtype"])
        shape = tuple(int(s) for s in d["shape"])
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            x = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
        elif dtype == np.float32:
            lo, hi = float_input_range(interp, d["index"], folder / "model.tflite")
            x = rng.uniform(lo, hi, size=shape).astype(np.float32)
        else:
            raise GoldenError(f"{folder / 'model.tflite'}: input {d['name']} has unsupported "
                              f"type {dtype}")
        inputs.append(x)
    return inputs


def load_npy(path: Path):
    import numpy as np
    if not path.is_file():
        raise GoldenError(f"{path}: missing")
    try:
        return np.load(path, allow_pickle=False)
    except Exception as e:
        raise GoldenError(f"{path}: cannot read: {e}") from e


def load_inputs(interp, folder: Path) -> list:
    import numpy as np
    inputs = []
    for i, d in enumerate(interp.get_input_details()):
        path = folder / f"input_{i}.npy"
        x = load_npy(path)
        dtype = np.dtype(d["dtype"])
        shape = tuple(int(s) for s in d["shape"])
        if x.dtype != dtype or x.shape != shape:
            raise GoldenError(f"{path}: {x.dtype}{list(x.shape)} does not match the model "
                              f"input {d['name']} {dtype}{list(shape)}")
        inputs.append(x)
    return inputs


def run(interp, inputs: list) -> list:
    import numpy as np
    for d, x in zip(interp.get_input_details(), inputs):
        interp.set_tensor(d["index"], np.ascontiguousarray(x))
    interp.invoke()
    return [np.array(interp.get_tensor(d["index"]), copy=True)
            for d in interp.get_output_details()]


def npy_bytes(a) -> bytes:
    import numpy as np
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def stray_files(folder: Path, prefix: str, count: int) -> list:
    """input_N.npy / output_N.npy files beyond what the model has."""
    extra = []
    for p in sorted(folder.glob(f"{prefix}_*.npy")):
        suffix = p.stem[len(prefix) + 1:]
        if not suffix.isdigit() or int(suffix) >= count:
            extra.append(p.name)
    return extra


def compare(expected, got, path: Path) -> str | None:
    import numpy as np
    if expected.dtype != got.dtype:
        return f"{path}: dtype {expected.dtype}, interpreter gives {got.dtype}"
    if expected.shape != got.shape:
        return f"{path}: shape {list(expected.shape)}, interpreter gives {list(got.shape)}"
    if expected.tobytes() != got.tobytes():
        e = expected.astype(np.float64).ravel()
        g = got.astype(np.float64).ravel()
        diff = np.flatnonzero(expected.ravel() != got.ravel())
        if diff.size == 0:  # e.g. -0.0 vs 0.0 or NaN payloads
            return f"{path}: values differ in their bit patterns"
        first = int(diff[0])
        idx = np.unravel_index(first, expected.shape)
        return (f"{path}: {diff.size} of {expected.size} values differ, max |diff| "
                f"{np.max(np.abs(e[diff] - g[diff])):g}, first at {list(map(int, idx))}: "
                f"committed {expected.ravel()[first]}, interpreter {got.ravel()[first]}")
    return None


def check_folder(folder: Path) -> tuple:
    """Returns (ok, message)."""
    interp = make_interpreter(folder / "model.tflite")
    n_in, n_out = len(interp.get_input_details()), len(interp.get_output_details())
    extra = stray_files(folder, "input", n_in) + stray_files(folder, "output", n_out)
    if extra:
        raise GoldenError(f"{folder}: unexpected file(s) {', '.join(extra)} (model has "
                          f"{n_in} input(s), {n_out} output(s))")
    outputs = run(interp, load_inputs(interp, folder))
    notes = []
    for j, got in enumerate(outputs):
        path = folder / f"output_{j}.npy"
        expected = load_npy(path)
        problem = compare(expected, got, path)
        if problem:
            return False, problem
        if path.read_bytes() != npy_bytes(got):
            notes.append(f"{path.name} header differs from numpy's current .npy encoding")
    return True, "; ".join(notes)


def write_folder(folder: Path, keep_inputs: bool) -> str:
    import numpy as np
    interp = make_interpreter(folder / "model.tflite")
    if keep_inputs:
        inputs = load_inputs(interp, folder)
    else:
        inputs = random_inputs(interp, folder)
    outputs = run(interp, inputs)
    # A second run on the same inputs must agree (guards against uninitialised state).
    again = run(interp, inputs)
    for j, (a, b) in enumerate(zip(outputs, again)):
        if a.tobytes() != b.tobytes():
            raise GoldenError(f"{folder / 'model.tflite'}: output {j} differs between two "
                              "invocations on the same input")
    n_in, n_out = len(inputs), len(outputs)
    extra = stray_files(folder, "input", n_in) + stray_files(folder, "output", n_out)
    if extra:
        raise GoldenError(f"{folder}: unexpected file(s) {', '.join(extra)} (model has "
                          f"{n_in} input(s), {n_out} output(s)); remove them")
    changed = []
    files = ([] if keep_inputs else [(f"input_{i}.npy", x) for i, x in enumerate(inputs)])
    files += [(f"output_{j}.npy", y) for j, y in enumerate(outputs)]
    for name, arr in files:
        path = folder / name
        data = npy_bytes(arr)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(name)
    return ("wrote " + ", ".join(changed)) if changed else "unchanged"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Write (default) or check (--check) input_<i>.npy / output_<j>.npy "
                    f"goldens of TFLite models with {LITERT_PACKAGE}=={LITERT_VERSION} and "
                    "the reference kernels (OpResolverType.BUILTIN_REF).",
        epilog="DIR is a model folder (holding model.tflite) or a directory of model "
               "folders. Inputs are seeded with zlib.crc32(folder name).")
    parser.add_argument("dirs", nargs="*", type=Path, metavar="DIR",
                        help=f"model folders or directories of them (default: {MODELS_DIR})")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="write nothing; recompute the outputs from the committed model "
                           "and inputs and compare them with the committed outputs; exit 1 "
                           "on any mismatch or missing file")
    mode.add_argument("--keep-inputs", action="store_true",
                      help="do not (re)generate input_<i>.npy; use the existing ones and "
                           "only rewrite output_<j>.npy")
    args = parser.parse_args(argv)

    check_interpreter_version()

    folders = []
    try:
        for d in (args.dirs or [MODELS_DIR]):
            folders += find_model_dirs(d)
    except GoldenError as e:
        die(str(e))

    failures = 0
    for folder in folders:
        name = folder.name
        try:
            if args.check:
                ok, msg = check_folder(folder)
                if ok:
                    print(f"ok {name}" + (f" ({msg})" if msg else ""))
                else:
                    print(f"MISMATCH {name}: {msg}")
                    failures += 1
            else:
                print(f"{name}: {write_folder(folder, args.keep_inputs)}")
        except GoldenError as e:
            print(f"MISMATCH {name}: {e}" if args.check else f"error {name}: {e}")
            failures += 1
        sys.stdout.flush()

    if args.check:
        print(f"{len(folders) - failures} ok, {failures} mismatched")
    if failures:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
