#!/usr/bin/env python3
"""Independent checks of petal's ONNX files (run with /usr/bin/python3).

    onnx_check.py SPEC.json

SPEC holds {"tolerance": t, "cases": [case, ...]}; each case names an exported
file ("onnx"), petal's input batches ("inputs", .npy files, NHWC or [N, ...],
one per model input) and petal's predictions on them ("expected", one .npy per
output), the export options ("layout", "fold", "opset"), the model's
"input_names", "input_shapes", "output_names", its "weights" (Keras names) and
its "layers" ([{"name", "type", "shape"}], shapes per sample as Keras's), and
optionally the expected "batch_norm_nodes".
For each case:
  1. onnx.checker.check_model(full_check=True) accepts the file;
  2. opset, IR version, input/output names, the dynamic batch "N" and the
     initializer names (Keras's, or "<name>/folded_<bn>" when folded) are as
     documented in include/petal/interop/onnx.h, and no Dropout is left;
  3. strict shape inference gives every layer's output value (named after the
     layer) petal's shape, in NHWC or NCHW order;
  4. a float64 evaluator of the ONNX graph written here on PyTorch's functional
     ops (no ONNX runtime involved) reproduces petal's predictions (every
     output) within the tolerance.
Prints "case <i> ... max_abs_diff=<d>" per case (the largest over the outputs);
exits 1 on any failure.
"""
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper, shape_inference

torch.set_default_dtype(torch.float64)

IR_FOR_OPSET = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8}


def attrs(node):
    values = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in values.items()}


def pad4(x, pads, value):
    top, left, bottom, right = pads
    return F.pad(x, (left, right, top, bottom), value=value)


def average_pool(x, a):
    k, s = a["kernel_shape"], a.get("strides", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    total = F.avg_pool2d(pad4(x, pads, 0.0), k, s) * (k[0] * k[1])
    if a.get("count_include_pad", 0):
        return total / (k[0] * k[1])
    ones = torch.ones_like(x[:1, :1])
    count = F.avg_pool2d(pad4(ones, pads, 0.0), k, s) * (k[0] * k[1])
    return total / count


def gemm(inputs, a):
    x, w = inputs[0], inputs[1]
    if a.get("transA", 0):
        x = x.T
    if a.get("transB", 0):
        w = w.T
    y = a.get("alpha", 1.0) * (x @ w)
    if len(inputs) > 2:
        y = y + a.get("beta", 1.0) * inputs[2]
    return y


def batch_norm(inputs, a):
    x, scale, bias, mean, var = inputs
    shape = [1, -1] + [1] * (x.dim() - 2)
    inv = scale / torch.sqrt(var + a.get("epsilon", 1e-5))
    return (x - mean.reshape(shape)) * inv.reshape(shape) + bias.reshape(shape)


def conv(x, inputs, a):
    padded = pad4(x, a.get("pads", [0, 0, 0, 0]), 0.0)
    return F.conv2d(padded, inputs[1], inputs[2] if len(inputs) > 2 else None, a.get("strides", [1, 1]),
                    dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))


def conv_transpose(x, inputs, a):
    """ONNX's ConvTranspose: the full transposed convolution, output_padding
    appended at the end, the bias added, then pads removed."""
    y = F.conv_transpose2d(x, inputs[1], None, a.get("strides", [1, 1]), dilation=a.get("dilations", [1, 1]),
                           groups=a.get("group", 1))
    op = a.get("output_padding", [0, 0])
    y = F.pad(y, (0, op[1], 0, op[0]))
    if len(inputs) > 2:
        y = y + inputs[2].reshape(1, -1, 1, 1)
    top, left, bottom, right = a.get("pads", [0, 0, 0, 0])
    return y[:, :, top:y.shape[2] - bottom, left:y.shape[3] - right]


def resize(x, scales, a):
    assert list(scales[:2]) == [1, 1] and len(scales) == 4, "Resize over H and W only"
    mode, ctm = a.get("mode", "nearest"), a.get("coordinate_transformation_mode", "half_pixel")
    oh, ow = int(x.shape[2] * scales[2]), int(x.shape[3] * scales[3])
    if mode == "nearest":
        assert ctm == "asymmetric" and a.get("nearest_mode") == "floor", "nearest: asymmetric + floor only"
        rows = (torch.arange(oh) / float(scales[2])).floor().long()
        cols = (torch.arange(ow) / float(scales[3])).floor().long()
        return x[:, :, rows][:, :, :, cols]
    assert mode == "linear" and ctm == "half_pixel", "linear: half_pixel only"
    out = x
    for axis, n, s in ((2, oh, float(scales[2])), (3, ow, float(scales[3]))):
        c = ((torch.arange(n, dtype=torch.float64) + 0.5) / s - 0.5).clamp(0, out.shape[axis] - 1)
        lo = c.floor().long()
        hi = (lo + 1).clamp(max=out.shape[axis] - 1)
        t = (c - lo).reshape([-1 if d == axis else 1 for d in range(4)])
        out = out.index_select(axis, lo) * (1 - t) + out.index_select(axis, hi) * t
    return out


def reshape(x, shape):
    shape = [int(v) for v in shape]
    shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return x.reshape(shape)


def slice_op(x, starts, ends, axes):
    index = [slice(None)] * x.dim()
    for s, e, ax in zip(starts.tolist(), ends.tolist(), axes.tolist()):
        index[int(ax)] = slice(int(s), int(e))
    return x[tuple(index)]


def layer_norm(inputs, a):
    x, scale, bias = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else 0.0
    axis = a.get("axis", -1) % x.dim()
    dims = tuple(range(axis, x.dim()))
    mean = x.mean(dim=dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
    return (x - mean) / torch.sqrt(var + a.get("epsilon", 1e-5)) * scale + bias


def fold(op, values):
    out = values[0]
    for v in values[1:]:
        out = op(out, v)
    return out


def run_node(node, inputs):
    a, op, x = attrs(node), node.op_type, inputs[0]
    if op == "Transpose":
        return x.permute(*a["perm"])
    if op == "Conv":
        return conv(x, inputs, a)
    if op == "ConvTranspose":
        return conv_transpose(x, inputs, a)
    if op == "MaxPool":
        padded = pad4(x, a.get("pads", [0, 0, 0, 0]), float("-inf"))
        return F.max_pool2d(padded, a["kernel_shape"], a.get("strides", [1, 1]))
    if op == "AveragePool":
        return average_pool(x, a)
    if op == "GlobalAveragePool":
        return x.mean(dim=(2, 3), keepdim=True)
    if op == "GlobalMaxPool":
        return x.amax(dim=(2, 3), keepdim=True)
    if op == "Flatten":
        axis = a.get("axis", 1)
        return x.reshape(int(np.prod(x.shape[:axis])), -1)
    if op == "Gemm":
        return gemm(inputs, a)
    if op == "BatchNormalization":
        return batch_norm(inputs, a)
    if op == "LayerNormalization":
        return layer_norm(inputs, a)
    if op == "ReduceMean":
        return x.mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
    if op == "Softmax":
        return torch.softmax(x, a.get("axis", -1))
    if op == "Reshape":
        return reshape(x, inputs[1])
    if op == "Pad":
        assert a.get("mode", "constant") == "constant", "Pad: constant mode only"
        p = [int(v) for v in inputs[1]]
        n = x.dim()
        return F.pad(x, [v for d in reversed(range(n)) for v in (p[d], p[d + n])])
    if op == "Slice":
        return slice_op(x, inputs[1], inputs[2], inputs[3])
    if op == "Resize":
        return resize(x, inputs[2].tolist(), a)
    if op == "Concat":
        return torch.cat(inputs, a["axis"])
    if op == "PRelu":
        return torch.where(x < 0, inputs[1] * x, x)
    if op == "ThresholdedRelu":
        return torch.where(x > a.get("alpha", 1.0), x, torch.zeros_like(x))
    binary = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div,
              "Sum": torch.add, "Max": torch.maximum, "Min": torch.minimum}
    if op in binary:
        return fold(binary[op], inputs)
    simple = {"Relu": F.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh, "Identity": lambda v: v,
              "Neg": torch.neg, "Erf": torch.erf, "Sqrt": torch.sqrt,
              "Elu": lambda v: F.elu(v, a.get("alpha", 1.0)),
              "LeakyRelu": lambda v: F.leaky_relu(v, a.get("alpha", 0.01)),
              "HardSigmoid": lambda v: (a.get("alpha", 0.2) * v + a.get("beta", 0.5)).clamp(0, 1)}
    if op in simple:
        return simple[op](x)
    raise AssertionError(f"the evaluator has no {op} (node {node.name})")


def evaluate(model, feed):
    values = {t.name: torch.from_numpy(numpy_helper.to_array(t).astype(np.float64)) for t in model.graph.initializer}
    values.update(feed)
    for node in model.graph.node:  # ONNX requires topological order
        assert len(node.output) == 1, f"{node.name}: one output expected"
        values[node.output[0]] = run_node(node, [values[i] if i else None for i in node.input])
    return [values[o.name].numpy() for o in model.graph.output]


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def onnx_shapes(keras_shape):
    shapes = [["N"] + keras_shape]
    if len(keras_shape) == 3:
        h, w, c = keras_shape
        shapes.append(["N", c, h, w])
    return shapes


def check_structure(case, model):
    errors = []
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets != {"": case["opset"]}:
        errors.append(f"opset_import {opsets}; expected {{'': {case['opset']}}}")
    if model.ir_version != IR_FOR_OPSET[case["opset"]]:
        errors.append(f"ir_version {model.ir_version}; expected {IR_FOR_OPSET[case['opset']]}")
    if len(model.graph.input) != len(case["input_names"]) or len(model.graph.output) != len(case["output_names"]):
        errors.append(f"{len(model.graph.input)} inputs / {len(model.graph.output)} outputs; expected "
                      f"{len(case['input_names'])} / {len(case['output_names'])}")
    for inp, name, shape in zip(model.graph.input, case["input_names"], case["input_shapes"]):
        want_in = onnx_shapes(shape)[1 if case["layout"] == "nchw" and len(shape) == 3 else 0]
        if inp.name != name or dims(inp) != want_in:
            errors.append(f"input {inp.name} {dims(inp)}; expected {name} {want_in}")
    for out, name in zip(model.graph.output, case["output_names"]):
        if out.name != name or dims(out)[0] != "N":
            errors.append(f"output {out.name} {dims(out)}; expected {name} with batch N")
    weights = set(case["weights"])
    for t in model.graph.initializer:
        base = t.name.split("/folded_")[0]
        layer = base.split("/")[0]
        if "/folded_" in t.name and base.endswith("/bias:0"):  # a bias-free layer gains one by folding
            base = next((w for w in weights if w.startswith(layer + "/")), base)
        if base not in weights and not t.name.endswith("_constant"):
            errors.append(f"initializer {t.name} is not a Keras weight name")
        if "/folded_" in t.name and not case["fold"]:
            errors.append(f"initializer {t.name} folded without fold_batch_norm")
    if any(n.op_type == "Dropout" for n in model.graph.node):
        errors.append("a Dropout node is left in the inference graph")
    bn_nodes = sum(1 for n in model.graph.node if n.op_type == "BatchNormalization")
    if "batch_norm_nodes" in case and bn_nodes != case["batch_norm_nodes"]:
        errors.append(f"{bn_nodes} BatchNormalization nodes; expected {case['batch_norm_nodes']}")
    return errors


def check_shapes(case, model):
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    known = {v.name: dims(v) for v in list(inferred.graph.value_info) + list(inferred.graph.output) +
             list(inferred.graph.input)}
    errors, checked = [], 0
    for layer in case["layers"]:
        if layer["name"] not in known:
            continue  # aliased: Dropout, a folded BatchNormalization, a linear Activation
        checked += 1
        got = known[layer["name"]]
        if got and isinstance(got[0], str) and got[0].startswith("unk__"):  # Resize loses the batch's name
            got = ["N"] + got[1:]
        if got not in onnx_shapes(layer["shape"]):
            errors.append(f"{layer['type']} {layer['name']}: inferred {got}; "
                          f"petal's shape {layer['shape']}")
    aliased = sum(1 for layer in case["layers"] if layer["name"] not in known)
    removable = sum(1 for layer in case["layers"] if layer["type"] in (
        "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "BatchNormalization", "Activation",
        "Flatten", "Rescaling"))
    if aliased > removable:
        errors.append(f"{aliased} layers have no value named after them; at most {removable} may be aliased")
    return errors, checked


def run_case(i, case, tolerance):
    onnx.checker.check_model(case["onnx"], full_check=True)
    model = onnx.load(case["onnx"])
    errors = check_structure(case, model)
    shape_errors, checked = check_shapes(case, model)
    errors += shape_errors
    feed = {}
    for inp, path in zip(model.graph.input, case["inputs"]):
        x = np.load(path).astype(np.float64)
        if case["layout"] == "nchw" and x.ndim == 4:
            x = x.transpose(0, 3, 1, 2)
        feed[inp.name] = torch.from_numpy(x)
    diff = 0.0
    for got, path in zip(evaluate(model, feed), case["expected"]):
        expected = np.load(path)
        if case["layout"] == "nchw" and expected.ndim == 4:
            got = got.transpose(0, 2, 3, 1)
        d = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else float("inf")
        if not d <= tolerance:
            errors.append(f"evaluator output {got.shape} differs from petal's {expected.shape} by {d} ({path})")
        diff = max(diff, d)
    print(f"case {i} {case['onnx']}: checker ok, {checked} layer shapes, max_abs_diff={diff:.3g}")
    for e in errors:
        print(f"case {i} FAILED: {e}")
    return not errors


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    ok = all([run_case(i, c, spec["tolerance"]) for i, c in enumerate(spec["cases"])])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
