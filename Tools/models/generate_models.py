#!/usr/bin/env python3
"""Build vtac's own zoo of small int8 TFLite models.

Every model is a tiny Keras model with seeded random weights, converted with
tensorflow-cpu==2.21.0 full-integer post-training quantization
(optimizations=[DEFAULT], supported_ops=[TFLITE_BUILTINS_INT8], a seeded
representative dataset) and written to Models/<name>/model.tflite.  After
conversion each model is loaded with the ai-edge-litert interpreter and its
operator list is compared with the one the spec expects, so a converter change
that fuses, drops or adds an operator is caught here and not in the backend.

Models/README.md (the table of models) is rewritten from the .tflite files on
disk after every run.

To add a model, add one ModelSpec line to MODELS below.  Goldens
(input_0.npy / output_0.npy) are produced separately by generate_goldens.py.

Usage:
    python Tools/models/generate_models.py                # all models
    python Tools/models/generate_models.py --only fc --only conv1x1
    python Tools/models/generate_models.py --list
Use the interpreter of a venv made from Tools/models/requirements-models.txt.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import os
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Callable, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / "Models"

TF_VERSION = "2.21.0"
LITERT_VERSION = "2.3.0"

# Number of samples in the representative (calibration) dataset.
CALIBRATION_SAMPLES = 32


# --------------------------------------------------------------------------
# Model table
# --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One model of the zoo.

    build:        function(L, x) -> y, where L is keras.layers and x the
                  (batch 1) Keras input tensor; returns the output tensor.
    input_shape:  input shape without the batch dimension (batch is 1).
    io_type:      "int8", "uint8" or "float32": the model's input/output type.
    ops:          the operators the converted model must contain, in execution
                  order (checked after conversion).
    calib_range:  the representative dataset is uniform over this float range.
    check:        optional extra check on the converted model, function(Interp)
                  raising an Exception on failure.
    """

    name: str
    description: str
    build: Callable
    input_shape: tuple
    io_type: str = "int8"
    ops: Sequence[str] = ()
    calib_range: tuple = (-1.0, 1.0)
    check: Optional[Callable] = None


def _tiny_mobilenet(L, x):
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="relu6")(x)      # 8x8x8
    x = L.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    x = L.Conv2D(16, 1, activation="relu6")(x)
    x = L.DepthwiseConv2D(3, strides=2, padding="same", activation="relu6")(x)  # 4x4x16
    x = L.Conv2D(24, 1, activation="relu6")(x)
    x = L.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    x = L.Conv2D(32, 1, activation="relu6")(x)
    x = L.AveragePooling2D(4)(x)                                              # global: 1x1x32
    x = L.Flatten()(x)
    x = L.Dense(10)(x)
    return L.Softmax()(x)


def _tiny_resnet(L, x):
    x = L.Conv2D(16, 3, padding="same", activation="relu")(x)                # 16x16x16
    # Block 1: identity shortcut.
    y = L.Conv2D(16, 3, padding="same", activation="relu")(x)
    y = L.Conv2D(16, 3, padding="same")(y)
    x = L.ReLU()(L.Add()([x, y]))
    # Block 2: stride 2, 1x1 projection shortcut.
    y = L.Conv2D(24, 3, strides=2, padding="same", activation="relu")(x)     # 8x8x24
    y = L.Conv2D(24, 3, padding="same")(y)
    s = L.Conv2D(24, 1, strides=2)(x)
    x = L.ReLU()(L.Add()([s, y]))
    x = L.AveragePooling2D(4)(x)                                              # 2x2x24
    x = L.Flatten()(x)
    x = L.Dense(10)(x)
    return L.Softmax()(x)


def _add_residual(L, x):
    # Conv branch and the (differently scaled) input itself as shortcut.
    y = L.Conv2D(16, 3, padding="same")(x)
    return L.Add()([y, x])


def _small_core(L, x):
    x = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = L.AveragePooling2D(2)(x)
    x = L.Flatten()(x)
    return L.Dense(5)(x)


def _check_add_scales_differ(interp):
    details = {t["index"]: t for t in interp.get_tensor_details()}
    adds = [op for op in interp._get_ops_details() if op["op_name"] == "ADD"]
    if not adds:
        raise RuntimeError("no ADD operator")
    for op in adds:
        scales = [details[i]["quantization"][0] for i in op["inputs"]]
        if len(set(scales)) < 2:
            raise RuntimeError(f"ADD inputs have equal scales {scales}")


# Calibration ranges: several models use an asymmetric range so that the input zero
# point is far from 0 (image-like [0, 1] gives -128), which matters for SAME padding
# (padded taps behave like x = zero point) and for the -zp*sum(w) term.
MODELS = [
    ModelSpec("fc", "single Dense on a flat input (32 -> 10)",
              lambda L, x: L.Dense(10)(x), (32,),
              ops=["FULLY_CONNECTED"], calib_range=(-0.5, 1.5)),
    ModelSpec("conv3x3_same_s1_relu", "Conv2D 3x3 SAME stride 1, ReLU, 3 -> 8 channels",
              lambda L, x: L.Conv2D(8, 3, padding="same", activation="relu")(x), (12, 12, 3),
              ops=["CONV_2D"], calib_range=(0.0, 1.0)),
    ModelSpec("conv3x3_valid_s2_relu6", "Conv2D 3x3 VALID stride 2, ReLU6, 17 -> 20 channels",
              lambda L, x: L.Conv2D(20, 3, strides=2, padding="valid", activation="relu6")(x),
              (13, 13, 17), ops=["CONV_2D"]),
    ModelSpec("conv3x3_same_s2", "Conv2D 3x3 SAME stride 2 (pads bottom/right only), 16 -> 32",
              lambda L, x: L.Conv2D(32, 3, strides=2, padding="same")(x), (12, 12, 16),
              ops=["CONV_2D"], calib_range=(-0.5, 1.5)),
    ModelSpec("conv1x1", "Conv2D 1x1, 24 -> 16 channels",
              lambda L, x: L.Conv2D(16, 1)(x), (8, 8, 24),
              ops=["CONV_2D"]),
    ModelSpec("dwconv_s1", "DepthwiseConv2D 3x3 SAME stride 1, ReLU, 24 channels",
              lambda L, x: L.DepthwiseConv2D(3, padding="same", activation="relu")(x),
              (10, 10, 24), ops=["DEPTHWISE_CONV_2D"], calib_range=(-1.5, 0.5)),
    ModelSpec("dwconv_s2", "DepthwiseConv2D 3x3 SAME stride 2 (pads both sides), 16 channels",
              lambda L, x: L.DepthwiseConv2D(3, strides=2, padding="same")(x),
              (11, 11, 16), ops=["DEPTHWISE_CONV_2D"]),
    ModelSpec("add_residual", "Conv2D 3x3 branch + input shortcut, ADD with different input scales",
              _add_residual, (8, 8, 16), ops=["CONV_2D", "ADD"],
              check=_check_add_scales_differ),
    ModelSpec("maxpool_same", "MaxPool 3x3 stride 2 SAME on 9x9 (pads 1 on every side)",
              lambda L, x: L.MaxPooling2D(3, strides=2, padding="same")(x), (9, 9, 20),
              ops=["MAX_POOL_2D"], calib_range=(-1.5, 0.5)),
    ModelSpec("maxpool_valid", "MaxPool 2x2 stride 2 VALID",
              lambda L, x: L.MaxPooling2D(2, strides=2, padding="valid")(x), (8, 8, 16),
              ops=["MAX_POOL_2D"]),
    ModelSpec("avgpool_same", "AvgPool 3x3 stride 2 SAME on 9x9 (border windows count 4 or 6 taps)",
              lambda L, x: L.AveragePooling2D(3, strides=2, padding="same")(x), (9, 9, 20),
              ops=["AVERAGE_POOL_2D"]),
    ModelSpec("avgpool_valid", "AvgPool 3x3 stride 2 VALID (9 taps, not a power of two)",
              lambda L, x: L.AveragePooling2D(3, strides=2, padding="valid")(x), (9, 9, 16),
              ops=["AVERAGE_POOL_2D"]),
    ModelSpec("tiny_mobilenet", "conv s2 + 3 depthwise/pointwise blocks (ReLU6), global avg pool, Dense, Softmax",
              _tiny_mobilenet, (16, 16, 3),
              ops=["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D",
                   "DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"]),
    ModelSpec("tiny_resnet", "conv + 2 residual blocks (identity, stride-2 projection), avg pool to 2x2, Flatten, Dense, Softmax",
              _tiny_resnet, (16, 16, 3),
              ops=["CONV_2D", "CONV_2D", "CONV_2D", "ADD", "CONV_2D", "CONV_2D", "CONV_2D", "ADD",
                   "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"],
              check=_check_add_scales_differ),
    ModelSpec("floatio", "float32 input/output around an int8 core (conv, avg pool, Dense)",
              _small_core, (8, 8, 3), io_type="float32",
              ops=["QUANTIZE", "CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED",
                   "DEQUANTIZE"]),
    ModelSpec("uint8io", "uint8 input/output around an int8 core (conv, avg pool, Dense)",
              _small_core, (8, 8, 3), io_type="uint8", calib_range=(0.0, 1.0),
              ops=["QUANTIZE", "CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED",
                   "QUANTIZE"]),

    # Single-operator models for the CPU kernel tests (Tests/CSDKernelsTests): channel
    # counts 3, 8 and 17, strides 1 and 2, SAME and VALID, dilation, NONE/RELU/RELU6, and
    # asymmetric calibration ranges so that zero points are far from 0.
    ModelSpec("op_softmax", "Softmax over 37 classes, 4 rows, input range [-6, 6]",
              lambda L, x: L.Softmax()(x), (4, 37), ops=["SOFTMAX"], calib_range=(-6.0, 6.0)),
    ModelSpec("op_softmax_wide", "Softmax over 64 classes, 3 rows, input range [-40, 40] "
              "(diff_min drops the smallest terms)",
              lambda L, x: L.Softmax()(x), (3, 64), ops=["SOFTMAX"],
              calib_range=(-40.0, 40.0)),
    ModelSpec("op_softmax_narrow", "Softmax over 10 classes, input range [-0.3, 0.3]",
              lambda L, x: L.Softmax()(x), (10,), ops=["SOFTMAX"], calib_range=(-0.3, 0.3)),
    ModelSpec("op_quantize_float", "float32 in/out around a Reshape: QUANTIZE, RESHAPE, DEQUANTIZE",
              lambda L, x: L.Reshape((6, 35))(x), (210,), io_type="float32",
              ops=["QUANTIZE", "RESHAPE", "DEQUANTIZE"], calib_range=(-0.3, 1.7)),
    ModelSpec("op_requantize_uint8", "uint8 in/out around a Reshape: QUANTIZE (uint8 -> int8), "
              "RESHAPE, QUANTIZE (int8 -> uint8)",
              lambda L, x: L.Reshape((5, 24))(x), (120,), io_type="uint8",
              ops=["QUANTIZE", "RESHAPE", "QUANTIZE"], calib_range=(-1.0, 0.6)),
    ModelSpec("op_conv_c3_s1_same_relu", "Conv2D 3x3 SAME stride 1, ReLU, 3 -> 8 on 9x11",
              lambda L, x: L.Conv2D(8, 3, padding="same", activation="relu")(x), (9, 11, 3),
              ops=["CONV_2D"], calib_range=(0.0, 1.0)),
    ModelSpec("op_conv_c17_s2_valid_relu6", "Conv2D 3x3 VALID stride 2, ReLU6, 17 -> 8 on 10x9",
              lambda L, x: L.Conv2D(8, 3, strides=2, padding="valid", activation="relu6")(x),
              (10, 9, 17), ops=["CONV_2D"], calib_range=(-0.5, 1.5)),
    ModelSpec("op_conv_c8_s2_same_5x5", "Conv2D 5x5 SAME stride 2, 8 -> 17 on 10x9 (odd total padding)",
              lambda L, x: L.Conv2D(17, 5, strides=2, padding="same")(x), (10, 9, 8),
              ops=["CONV_2D"]),
    ModelSpec("op_conv_c8_dil2_relu", "Conv2D 3x2 SAME dilation 2, ReLU, 8 -> 3 on 8x7",
              lambda L, x: L.Conv2D(3, (3, 2), dilation_rate=2, padding="same",
                                    activation="relu")(x), (8, 7, 8),
              ops=["CONV_2D"], calib_range=(-1.5, 0.5)),
    ModelSpec("op_conv_c17_1x1_s2", "Conv2D 1x1 stride 2, 17 -> 17 on 7x7",
              lambda L, x: L.Conv2D(17, 1, strides=2)(x), (7, 7, 17), ops=["CONV_2D"]),
    ModelSpec("op_conv_c3_s21_valid", "Conv2D 3x3 VALID strides (2, 1), 3 -> 8 on 9x8",
              lambda L, x: L.Conv2D(8, 3, strides=(2, 1), padding="valid")(x), (9, 8, 3),
              ops=["CONV_2D"], calib_range=(-0.2, 1.8)),
    ModelSpec("op_dwconv_c8_s1_same_relu6", "DepthwiseConv2D 3x3 SAME stride 1, ReLU6, 8 channels on 9x10",
              lambda L, x: L.DepthwiseConv2D(3, padding="same", activation="relu6")(x),
              (9, 10, 8), ops=["DEPTHWISE_CONV_2D"], calib_range=(0.0, 1.0)),
    ModelSpec("op_dwconv_c17_s2_valid", "DepthwiseConv2D 3x3 VALID stride 2, 17 channels on 10x9",
              lambda L, x: L.DepthwiseConv2D(3, strides=2, padding="valid")(x), (10, 9, 17),
              ops=["DEPTHWISE_CONV_2D"]),
    ModelSpec("op_dwconv_c3_dm2_5x5_relu", "DepthwiseConv2D 5x5 SAME, depth multiplier 2, ReLU, 3 -> 6",
              lambda L, x: L.DepthwiseConv2D(5, depth_multiplier=2, padding="same",
                                             activation="relu")(x), (8, 9, 3),
              ops=["DEPTHWISE_CONV_2D"], calib_range=(-0.5, 1.5)),
    ModelSpec("op_dwconv_c8_dil2", "DepthwiseConv2D 3x3 SAME dilation 2, 8 channels on 9x9",
              lambda L, x: L.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x), (9, 9, 8),
              ops=["DEPTHWISE_CONV_2D"], calib_range=(-1.5, 0.5)),
    ModelSpec("op_fc_relu", "Dense 45 -> 17, ReLU",
              lambda L, x: L.Dense(17, activation="relu")(x), (45,),
              ops=["FULLY_CONNECTED"], calib_range=(-1.5, 0.5)),
    ModelSpec("op_fc_rows_relu6", "Dense 20 -> 8 on 3 rows (1x3x20), ReLU6",
              lambda L, x: L.Dense(8, activation="relu6")(x), (3, 20),
              ops=["FULLY_CONNECTED"], calib_range=(0.0, 1.0)),
    ModelSpec("op_add_relu", "ADD of a 1x1 conv branch and the input (different scales), ReLU",
              lambda L, x: L.ReLU()(L.Add()([L.Conv2D(8, 1)(x), x])), (6, 7, 8),
              ops=["CONV_2D", "ADD"], check=_check_add_scales_differ),
    ModelSpec("op_add_c17", "ADD of the input and a 1x1 conv branch (different scales), 17 channels",
              lambda L, x: L.Add()([x, L.Conv2D(17, 1)(x)]), (5, 6, 17),
              ops=["CONV_2D", "ADD"], calib_range=(0.0, 1.0), check=_check_add_scales_differ),
    ModelSpec("op_add_c3_relu6", "ADD of a 1x1 conv branch and the input, ReLU6, 3 channels",
              lambda L, x: L.ReLU(6.0)(L.Add()([L.Conv2D(3, 1)(x), x])), (7, 5, 3),
              ops=["CONV_2D", "ADD"], calib_range=(-4.0, 4.0), check=_check_add_scales_differ),
    ModelSpec("op_maxpool_c17_3x3_s2_same", "MaxPool 3x3 stride 2 SAME, 17 channels on 10x9",
              lambda L, x: L.MaxPooling2D(3, strides=2, padding="same")(x), (10, 9, 17),
              ops=["MAX_POOL_2D"], calib_range=(-1.5, 0.5)),
    ModelSpec("op_maxpool_c3_2x3_s1_valid", "MaxPool 2x3 stride 1 VALID, 3 channels on 7x8",
              lambda L, x: L.MaxPooling2D((2, 3), strides=1, padding="valid")(x), (7, 8, 3),
              ops=["MAX_POOL_2D"], calib_range=(0.0, 1.0)),
    ModelSpec("op_avgpool_c17_3x3_s2_same", "AvgPool 3x3 stride 2 SAME, 17 channels on 10x9",
              lambda L, x: L.AveragePooling2D(3, strides=2, padding="same")(x), (10, 9, 17),
              ops=["AVERAGE_POOL_2D"], calib_range=(-1.5, 0.5)),
    ModelSpec("op_avgpool_c3_3x3_s1_same", "AvgPool 3x3 stride 1 SAME, 3 channels on 7x6 (zero point -128)",
              lambda L, x: L.AveragePooling2D(3, strides=1, padding="same")(x), (7, 6, 3),
              ops=["AVERAGE_POOL_2D"], calib_range=(0.0, 1.0)),
    ModelSpec("op_avgpool_c8_2x2_valid", "AvgPool 2x2 stride 2 VALID, 8 channels on 8x8",
              lambda L, x: L.AveragePooling2D(2)(x), (8, 8, 8), ops=["AVERAGE_POOL_2D"]),
]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def die(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def seed_for(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


@contextlib.contextmanager
def captured_fds():
    """Redirect the process' stdout/stderr (including C++ logging) to a file.

    Yields the file; the caller prints its content when something failed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    log = tempfile.TemporaryFile(mode="w+b")
    saved = os.dup(1), os.dup(2)
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    try:
        yield log
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def read_log(log) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")


def import_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    with captured_fds() as log:
        try:
            import tensorflow as tf  # noqa: F401
            import keras  # noqa: F401
        except Exception:
            err = read_log(log)
            ok = False
        else:
            ok = True
    if not ok:
        sys.stderr.write(err)
        die("cannot import tensorflow/keras: install Tools/models/requirements-models.txt")
    import tensorflow as tf
    import keras
    if tf.__version__ != TF_VERSION:
        die(f"tensorflow {tf.__version__} is installed; the models are pinned to "
            f"tensorflow-cpu=={TF_VERSION} (Tools/models/requirements-models.txt)")
    return tf, keras


def randomize_weights(keras, model, rng) -> None:
    """Overwrite every weight with seeded numpy random values.

    Kernels are uniform with a fan-in scaled range and an extra random factor
    per output channel (so per-channel quantization scales really differ);
    biases are non-zero so that the bias path is exercised.
    """
    import numpy as np
    L = keras.layers
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        new = []
        for w in weights:
            shape = w.shape
            if w.ndim == 1:  # bias
                v = rng.uniform(-0.25, 0.25, size=shape)
            else:
                if isinstance(layer, L.DepthwiseConv2D):
                    fan_in = shape[0] * shape[1]
                    factor = rng.uniform(0.4, 2.0, size=(1, 1) + shape[2:])
                else:
                    fan_in = int(np.prod(shape[:-1]))
                    factor = rng.uniform(0.4, 2.0, size=(1,) * (w.ndim - 1) + shape[-1:])
                limit = np.sqrt(3.0 / fan_in)
                v = rng.uniform(-limit, limit, size=shape) * factor
            new.append(v.astype(w.dtype))
        layer.set_weights(new)


def build_and_convert(tf, keras, spec: ModelSpec) -> bytes:
    import numpy as np
    seed = seed_for(spec.name)
    keras.utils.set_random_seed(seed % (2**31))
    keras.backend.clear_session()
    inp = keras.Input(spec.input_shape, batch_size=1, name="input")
    out = spec.build(keras.layers, inp)
    model = keras.Model(inp, out, name=spec.name)
    randomize_weights(keras, model, np.random.default_rng(seed))

    lo, hi = spec.calib_range

    def representative_dataset():
        rng = np.random.default_rng(seed + 1)
        for _ in range(CALIBRATION_SAMPLES):
            yield [rng.uniform(lo, hi, size=(1,) + tuple(spec.input_shape)).astype(np.float32)]

    io = {"int8": tf.int8, "uint8": tf.uint8, "float32": tf.float32}[spec.io_type]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.representative_dataset = representative_dataset
    converter.inference_input_type = io
    converter.inference_output_type = io
    return converter.convert()


def load_interpreter(path_or_bytes):
    from ai_edge_litert.interpreter import Interpreter
    if isinstance(path_or_bytes, (bytes, bytearray)):
        return Interpreter(model_content=bytes(path_or_bytes))
    return Interpreter(model_path=str(path_or_bytes))


def op_names(interp) -> list:
    return [op["op_name"] for op in interp._get_ops_details()]


def verify(spec: ModelSpec, flatbuffer: bytes) -> None:
    import numpy as np
    interp = load_interpreter(flatbuffer)
    got = op_names(interp)
    if spec.ops and list(spec.ops) != got:
        raise RuntimeError(f"operators {got}, expected {list(spec.ops)}")
    want = np.dtype(spec.io_type)
    for d in interp.get_input_details() + interp.get_output_details():
        if np.dtype(d["dtype"]) != want:
            raise RuntimeError(f"tensor {d['name']} has type {np.dtype(d['dtype'])}, expected {want}")
    if spec.check:
        spec.check(interp)


# --------------------------------------------------------------------------
# README table
# --------------------------------------------------------------------------

def summarize_ops(names: list) -> str:
    counts = collections.Counter(names)
    seen, parts = set(), []
    for n in names:
        if n in seen:
            continue
        seen.add(n)
        parts.append(n if counts[n] == 1 else f"{n} {counts[n]}")
    return ", ".join(parts)


def tensor_desc(d) -> str:
    import numpy as np
    shape = "x".join(str(int(s)) for s in d["shape"])
    scale, zp = d["quantization"]
    q = f" (zp {zp})" if scale else ""
    return f"{shape} {np.dtype(d['dtype']).name}{q}"


def quant_notes(interp) -> str:
    """Facts about weight quantization worth knowing when reading the model."""
    tensors = {t["index"]: t for t in interp.get_tensor_details()}
    notes = []
    for op in interp._get_ops_details():
        if op["op_name"] != "FULLY_CONNECTED":
            continue
        w = tensors[op["inputs"][1]]
        n = len(w["quantization_parameters"]["scales"])
        notes.append("FC weights per-channel" if n > 1 else "FC weights per-tensor")
    for op in interp._get_ops_details():
        if op["op_name"] == "ADD":
            s = [tensors[i]["quantization"][0] for i in op["inputs"]]
            notes.append("ADD input scales " + " / ".join(f"{x:.4g}" for x in s))
    return "; ".join(dict.fromkeys(notes))


def write_readme() -> None:
    rows = []
    for spec in MODELS:
        path = MODELS_DIR / spec.name / "model.tflite"
        if not path.exists():
            continue
        interp = load_interpreter(path)
        ins = ", ".join(tensor_desc(d) for d in interp.get_input_details())
        outs = ", ".join(tensor_desc(d) for d in interp.get_output_details())
        rows.append(f"| {spec.name} | {spec.description} | {summarize_ops(op_names(interp))} "
                    f"| {ins} | {outs} | {path.stat().st_size} | {quant_notes(interp)} |")
    text = f"""# vtac model zoo

Small int8 TFLite models built by `Tools/models/generate_models.py` (Keras models with
seeded random weights, full-integer post-training quantization with
tensorflow-cpu=={TF_VERSION}). Each folder holds `model.tflite`, `input_0.npy` (a seeded,
full-range random input) and `output_0.npy` (the output of ai-edge-litert=={LITERT_VERSION}
with `OpResolverType.BUILTIN_REF`, written by `Tools/models/generate_goldens.py`).
The weights are random: the models compute nothing meaningful and are there for
bit-exactness tests only. See `Tools/models/README.md` for how to regenerate them.

This table is written by `generate_models.py` from the .tflite files (operators in
execution order as the interpreter lists them; sizes in bytes).

| folder | what it is | operators | input | output | bytes | notes |
|---|---|---|---|---|---|---|
""" + "\n".join(rows) + """

All CONV_2D weights are per-channel int8 on dim 0, DEPTHWISE_CONV_2D weights per-channel
on dim 3, biases int32, activations per-tensor int8. Fused activations (ReLU, ReLU6, and
the ReLU after each residual ADD in tiny_resnet) are folded into the operator's
`fused_activation_function`, not separate operators. The converter drops the Flatten
RESHAPE in front of FULLY_CONNECTED when the pooled tensor is 1x1 (tiny_mobilenet) and
keeps it when it is not (tiny_resnet: 2x2x24, floatio/uint8io: 4x4x8). FULLY_CONNECTED
weights are per-channel (one scale per output row), unlike most published models.

floatio is converted with float32 inference types: QUANTIZE (float32 -> int8) in front and
DEQUANTIZE (int8 -> float32) at the end. uint8io is converted with tf.uint8 inference types,
which TF 2.21 accepts directly: the boundary operators are both QUANTIZE (uint8 -> int8 at
the input, int8 -> uint8 at the output), each a pure zero-point shift by 128 with equal
input and output scales. (`ai_edge_litert._pywrap_modify_model_interface.
modify_model_interface(src, dst, 3, 3)` on the float-I/O conversion also works and gives
the same outputs, but different bytes.)
The `input` column shows each tensor's zero point: several models are calibrated on an
asymmetric float range so that the input zero point is far from 0 (SAME padding behaves
like x = zero point).
"""
    (MODELS_DIR / "README.md").write_text(text)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Build the vtac model zoo (Models/<name>/model.tflite) with "
                    f"tensorflow-cpu=={TF_VERSION}, check each model's operators and "
                    "rewrite Models/README.md.",
        epilog="Goldens (input_0.npy, output_0.npy) are written by generate_goldens.py.")
    parser.add_argument("--only", action="append", metavar="NAME", default=[],
                        help="build only this model (repeatable)")
    parser.add_argument("--list", action="store_true",
                        help="list the model names and descriptions, build nothing")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, metavar="DIR",
                        help="output directory (default: %(default)s); README.md is "
                             "only rewritten for the default directory")
    args = parser.parse_args(argv)

    names = [s.name for s in MODELS]
    if len(set(names)) != len(names):
        die("duplicate model names in MODELS")
    if args.list:
        for s in MODELS:
            print(f"{s.name:24s} {s.io_type:8s} {'x'.join(map(str, s.input_shape)):10s} {s.description}")
        return 0
    unknown = [n for n in args.only if n not in names]
    if unknown:
        die(f"unknown model(s) {', '.join(unknown)}; --list shows the names")
    selected = [s for s in MODELS if not args.only or s.name in args.only]

    tf, keras = import_tf()
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception:
        pass

    failures = 0
    for spec in selected:
        dest = args.out / spec.name / "model.tflite"
        with captured_fds() as log:
            try:
                flatbuffer = build_and_convert(tf, keras, spec)
                error = None
            except Exception as e:  # report with the converter's log
                error = e
        if error is not None:
            sys.stderr.write(read_log(log))
            print(f"FAILED {spec.name}: conversion error: {error!r}", file=sys.stderr)
            failures += 1
            continue
        try:
            verify(spec, flatbuffer)
        except Exception as e:
            print(f"FAILED {spec.name}: {e}", file=sys.stderr)
            failures += 1
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        old = dest.read_bytes() if dest.exists() else None
        dest.write_bytes(flatbuffer)
        state = "unchanged" if old == flatbuffer else ("changed" if old else "new")
        print(f"{spec.name:24s} {len(flatbuffer):7d} bytes  {state:9s} "
              f"{summarize_ops(op_names(load_interpreter(flatbuffer)))}")

    if args.out.resolve() == MODELS_DIR.resolve():
        write_readme()
    if failures:
        print(f"{failures} model(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
