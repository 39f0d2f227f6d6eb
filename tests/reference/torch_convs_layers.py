#!/usr/bin/env python3
"""PyTorch (float64) golden values for petal's convolution-family layers (run with /usr/bin/python3).

    torch_convs_layers.py IN.npz OUT.npz

Same archive convention as torch_layers.py (whose forward() serves the layer
types not handled here): per case "<case>/spec" (JSON list of layer specs),
"<case>/x", "<case>/r" (L = sum(y * r)) and "<case>/<i>/<weight>" in Keras
layout; OUT gets "<case>/y", "<case>/dx" and "<case>/<i>/d<weight>".

Handled here, each through torch.nn.functional on NCHW views:
  Conv2D (dilation_rate, groups)          F.conv2d(groups=, dilation=)
  DepthwiseConv2D (depth_multiplier)      F.conv2d(groups=in)
  SeparableConv2D                         depthwise F.conv2d, then a 1x1 F.conv2d
  Conv2DTranspose (output_padding)        autograd of F.conv2d (TensorFlow's definition)
  UpSampling2D nearest / bilinear         F.interpolate(align_corners=False)
  ZeroPadding2D, Cropping2D               F.pad, slicing
  GlobalMaxPooling2D                      amax over H, W
TensorFlow's 'same' padding (extra row/column at the bottom/right) is applied
with F.pad before a padding-free torch call.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_layers  # noqa: E402  (shared helpers and the original layer types)

torch.set_default_dtype(torch.float64)

WEIGHTS = ("kernel", "bias", "depthwise_kernel", "pointwise_kernel", "gamma", "beta", "moving_mean",
           "moving_variance")
CROSS_CHECKED = []  # cases whose Conv2DTranspose F.conv_transpose2d matched too
CASE = [""]         # the case being run
TRAINABLE = {"kernel", "bias", "depthwise_kernel", "pointwise_kernel", "gamma", "beta"}


def extent(k, d):
    return (k - 1) * d + 1


def tf_same_pad(x, k, s, d, padding):
    """TensorFlow's padding of a (dilated) window on NCHW x: extra at bottom/right."""
    if padding != "same":
        return x
    top, bottom = torch_layers.same_pads(x.shape[2], extent(k[0], d[0]), s[0])
    left, right = torch_layers.same_pads(x.shape[3], extent(k[1], d[1]), s[1])
    return F.pad(x, (left, right, top, bottom))


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def depthwise(xc, kernel, spec):
    """xc NCHW; kernel [kh, kw, in, dm] -> weight [in * dm, 1, kh, kw] (out channel c * dm + m)."""
    kh, kw, cin, dm = kernel.shape
    weight = kernel.permute(2, 3, 0, 1).reshape(cin * dm, 1, kh, kw)
    k, s, d = spec["kernel_size"], spec["strides"], spec.get("dilation_rate", [1, 1])
    return F.conv2d(tf_same_pad(xc, k, s, d, spec["padding"]), weight, stride=s, dilation=d, groups=cin)


def deconv_output_length(n, k, s, d, padding, output_padding):
    """Keras's conv_utils.deconv_output_length."""
    e = extent(k, d)
    if output_padding is None:
        return n * s + max(e - s, 0) if padding == "valid" else n * s
    return (n - 1) * s + e - 2 * (0 if padding == "valid" else e // 2) + output_padding


def conv2d_transpose(x, w, spec):
    """TensorFlow's definition: the gradient, with respect to its input z of the
    Keras output size, of the Conv2D (same kernel, strides, padding) from z back
    to x's size, contracted with x. No cropping arithmetic to get wrong."""
    xc = nchw(x)
    k, s, d = spec["kernel_size"], spec["strides"], spec.get("dilation_rate", [1, 1])
    op = spec.get("output_padding")
    size = [deconv_output_length(xc.shape[2 + i], k[i], s[i], d[i], spec["padding"], op[i] if op else None)
            for i in range(2)]
    weight = w["kernel"].permute(3, 2, 0, 1)  # [in, filters, kh, kw]: a conv from filters to in channels
    z = torch.zeros(xc.shape[0], weight.shape[1], size[0], size[1], requires_grad=True)
    conv = F.conv2d(tf_same_pad(z, k, s, d, spec["padding"]), weight, stride=s, dilation=d)
    if conv.shape != xc.shape:
        raise ValueError(f"TensorFlow rejects output size {size} for input {list(xc.shape)}")
    (y,) = torch.autograd.grad(conv, z, grad_outputs=xc, create_graph=True)
    cross_check_conv_transpose(xc, weight, y, spec)
    if "bias" in w:
        y = y + w["bias"].view(1, -1, 1, 1)
    return torch_layers.activation(spec["activation"], nhwc(y))


def cross_check_conv_transpose(xc, weight, y, spec):
    """Where TensorFlow's crop (before, after) has torch's form (padding p at both
    ends, less output_padding at the end), F.conv_transpose2d must agree."""
    k, s, d = spec["kernel_size"], spec["strides"], spec.get("dilation_rate", [1, 1])
    pads, extra = [], []
    for i in range(2):
        n, e, out = xc.shape[2 + i], extent(k[i], d[i]), y.shape[2 + i]
        before = 0
        if spec["padding"] == "same":
            before = max((n - 1) * s[i] + e - out, 0) // 2
        after = (n - 1) * s[i] + e - out - before
        pads.append(before)
        extra.append(before - after)
    if not all(0 <= op < max(s[i], d[i]) for i, op in enumerate(extra)):
        return
    y2 = F.conv_transpose2d(xc, weight, stride=s, padding=pads, output_padding=extra, dilation=d)
    if not torch.allclose(y, y2, rtol=1e-12, atol=1e-12):
        raise AssertionError(f"conv_transpose2d disagrees with the gradient definition for {spec}")
    CROSS_CHECKED.append(CASE[0])


def forward(spec, x, w):
    t = spec["type"]
    if t == "Conv2D":
        k, s, d = spec["kernel_size"], spec["strides"], spec.get("dilation_rate", [1, 1])
        xc = tf_same_pad(nchw(x), k, s, d, spec["padding"])
        y = F.conv2d(xc, w["kernel"].permute(3, 2, 0, 1), w.get("bias"), stride=s, dilation=d,
                     groups=spec.get("groups", 1))
        return torch_layers.activation(spec["activation"], nhwc(y))
    if t == "DepthwiseConv2D":
        y = depthwise(nchw(x), w["depthwise_kernel"], spec)
        if "bias" in w:
            y = y + w["bias"].view(1, -1, 1, 1)
        return torch_layers.activation(spec["activation"], nhwc(y))
    if t == "SeparableConv2D":
        mid = depthwise(nchw(x), w["depthwise_kernel"], spec)
        y = F.conv2d(mid, w["pointwise_kernel"].permute(3, 2, 0, 1), w.get("bias"))
        return torch_layers.activation(spec["activation"], nhwc(y))
    if t == "Conv2DTranspose":
        return conv2d_transpose(x, w, spec)
    if t == "UpSampling2D":
        xc = nchw(x)
        size = (xc.shape[2] * spec["size"][0], xc.shape[3] * spec["size"][1])
        if spec["interpolation"] == "nearest":
            return nhwc(F.interpolate(xc, size=size, mode="nearest"))
        return nhwc(F.interpolate(xc, size=size, mode="bilinear", align_corners=False))
    if t == "ZeroPadding2D":
        (top, bottom), (left, right) = spec["padding"]
        return nhwc(F.pad(nchw(x), (left, right, top, bottom)))
    if t == "Cropping2D":
        (top, bottom), (left, right) = spec["cropping"]
        return x[:, top:x.shape[1] - bottom, left:x.shape[2] - right, :]
    if t == "GlobalMaxPooling2D":
        return x.amax(dim=(1, 2))
    return torch_layers.forward(spec, x, w)


def main():
    data = np.load(sys.argv[1])
    cases = sorted({k.split("/")[0] for k in data.files})
    out = {}
    for case in cases:
        specs = json.loads(bytes(data[case + "/spec"]).decode())
        CASE[0] = case
        x = torch.tensor(data[case + "/x"].astype(np.float64), requires_grad=True)
        weights = []
        for i in range(len(specs)):
            w = {}
            for name in WEIGHTS:
                key = f"{case}/{i}/{name}"
                if key in data.files:
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
    print("Conv2DTranspose cases also matched by F.conv_transpose2d:", len(CROSS_CHECKED), CROSS_CHECKED,
          file=sys.stderr)


if __name__ == "__main__":
    main()
