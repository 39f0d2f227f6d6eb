#!/usr/bin/env python3
"""PyTorch (float64) golden values for single petal layers (run with /usr/bin/python3).

    torch_layers.py IN.npz OUT.npz

IN holds one or more cases, each under a prefix "<case>/": spec (a JSON list of
layer specs, uint8 text), x [N, ...] (NHWC or NF), r (same shape as the output:
the loss is L = sum(y * r)), and each layer's weights in Keras layout as
"<case>/<i>/<name>" (kernel, bias, gamma, beta, moving_mean, moving_variance).
OUT receives "<case>/y", "<case>/dx" and "<case>/<i>/d<name>" for every
trainable weight. A layer spec has its type (Conv2D, Dense,
BatchNormalization, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
Flatten, Activation), its Keras arguments, and training (bool). One process
serves every case, so the test suite pays PyTorch's import once.
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def same_pads(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def activation(name, t):
    return {"linear": lambda v: v, "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": F.elu,
            "leaky_relu": lambda v: F.leaky_relu(v, 0.2), "softmax": lambda v: torch.softmax(v, -1)}[name](t)


def pad_nchw(x, k, s, padding, value=0.0):
    if padding != "same":
        return x
    top, bottom = same_pads(x.shape[2], k[0], s[0])
    left, right = same_pads(x.shape[3], k[1], s[1])
    return F.pad(x, (left, right, top, bottom), value=value)


def forward(spec, x, w):
    t = spec["type"]
    if t == "Conv2D":
        k, s = spec["kernel_size"], spec["strides"]
        xc = pad_nchw(x.permute(0, 3, 1, 2), k, s, spec["padding"])
        y = F.conv2d(xc, w["kernel"].permute(3, 2, 0, 1), w.get("bias"), stride=s)
        return activation(spec["activation"], y.permute(0, 2, 3, 1))
    if t == "Dense":
        y = x @ w["kernel"]
        if "bias" in w:
            y = y + w["bias"]
        return activation(spec["activation"], y)
    if t == "BatchNormalization":
        axes = tuple(range(x.dim() - 1))
        if spec["training"]:
            mean, var = x.mean(axes), x.var(axes, unbiased=False)
        else:
            mean, var = w["moving_mean"], w["moving_variance"]
        y = (x - mean) / torch.sqrt(var + spec["epsilon"])
        if "gamma" in w:
            y = y * w["gamma"]
        if "beta" in w:
            y = y + w["beta"]
        return y
    if t in ("MaxPooling2D", "AveragePooling2D"):
        k, s = spec["pool_size"], spec["strides"]
        xc = x.permute(0, 3, 1, 2)
        if t == "MaxPooling2D":
            y = F.max_pool2d(pad_nchw(xc, k, s, spec["padding"], -math.inf), k, s)
        else:  # TensorFlow's 'same' average excludes the padding
            ones = torch.ones_like(xc[:, :1])
            num = F.avg_pool2d(pad_nchw(xc, k, s, spec["padding"]), k, s, divisor_override=1)
            den = F.avg_pool2d(pad_nchw(ones, k, s, spec["padding"]), k, s, divisor_override=1)
            y = num / den
        return y.permute(0, 2, 3, 1)
    if t == "GlobalAveragePooling2D":
        return x.mean((1, 2))
    if t == "Flatten":
        return x.flatten(1)
    if t == "Activation":
        return activation(spec["activation"], x)
    raise ValueError("unknown layer type " + t)


def main():
    data = np.load(sys.argv[1])
    cases = sorted({k.split("/")[0] for k in data.files})
    trainable = {"kernel", "bias", "gamma", "beta"}
    out = {}
    for case in cases:
        specs = json.loads(bytes(data[case + "/spec"]).decode())
        x = torch.tensor(data[case + "/x"].astype(np.float64), requires_grad=True)
        weights = []
        for i in range(len(specs)):
            w = {}
            for name in ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"):
                key = f"{case}/{i}/{name}"
                if key in data.files:
                    w[name] = torch.tensor(data[key].astype(np.float64), requires_grad=name in trainable)
            weights.append(w)
        y = x
        for spec, w in zip(specs, weights):
            y = forward(spec, y, w)
        (y * torch.tensor(data[case + "/r"].astype(np.float64))).sum().backward()
        out[case + "/y"] = y.detach().numpy()
        out[case + "/dx"] = x.grad.numpy()
        for i, w in enumerate(weights):
            for name, t in w.items():
                if name in trainable:
                    out[f"{case}/{i}/d{name}"] = t.grad.numpy()
    np.savez(sys.argv[2], **out)


if __name__ == "__main__":
    main()
