#!/usr/bin/env python3
"""PyTorch (float64) golden values for petal's activation, normalisation and
reshaping layers (run with /usr/bin/python3).

    torch_acts_layers.py IN.npz OUT.npz

The archive format is torch_layers.py's: per case "<case>/spec" (a JSON list of
layer specs with their type, Keras arguments and training flag), "<case>/x",
"<case>/r" (the loss is L = sum(y * r)) and each layer's weights in Keras
layout as "<case>/<i>/<name>". OUT receives "<case>/y", "<case>/dx" and
"<case>/<i>/d<name>" for every trainable weight. Layer types handled here:
ReLU, LeakyReLU, PReLU, ELU, Softmax, LayerNormalization, Rescaling, Reshape,
Permute, BatchNormalization (any axis), Activation/Conv2D/Dense with the
activation names relu6, swish, silu, hard_sigmoid and gelu; every other type
goes to torch_layers.forward.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_layers  # noqa: E402  (shared Conv2D/Dense/pooling references)

torch.set_default_dtype(torch.float64)

TRAINABLE = {"kernel", "bias", "gamma", "beta", "alpha"}

# Keras 2 definitions: hard_sigmoid = clip(0.2 x + 0.5, 0, 1); gelu exact (erf).
EXTRA_ACTIVATIONS = {
    "relu6": lambda v: torch.clamp(v, 0.0, 6.0),
    "swish": lambda v: v * torch.sigmoid(v),
    "silu": lambda v: v * torch.sigmoid(v),
    "hard_sigmoid": lambda v: torch.clamp(0.2 * v + 0.5, 0.0, 1.0),
    "gelu": lambda v: F.gelu(v),
}


def activation(name, t):
    if name in EXTRA_ACTIVATIONS:
        return EXTRA_ACTIVATIONS[name](t)
    return torch_layers.activation(name, t)


def keras_axes(axis, ndim):
    axes = axis if isinstance(axis, list) else [axis]
    return [a % ndim for a in axes]


def broadcast(w, x, axes):
    shape = [1] * x.dim()
    for a in axes:
        shape[a] = x.shape[a]
    return w.reshape(shape)


def relu(spec, x):
    t, slope, cap = spec["threshold"], spec["negative_slope"], spec["max_value"]
    pos = x if cap is None else torch.clamp(x, max=cap)
    return torch.where(x > t, pos, slope * (x - t))


def layer_norm(spec, x, w):
    axes = keras_axes(spec["axis"], x.dim())
    mean = x.mean(axes, keepdim=True)
    var = x.var(axes, unbiased=False, keepdim=True)
    y = (x - mean) / torch.sqrt(var + spec["epsilon"])
    if "gamma" in w:
        y = y * broadcast(w["gamma"], x, axes)
    if "beta" in w:
        y = y + broadcast(w["beta"], x, axes)
    return y


def batch_norm(spec, x, w):
    axis = spec["axis"] % x.dim()
    others = tuple(d for d in range(x.dim()) if d != axis)
    if spec["training"]:
        mean = x.mean(others, keepdim=True)
        var = x.var(others, unbiased=False, keepdim=True)
    else:
        mean = broadcast(w["moving_mean"], x, [axis])
        var = broadcast(w["moving_variance"], x, [axis])
    y = (x - mean) / torch.sqrt(var + spec["epsilon"])
    if "gamma" in w:
        y = y * broadcast(w["gamma"], x, [axis])
    if "beta" in w:
        y = y + broadcast(w["beta"], x, [axis])
    return y


def forward(spec, x, w):
    t = spec["type"]
    if t in ("Conv2D", "Dense") and spec["activation"] in EXTRA_ACTIVATIONS:
        return activation(spec["activation"], torch_layers.forward(dict(spec, activation="linear"), x, w))
    if t == "Activation":
        return activation(spec["activation"], x)
    if t == "ReLU":
        return relu(spec, x)
    if t == "LeakyReLU":
        return F.leaky_relu(x, spec["alpha"])
    if t == "ELU":
        return torch.where(x > 0, x, spec["alpha"] * (torch.exp(x) - 1))
    if t == "PReLU":
        return torch.where(x >= 0, x, w["alpha"] * x)
    if t == "Softmax":
        return torch.softmax(x, spec["axis"])
    if t == "LayerNormalization":
        return layer_norm(spec, x, w)
    if t == "BatchNormalization":
        return batch_norm(spec, x, w)
    if t == "Rescaling":
        return x * spec["scale"] + spec["offset"]
    if t == "Reshape":
        return x.reshape(x.shape[0], *spec["target_shape"])
    if t == "Permute":
        return x.permute(0, *spec["dims"])
    return torch_layers.forward(spec, x, w)


def main():
    data = np.load(sys.argv[1])
    cases = sorted({k.split("/")[0] for k in data.files})
    out = {}
    for case in cases:
        specs = json.loads(bytes(data[case + "/spec"]).decode())
        x = torch.tensor(data[case + "/x"].astype(np.float64), requires_grad=True)
        weights = []
        for i in range(len(specs)):
            prefix = f"{case}/{i}/"
            w = {}
            for key in data.files:
                if key.startswith(prefix):
                    name = key[len(prefix):]
                    w[name] = torch.tensor(data[key].astype(np.float64), requires_grad=name in TRAINABLE)
            weights.append(w)
        y = x
        for spec, w in zip(specs, weights):
            y = forward(spec, y, w)
        (y * torch.tensor(data[case + "/r"].astype(np.float64))).sum().backward()
        out[case + "/y"] = y.detach().numpy()
        out[case + "/dx"] = x.grad.numpy()
        for i, w in enumerate(weights):
            for name, t in w.items():
                if name in TRAINABLE:
                    out[f"{case}/{i}/d{name}"] = t.grad.numpy()
    np.savez(sys.argv[2], **out)


if __name__ == "__main__":
    main()
