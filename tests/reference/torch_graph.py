#!/usr/bin/env python3
"""PyTorch reference for petal graph models (run with /usr/bin/python3).

    torch_graph.py IN.npz OUT.npz

IN holds "doc" (petal's model description, the petal_model.json of a model
file, as uint8 text), x [N, H, W, C] (NHWC), y one-hot [N, K], lr, momentum,
nesterov and every weight under its Keras name (conv2d_1/kernel:0 ...). The graph
is rebuilt from the description's layers and inbound_nodes, as Keras rebuilds a
functional model, with Keras's conventions (NHWC flatten order, TensorFlow's
'same' padding, BN momentum 1 - m and epsilon), and run in float64 (the
reference) and float32 (how far float32 arithmetic itself strays). OUT receives,
prefixed "f64/" and "f32/": probs and loss (training mode, before the step;
Keras's clipped value), grad/<name> (Keras layout; gradient of the log-softmax
loss), after/<name> (every weight after one SGD step, BN moving statistics
included), eval_probs and eval_loss (inference mode after the step).
Layers: InputLayer, Conv2D, Dense, BatchNormalization, Activation, Add,
Concatenate, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten.
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F


def same_pads(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def pad_same(x, k, s, value=0.0):
    top, bottom = same_pads(x.shape[2], k[0], s[0])
    left, right = same_pads(x.shape[3], k[1], s[1])
    return F.pad(x, (left, right, top, bottom), value=value)


def channel_dim(t, axis):
    """Keras axis over NHWC (or [N, F]) -> the tensor's dim in NCHW."""
    rank = t.dim()
    a = axis % rank
    if rank == 4:
        return {1: 2, 2: 3, 3: 1}[a]
    return a


class Graph:
    def __init__(self, doc, weights, dtype):
        self.layers = doc["layers"]
        self.inputs = doc["input_layers"]
        self.outputs = doc["output_layers"]
        self.params = {}  # keras name -> (tensor, trainable)
        for layer in self.layers:
            cfg, name = layer["config"], layer["config"]["name"]
            for key, w in weights.items():
                if key.startswith(name + "/"):
                    trainable = not key.endswith(("moving_mean:0", "moving_variance:0"))
                    t = torch.tensor(w.astype(np.float64)).to(dtype)
                    self.params[key] = t.requires_grad_(trainable)

    def weight(self, layer, name):
        return self.params.get(layer + "/" + name + ":0")

    def call(self, layer, xs, training):
        kind, cfg = layer["type"], layer["config"]
        name = cfg["name"]
        x = xs[0]
        if kind == "Conv2D":
            k = self.weight(name, "kernel").permute(3, 2, 0, 1)
            k_hw, s = cfg["kernel_size"], cfg["strides"]
            if cfg["padding"] == "same":
                x = pad_same(x, k_hw, s)
            y = F.conv2d(x, k, self.weight(name, "bias"), stride=s)
            return self.activate(y, cfg["activation"])
        if kind == "Dense":
            y = x @ self.weight(name, "kernel")
            if self.weight(name, "bias") is not None:
                y = y + self.weight(name, "bias")
            return self.activate(y, cfg["activation"])
        if kind == "BatchNormalization":
            mean, var = self.weight(name, "moving_mean"), self.weight(name, "moving_variance")
            return F.batch_norm(x, mean, var, self.weight(name, "gamma"), self.weight(name, "beta"), training,
                                1.0 - cfg["momentum"], cfg["epsilon"])
        if kind == "Activation":
            return self.activate(x, cfg["activation"])
        if kind == "Add":
            return sum(xs[1:], xs[0])
        if kind == "Concatenate":
            return torch.cat(xs, channel_dim(x, cfg.get("axis", -1)))
        if kind in ("MaxPooling2D", "AveragePooling2D"):
            p, s = cfg["pool_size"], cfg["strides"]
            if kind == "MaxPooling2D":
                if cfg["padding"] == "same":
                    x = pad_same(x, p, s, value=-math.inf)
                return F.max_pool2d(x, p, s)
            if cfg["padding"] == "same":  # Keras excludes the padding from the count
                ones = pad_same(torch.ones_like(x[:, :1]), p, s)
                return F.avg_pool2d(pad_same(x, p, s), p, s) / F.avg_pool2d(ones, p, s)
            return F.avg_pool2d(x, p, s)
        if kind == "GlobalAveragePooling2D":
            return x.mean((2, 3))
        if kind == "Flatten":
            return x.permute(0, 2, 3, 1).flatten(1) if x.dim() == 4 else x.flatten(1)
        raise ValueError("torch_graph.py: unsupported layer " + kind)

    @staticmethod
    def activate(y, fn):
        if fn == "relu":
            return torch.relu(y)
        if fn == "softmax":
            return Logits(y)
        if fn == "linear":
            return y
        raise ValueError("torch_graph.py: unsupported activation " + fn)

    def forward(self, x, training):
        values = {}
        for ref in self.inputs:
            values[(ref[0], ref[1])] = x
        pending = [(layer, call, i) for layer in self.layers if layer["type"] != "InputLayer"
                   for i, call in enumerate(layer["inbound_nodes"])]
        while pending:
            rest = []
            for layer, call, i in pending:
                keys = [(ref[0], ref[1]) for ref in call]
                if all(k in values for k in keys):
                    values[(layer["config"]["name"], i)] = self.call(layer, [values[k] for k in keys], training)
                else:
                    rest.append((layer, call, i))
            if len(rest) == len(pending):
                raise ValueError("torch_graph.py: the graph cannot be evaluated")
            pending = rest
        out = values[(self.outputs[0][0], self.outputs[0][1])]
        return out.logits if isinstance(out, Logits) else out


class Logits:
    """A softmax output kept as its logits (the loss differentiates log_softmax)."""

    def __init__(self, logits):
        self.logits = logits


def run(data, doc, dtype, prefix, out):
    torch.set_default_dtype(dtype)
    x = torch.tensor(data["x"]).to(dtype).permute(0, 3, 1, 2).contiguous()
    y = torch.tensor(data["y"]).to(dtype)
    weights = {k: data[k] for k in data.files if ":0" in k}
    g = Graph(doc, weights, dtype)
    logits = g.forward(x, True)
    probs = torch.softmax(logits, 1)
    loss = -(y * torch.log(probs.clamp(1e-7, 1 - 1e-7))).sum(1).mean()
    (-(y * torch.log_softmax(logits, 1)).sum(1).mean()).backward()
    out[prefix + "probs"] = probs.detach().double().numpy()
    out[prefix + "loss"] = np.array([loss.item()])
    trainable = [t for t in g.params.values() if t.requires_grad]
    for name, t in g.params.items():
        if t.requires_grad:
            out[prefix + "grad/" + name] = t.grad.double().numpy()
    opt = torch.optim.SGD(trainable, lr=float(data["lr"][0]), momentum=float(data["momentum"][0]),
                          nesterov=bool(data["nesterov"][0]))
    opt.step()
    for name, t in g.params.items():
        out[prefix + "after/" + name] = t.detach().double().numpy()
    with torch.no_grad():
        p = torch.softmax(g.forward(x, False), 1)
        out[prefix + "eval_probs"] = p.double().numpy()
        out[prefix + "eval_loss"] = np.array([-(y * torch.log(p.clamp(1e-7, 1 - 1e-7))).sum(1).mean().item()])


def main():
    data = np.load(sys.argv[1])
    doc = json.loads(bytes(data["doc"]).decode())
    out = {}
    run(data, doc, torch.float64, "f64/", out)
    run(data, doc, torch.float32, "f32/", out)
    np.savez(sys.argv[2], **{k: np.ascontiguousarray(v, dtype=np.float64) for k, v in out.items()})


if __name__ == "__main__":
    main()
