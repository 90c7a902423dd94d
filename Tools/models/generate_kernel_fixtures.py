#!/usr/bin/env python3
"""Write or check the per-operator fixtures of the CPU kernel tests (Tests/CSDKernelsTests).

Everything is computed by the pinned golden interpreter, ai-edge-litert==2.3.0 with
OpResolverType.BUILTIN_REF (the reference kernels), and written under
Tests/Fixtures/kernels/:

  intermediates/<name>/t<index>.npy
      every tensor an operator produces that is not a model output, dumped with
      experimental_preserve_all_tensors=True while running the model on its committed
      input_<i>.npy.  <name> is the folder name for Models/*, "shared-<name>" for
      ../shared/models/* and "probe-<name>" for the probes below.  The kernel tests feed each
      operator the interpreter's own inputs, so an error cannot hide behind a later operator.

  probes/<name>/model.tflite, input_0.npy, output_0.npy
      small models crafted from Models/* by editing quantization parameters, shapes, options
      or constants with the flatbuffer object API, run on inputs chosen to hit the cases
      random inputs never reach: rounding ties of FULLY_CONNECTED and QUANTIZE, float inputs
      that are NaN, infinite or out of the int32 range, every int8/uint8 value through a
      requantizing QUANTIZE, softmax rows at the diff_min cut-off and with extreme scales,
      fused activations on pools and convolutions, ADD with a broadcast constant.

With --check nothing is written: everything is regenerated in memory and compared byte for
byte with the committed files (missing and stray files count as differences); the exit
status is 1 on any difference.

    PY=$(bash Tools/models/venv.sh)
    "$PY" Tools/models/generate_kernel_fixtures.py            # write
    "$PY" Tools/models/generate_kernel_fixtures.py --check    # what CI runs

The shared models are read from ../shared/models (or --shared DIR).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / "Models"
OUT_DIR = REPO / "Tests" / "Fixtures" / "kernels"
LITERT_PACKAGE = "ai-edge-litert"
LITERT_VERSION = "2.3.0"


def die(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


def check_interpreter_version() -> None:
    from importlib import metadata
    try:
        version = metadata.version(LITERT_PACKAGE)
    except metadata.PackageNotFoundError:
        die(f"{LITERT_PACKAGE} is not installed; use the python of `bash Tools/models/venv.sh`")
    if version != LITERT_VERSION:
        die(f"{LITERT_PACKAGE} {version} is installed; the fixtures are defined by "
            f"{LITERT_PACKAGE}=={LITERT_VERSION}")


# --------------------------------------------------------------------------
# Running the golden interpreter
# --------------------------------------------------------------------------

def make_interpreter(model: bytes):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    interp = Interpreter(model_content=model, num_threads=1,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                         experimental_preserve_all_tensors=True)
    interp.allocate_tensors()
    return interp


def run(model: bytes, inputs: list) -> tuple:
    """Returns (outputs, {tensor index: array} of every non-output operator result)."""
    import numpy as np
    interp = make_interpreter(model)
    for d, x in zip(interp.get_input_details(), inputs):
        interp.set_tensor(d["index"], np.ascontiguousarray(x))
    interp.invoke()
    outputs = [np.array(interp.get_tensor(d["index"]), copy=True)
               for d in interp.get_output_details()]
    output_indices = {int(d["index"]) for d in interp.get_output_details()}
    produced = {}
    for op in interp._get_ops_details():
        for t in op["outputs"]:
            t = int(t)
            if t >= 0 and t not in output_indices:
                produced[t] = np.array(interp.get_tensor(t), copy=True)
    return outputs, produced


def npy_bytes(a) -> bytes:
    import numpy as np
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


# --------------------------------------------------------------------------
# Crafting probe models
# --------------------------------------------------------------------------

def load_model(name: str):
    from ai_edge_litert import schema_py_generated as S
    buf = (MODELS_DIR / name / "model.tflite").read_bytes()
    return S.ModelT.InitFromObj(S.Model.GetRootAsModel(buf, 0))


def pack(model) -> bytes:
    import flatbuffers
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def set_quant(tensor, scales, zero_points, dim: int = 0) -> None:
    import numpy as np
    tensor.quantization.scale = np.array(scales, dtype=np.float32)
    tensor.quantization.zeroPoint = np.array(zero_points, dtype=np.int64)
    tensor.quantization.quantizedDimension = dim
    tensor.quantization.min = None
    tensor.quantization.max = None


def set_shape(tensor, shape) -> None:
    import numpy as np
    tensor.shape = np.array(shape, dtype=np.int32)
    tensor.shapeSignature = None


def set_buffer(model, tensor, array) -> None:
    import numpy as np
    model.buffers[tensor.buffer].data = np.frombuffer(np.ascontiguousarray(array).tobytes(),
                                                      dtype=np.uint8)


def rng_for(name: str):
    import zlib
    import numpy as np
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


def probe_fc_ties(name: str, per_channel: bool):
    """FULLY_CONNECTED with power-of-two scales: acc * scale lands exactly on .5 for many
    accumulators, which separates round-half-away-from-zero (the 2.3.0 reference: round() of a
    double) from the integer single-rounding formula (ties towards +inf) and from double
    rounding."""
    import numpy as np
    m = load_model("fc")
    g = m.subgraphs[0]
    x, bias, w, y = (g.tensors[i] for i in range(4))
    rng = rng_for(name)
    batch = 16
    set_shape(x, [batch, 32])
    set_shape(y, [batch, 10])
    s_in, s_out = 2.0 ** -7, 2.0 ** -13
    # Effective scales s_in * s_w / s_out = 64 * s_w: 0.5, 0.25, 0.375, 0.3125, 0.75, 1.0 ...
    if per_channel:
        s_w = np.array([2 ** -7, 2 ** -8, 3 * 2 ** -10, 5 * 2 ** -12, 3 * 2 ** -9,
                        2 ** -6, 2 ** -7, 7 * 2 ** -11, 2 ** -8, 2 ** -9])
    else:
        s_w = np.array([2 ** -7])
    set_quant(x, [s_in], [5])
    set_quant(w, s_w, [0] * len(s_w))
    set_quant(bias, s_in * s_w, [0] * len(s_w))
    set_quant(y, [s_out], [3])
    set_buffer(m, w, rng.integers(-4, 5, size=(10, 32)).astype(np.int8))
    set_buffer(m, bias, rng.integers(-9, 10, size=10).astype(np.int32))
    inputs = [rng.integers(-12, 13, size=(batch, 32)).astype(np.int8)]
    return pack(m), inputs


def probe_requantize(name: str, in_type: str, q0, q2, q4, out_type: str):
    """QUANTIZE -> RESHAPE -> QUANTIZE from op_requantize_uint8 with new types and
    quantizations; the input is every value of its type once."""
    import numpy as np
    from ai_edge_litert import schema_py_generated as S
    m = load_model("op_requantize_uint8")
    g = m.subgraphs[0]
    types = {"int8": S.TensorType.INT8, "uint8": S.TensorType.UINT8}
    t0, shape_const, t2, t3, t4 = (g.tensors[i] for i in range(5))
    t0.type = types[in_type]
    t4.type = types[out_type]
    for t, shape in ((t0, [1, 256]), (t2, [1, 256]), (t3, [1, 8, 32]), (t4, [1, 8, 32])):
        set_shape(t, shape)
    set_buffer(m, shape_const, np.array([1, 8, 32], dtype=np.int32))
    set_quant(t0, [q0[0]], [q0[1]])
    set_quant(t2, [q2[0]], [q2[1]])
    set_quant(t3, [q2[0]], [q2[1]])
    set_quant(t4, [q4[0]], [q4[1]])
    dtype = np.int8 if in_type == "int8" else np.uint8
    info = np.iinfo(dtype)
    inputs = [np.arange(info.min, info.max + 1, dtype=np.int64).astype(dtype).reshape(1, 256)]
    return pack(m), inputs


def probe_quantize_edges(name: str, out_type: str, zero_point: int):
    """QUANTIZE float32 -> int8/uint8, RESHAPE, DEQUANTIZE from op_quantize_float, with a
    chosen zero point, on ties, near-ties and special floats."""
    import numpy as np
    from ai_edge_litert import schema_py_generated as S
    m = load_model("op_quantize_float")
    g = m.subgraphs[0]
    t2, t3 = g.tensors[2], g.tensors[3]
    scale = float(np.float32(t2.quantization.scale[0]))
    if out_type == "uint8":
        t2.type = t3.type = S.TensorType.UINT8
    set_quant(t2, [scale], [zero_point])
    set_quant(t3, [scale], [zero_point])
    s = np.float32(scale)
    f32 = np.float32
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e10, -1e10, 3e38, -3e38,
               np.float32(2.2e9) * s, np.float32(-2.2e9) * s, np.float32(2.1e9) * s,
               np.float32(-2.1e9) * s, np.float32(2 ** 31) * s, np.float32(-(2 ** 31)) * s,
               1e-45, -1e-45, 1e-38, 0.5 * s, -0.5 * s, 1.5 * s, -1.5 * s,
               (0.5 - zero_point) * s, (-0.5 - zero_point) * s,
               (127.5 - zero_point) * s, (-128.5 - zero_point) * s,
               (255.5 - zero_point) * s]
    values = [f32(v) for v in special]
    k = np.arange(-120, 120, 3, dtype=np.float64) + 0.5
    ties = (k * np.float64(s)).astype(np.float32)
    values += list(ties)
    rng = rng_for(name)
    near = np.nextafter(ties, np.where(rng.random(ties.size) < 0.5, f32(np.inf), f32(-np.inf)))
    values += list(near.astype(np.float32))
    while len(values) < 210:
        values.append(f32(rng.uniform(-300.0, 300.0) * s))
    inputs = [np.array(values[:210], dtype=np.float32).reshape(1, 210)]
    return pack(m), inputs


def probe_softmax(name: str, source: str, rows: int, input_scale, row_maker):
    """SOFTMAX from `source` with `rows` rows, an optional new input scale, and rows built by
    row_maker(rng, depth, diff_min)."""
    import math
    import numpy as np
    m = load_model(source)
    g = m.subgraphs[0]
    x, y = g.tensors[0], g.tensors[1]
    depth = int(x.shape[-1])
    set_shape(x, [1, rows, depth])
    set_shape(y, [1, rows, depth])
    if input_scale is not None:
        set_quant(x, [input_scale], [int(x.quantization.zeroPoint[0])])
    scale = float(np.float32(x.quantization.scale[0]))
    real = min(scale * float(1 << 26), float((1 << 31) - 1))
    _, e = math.frexp(real)
    q = round(math.frexp(real)[0] * (1 << 31))
    shift = e + 1 if q == 1 << 31 else e
    diff_min = -math.floor(31.0 * (1 << 26) / (1 << shift))
    rng = rng_for(name)
    data = np.stack([row_maker(rng, depth, diff_min, r) for r in range(rows)])
    return pack(m), [data.astype(np.int8).reshape(1, rows, depth)]


def softmax_edge_rows(rng, depth, diff_min, r):
    import numpy as np
    top = 127
    cut = max(diff_min, -255)
    kinds = [
        lambda: np.full(depth, -128),
        lambda: np.full(depth, 127),
        lambda: np.where(np.arange(depth) == 5, 127, -128),
        lambda: np.where(np.arange(depth) % 17 == 0, 127, -128),
        lambda: np.clip(127 - np.arange(depth) * 4, -128, 127),
        # values at, just above and just below the diff_min cut-off
        lambda: np.clip(np.array([top] + [top + cut + d for d in (0, 1, -1, 2, -2)] * depth)[:depth],
                        -128, 127),
        lambda: rng.integers(-128, 128, size=depth),
        lambda: rng.integers(100, 128, size=depth),
    ]
    return kinds[r % len(kinds)]()


def random_rows(rng, depth, diff_min, r):
    return rng.integers(-128, 128, size=depth)


def probe_activation(name: str, source: str, activation: int):
    """`source` with its operator's fused activation replaced."""
    import numpy as np
    m = load_model(source)
    op = m.subgraphs[0].operators[-1]
    op.builtinOptions.fusedActivationFunction = activation
    x = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]]
    rng = rng_for(name)
    return pack(m), [rng.integers(-128, 128, size=tuple(int(d) for d in x.shape)).astype(np.int8)]


def probe_add_broadcast(name: str):
    """op_add_relu's ADD with its second input replaced by a [1, 6, 1, 8] int8 constant of its
    own quantization (broadcast along the width)."""
    import copy
    import numpy as np
    from ai_edge_litert import schema_py_generated as S
    m = load_model("op_add_relu")
    g = m.subgraphs[0]
    add = g.operators[-1]
    rng = rng_for(name)
    buf = S.BufferT()
    buf.data = np.frombuffer(rng.integers(-128, 128, size=(1, 6, 1, 8)).astype(np.int8).tobytes(),
                             dtype=np.uint8)
    m.buffers.append(buf)
    t = copy.deepcopy(g.tensors[add.inputs[1]])
    t.name = b"broadcast_constant"
    t.buffer = len(m.buffers) - 1
    set_shape(t, [1, 6, 1, 8])
    set_quant(t, [0.0123], [-17])
    g.tensors.append(t)
    add.inputs = np.array([add.inputs[0], len(g.tensors) - 1], dtype=np.int32)
    x = g.tensors[g.inputs[0]]
    return pack(m), [rng.integers(-128, 128, size=tuple(int(d) for d in x.shape)).astype(np.int8)]


def probes() -> dict:
    """name -> (model bytes, inputs)."""
    from ai_edge_litert import schema_py_generated as S
    A = S.ActivationFunctionType
    return {
        "fc_ties_per_channel": probe_fc_ties("fc_ties_per_channel", per_channel=True),
        "fc_ties_per_tensor": probe_fc_ties("fc_ties_per_tensor", per_channel=False),
        "requantize_s8_s8": probe_requantize("requantize_s8_s8", "int8", (0.0123, -7),
                                             (0.0051, 11), (0.0203, -100), "int8"),
        "requantize_u8_scaled": probe_requantize("requantize_u8_scaled", "uint8", (0.0123, 140),
                                                 (0.0051, 11), (0.0203, 30), "uint8"),
        "requantize_same_scale": probe_requantize("requantize_same_scale", "uint8", (0.01, 200),
                                                  (0.01, -3), (0.01, 125), "uint8"),
        "quantize_edges_s8": probe_quantize_edges("quantize_edges_s8", "int8", -90),
        "quantize_edges_s8_poszp": probe_quantize_edges("quantize_edges_s8_poszp", "int8", 20),
        "quantize_edges_u8": probe_quantize_edges("quantize_edges_u8", "uint8", 37),
        "softmax_edges": probe_softmax("softmax_edges", "op_softmax_wide", 8, None,
                                       softmax_edge_rows),
        "softmax_large_scale": probe_softmax("softmax_large_scale", "op_softmax", 8, 40.0,
                                             softmax_edge_rows),
        "softmax_small_scale": probe_softmax("softmax_small_scale", "op_softmax", 8, 2.0 ** -24,
                                             random_rows),
        "avgpool_relu6": probe_activation("avgpool_relu6", "op_avgpool_c17_3x3_s2_same", A.RELU6),
        "maxpool_relu_n1_to_1": probe_activation("maxpool_relu_n1_to_1",
                                                 "op_maxpool_c17_3x3_s2_same", A.RELU_N1_TO_1),
        "conv_relu_n1_to_1": probe_activation("conv_relu_n1_to_1", "op_conv_c8_s2_same_5x5",
                                              A.RELU_N1_TO_1),
        "conv_tanh_ignored": probe_activation("conv_tanh_ignored", "op_conv_c3_s21_valid", A.TANH),
        "add_broadcast": probe_add_broadcast("add_broadcast"),
    }


# --------------------------------------------------------------------------
# Fixture files
# --------------------------------------------------------------------------

def model_folders(directory: Path) -> list:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if (p / "model.tflite").is_file())


def expected_files(shared_dir: Path) -> dict:
    """relative path -> bytes of every fixture file."""
    import numpy as np
    files = {}

    def intermediates(name: str, model: bytes, inputs: list, golden_outputs=None):
        outputs, produced = run(model, inputs)
        if golden_outputs is not None:
            for j, (a, b) in enumerate(zip(outputs, golden_outputs)):
                if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
                    raise RuntimeError(f"{name}: output {j} differs from the committed golden")
        for t, arr in sorted(produced.items()):
            files[f"intermediates/{name}/t{t}.npy"] = npy_bytes(arr)
        return outputs

    sources = [(p.name, p) for p in model_folders(MODELS_DIR)]
    sources += [("shared-" + p.name, p) for p in model_folders(shared_dir)]
    for name, folder in sources:
        model = (folder / "model.tflite").read_bytes()
        n_in = len(make_interpreter(model).get_input_details())
        n_out = len(make_interpreter(model).get_output_details())
        inputs = [np.load(folder / f"input_{i}.npy") for i in range(n_in)]
        golden = [np.load(folder / f"output_{j}.npy") for j in range(n_out)]
        intermediates(name, model, inputs, golden)

    for name, (model, inputs) in probes().items():
        outputs = intermediates("probe-" + name, model, inputs)
        again, _ = run(model, inputs)
        if any(a.tobytes() != b.tobytes() for a, b in zip(outputs, again)):
            raise RuntimeError(f"probe {name}: two invocations disagree")
        files[f"probes/{name}/model.tflite"] = model
        for i, x in enumerate(inputs):
            files[f"probes/{name}/input_{i}.npy"] = npy_bytes(x)
        for j, y in enumerate(outputs):
            files[f"probes/{name}/output_{j}.npy"] = npy_bytes(y)
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Write (default) or check (--check) Tests/Fixtures/kernels: intermediate "
                    "tensors of every model and crafted probe models, with "
                    f"{LITERT_PACKAGE}=={LITERT_VERSION} (BUILTIN_REF).")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; regenerate in memory and compare with the "
                             "committed files; exit 1 on any difference")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "models",
                        metavar="DIR", help="the shared models (default: %(default)s)")
    args = parser.parse_args(argv)
    check_interpreter_version()

    files = expected_files(args.shared)
    on_disk = {str(p.relative_to(OUT_DIR)) for p in OUT_DIR.rglob("*") if p.is_file()} \
        if OUT_DIR.is_dir() else set()
    stray = sorted(on_disk - set(files))
    differ = sorted(rel for rel, data in files.items()
                    if not (OUT_DIR / rel).is_file() or (OUT_DIR / rel).read_bytes() != data)
    if args.check:
        for rel in differ:
            print(f"MISMATCH {rel}")
        for rel in stray:
            print(f"STRAY {rel}")
        print(f"{len(files) - len(differ)} ok, {len(differ)} differ, {len(stray)} stray")
        return 1 if differ or stray else 0
    for rel in differ:
        path = OUT_DIR / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel])
    for rel in stray:
        (OUT_DIR / rel).unlink()
    print(f"{len(files)} files: {len(differ)} written, {len(files) - len(differ)} unchanged, "
          f"{len(stray)} stray removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
