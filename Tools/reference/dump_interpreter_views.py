#!/usr/bin/env python3
"""Writes what the pinned TFLite interpreter itself sees in each model, as JSON fixtures.

vtac's frontend tests compare their reading of a model with these files, so the check of
`vtac inspect` rests on the reference interpreter (ai-edge-litert 2.3.0), not on our own reader.

    dump_interpreter_views.py [--check] OUT_DIR MODEL_DIR...

Each MODEL_DIR holds model.tflite; the fixture is OUT_DIR/<prefix><folder name>.json, where the
prefix is "shared-" for folders under a directory named "shared". With --check, nothing is
written: the fixtures are regenerated in memory and compared, and the exit status is 1 on any
difference.
"""
import argparse
import json
import os
import sys

import numpy as np

PINNED = "2.3.0"


def fnv1a64(data: bytes) -> str:
    """64-bit FNV-1a, as hex: a checksum of constant data that Swift recomputes without libraries."""
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def view(model_path: str) -> dict:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(model_path=model_path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    ops = it._get_ops_details()
    produced = {int(t) for op in ops for t in op["outputs"]}
    inputs = [int(d["index"]) for d in it.get_input_details()]
    outputs = [int(d["index"]) for d in it.get_output_details()]
    tensors = []
    for d in sorted(it.get_tensor_details(), key=lambda d: d["index"]):
        i = int(d["index"])
        q = d["quantization_parameters"]
        entry = {
            "index": i,
            "name": d["name"],
            "shape": [int(x) for x in d["shape"]],
            "shape_signature": [int(x) for x in d["shape_signature"]],
            "type": np.dtype(d["dtype"]).name,
            # float32 values written as Python floats: exact, since float32 ⊂ float64.
            "scales": [float(s) for s in q["scales"]],
            "zero_points": [int(z) for z in q["zero_points"]],
            "quantized_dimension": int(q["quantized_dimension"]),
        }
        if i not in produced and i not in inputs:
            data = it.get_tensor(i).tobytes()
            entry["constant_bytes"] = len(data)
            entry["constant_fnv1a64"] = fnv1a64(data)
        tensors.append(entry)
    operators = [
        {
            "index": int(op["index"]),
            "kind": op["op_name"],
            "inputs": [int(t) for t in op["inputs"]],
            "outputs": [int(t) for t in op["outputs"]],
        }
        for op in ops
    ]
    return {"inputs": inputs, "outputs": outputs, "operators": operators, "tensors": tensors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("out_dir")
    parser.add_argument("model_dirs", nargs="+")
    args = parser.parse_args()
    import ai_edge_litert

    version = getattr(ai_edge_litert, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("ai-edge-litert")
    if version != PINNED:
        print(f"ai-edge-litert {version} is installed; the reference is {PINNED}", file=sys.stderr)
        return 2
    failures = 0
    for model_dir in args.model_dirs:
        model_path = os.path.join(model_dir, "model.tflite")
        if not os.path.isfile(model_path):
            print(f"{model_path}: no such file", file=sys.stderr)
            failures += 1
            continue
        parent = os.path.basename(os.path.dirname(os.path.abspath(model_dir)))
        prefix = "shared-" if parent == "models" and "shared" in os.path.abspath(model_dir).split(os.sep) else ""
        name = prefix + os.path.basename(os.path.abspath(model_dir))
        text = json.dumps(view(model_path), indent=1) + "\n"
        out_path = os.path.join(args.out_dir, name + ".json")
        if args.check:
            try:
                with open(out_path) as f:
                    same = f.read() == text
            except FileNotFoundError:
                same = False
            print(("ok       " if same else "MISMATCH ") + out_path)
            failures += 0 if same else 1
        else:
            tmp = out_path + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, out_path)
            print("wrote " + out_path)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
