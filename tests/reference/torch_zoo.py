#!/usr/bin/env python3
"""PyTorch reference for petal's zoo parity test (run with /usr/bin/python3).

    torch_zoo.py MODEL WEIGHTS.npz IN.npz OUT.npz

MODEL is resnet18 (the small-input stem: conv1 3x3 stride 1, no max-pool) or
mobilenet_v2. WEIGHTS is petal's Model.save_weights archive: Keras variable
names and shapes (conv1_conv/kernel:0 [kh,kw,in,out], block_1_depthwise/
depthwise_kernel:0 [kh,kw,in,1], predictions/kernel:0 [in,out], .../gamma:0,
beta:0, moving_mean:0, moving_variance:0). IN holds x [N,H,W,C] (NHWC), y
one-hot [N,K], lr, momentum and alpha (mobilenet_v2's width multiplier).

The network is written here from Keras's description (keras.applications'
ResNet50 scheme with basic blocks; MobileNetV2 with _make_divisible and
correct_pad), not read from petal's graph: layer names come from the Keras
naming scheme, and every weight's shape is checked against the archive.
TensorFlow's 'same' padding (extra row/column after) is explicit padding.
BatchNormalization: Keras's epsilon, PyTorch momentum 1 - Keras's momentum,
unbiased moving variance (as petal and TF2's fused batch norm).

Run twice, in float64 (the reference) and float32 (how far float32 itself
strays). OUT receives per run (keys prefixed "f64/" and "f32/"):
infer_log_probs (log-softmax, inference mode before the step), logits and probs (training mode),
loss (Keras's clipped value), grad/<name> (Keras layout), after/<name> (every
weight after one SGD step with momentum, BN moving statistics included),
eval_probs and eval_loss (inference mode after the step).
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F


def make_divisible(v, divisor=8):
    """Keras's _make_divisible."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def same_pad(x, kernel, stride):
    """TensorFlow's padding='same': out = ceil(in / stride), the odd row/column after."""
    def amount(n):
        out = -(-n // stride)
        total = max((out - 1) * stride + kernel - n, 0)
        return total // 2, total - total // 2
    top, bottom = amount(x.shape[2])
    left, right = amount(x.shape[3])
    return F.pad(x, (left, right, top, bottom))


# Keras layout -> PyTorch layout, and back.
CONV = (lambda k: k.transpose(3, 2, 0, 1), lambda t: t.transpose(2, 3, 1, 0))       # [kh,kw,in,out] <-> [out,in,kh,kw]
DEPTHWISE = (lambda k: k.transpose(2, 3, 0, 1), lambda t: t.transpose(2, 3, 0, 1))  # [kh,kw,in,1] <-> [in,1,kh,kw]
DENSE = (lambda k: k.T, lambda t: t.T)
SAME = (lambda a: a, lambda a: a)


class Weights:
    """The archive's weights as PyTorch tensors, fetched by Keras name as the
    forward pass first uses them; `table` keeps (name, tensor, to_keras)."""

    def __init__(self, archive, dtype):
        self.archive, self.dtype, self.table, self.cache = archive, dtype, [], {}

    def get(self, name, convert=SAME, trainable=True):
        key = name + ":0"
        if key not in self.cache:
            if key not in self.archive:
                raise KeyError(f"{key}: not in the weight archive (has {sorted(self.archive)[:6]}...)")
            value = torch.tensor(convert[0](self.archive[key].astype(np.float64)).copy()).to(self.dtype)
            value.requires_grad_(trainable)
            self.cache[key] = value
            self.table.append((key, value, convert[1]))
        return self.cache[key]


class Net:
    """Keras layers as functions over named weights (NCHW tensors)."""

    def __init__(self, weights, training):
        self.w, self.training = weights, training

    def conv(self, x, name, filters, kernel, stride=1, padding="valid", bias=True):
        kernel_t = self.w.get(name + "/kernel", CONV)
        assert kernel_t.shape == (filters, x.shape[1], kernel, kernel), (name, kernel_t.shape)
        if padding == "same":
            x = same_pad(x, kernel, stride)
        return F.conv2d(x, kernel_t, self.w.get(name + "/bias") if bias else None, stride)

    def depthwise(self, x, name, stride, padding):
        kernel_t = self.w.get(name + "/depthwise_kernel", DEPTHWISE)
        assert kernel_t.shape == (x.shape[1], 1, 3, 3), (name, kernel_t.shape)
        if padding == "same":
            x = same_pad(x, 3, stride)
        return F.conv2d(x, kernel_t, None, stride, groups=x.shape[1])

    def bn(self, x, name, epsilon, momentum):
        mean = self.w.get(name + "/moving_mean", trainable=False)
        var = self.w.get(name + "/moving_variance", trainable=False)
        return F.batch_norm(x, mean, var, self.w.get(name + "/gamma"), self.w.get(name + "/beta"), self.training,
                            1 - momentum, epsilon)

    def dense(self, x, name, units):
        kernel_t = self.w.get(name + "/kernel", DENSE)
        assert kernel_t.shape == (units, x.shape[1]), (name, kernel_t.shape)
        return F.linear(x, kernel_t, self.w.get(name + "/bias"))


def resnet18(net, x, classes):
    """Basic-block ResNet-18 with the small-input stem, Keras's ResNet names."""
    eps, m = 1.001e-5, 0.99

    def conv_bn(x, name, filters, kernel, stride, relu):
        x = net.bn(net.conv(x, name + "_conv", filters, kernel, stride, "same" if kernel > 1 else "valid"),
                   name + "_bn", eps, m)
        return torch.relu(x) if relu else x

    x = conv_bn(x, "conv1", 64, 3, 1, True)
    for s, filters in enumerate([64, 128, 256, 512]):
        for b in range(2):
            name, stride = f"conv{s + 2}_block{b + 1}", 2 if s > 0 and b == 0 else 1
            shortcut = x
            if stride != 1 or x.shape[1] != filters:
                shortcut = conv_bn(x, name + "_0", filters, 1, stride, False)
            y = conv_bn(x, name + "_1", filters, 3, stride, True)
            y = conv_bn(y, name + "_2", filters, 3, 1, False)
            x = torch.relu(shortcut + y)
    return net.dense(x.mean((2, 3)), "predictions", classes)


def mobilenet_v2(net, x, classes, alpha):
    """Keras's MobileNetV2 (tf.keras 2.x: Conv1 'same'; correct_pad before stride-2 depthwise)."""
    eps, m = 1e-3, 0.999
    relu6 = lambda t: torch.clamp(t, 0, 6)

    def correct_pad(t):  # ((1 - even, 1), (1 - even, 1)) for a 3x3 kernel, as F.pad's (left, right, top, bottom)
        top, left = 1 - (1 - t.shape[2] % 2), 1 - (1 - t.shape[3] % 2)
        return F.pad(t, (left, 1, top, 1))

    x = net.conv(x, "Conv1", make_divisible(32 * alpha), 3, 2, "same", bias=False)
    x = relu6(net.bn(x, "bn_Conv1", eps, m))
    blocks = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
              (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
              (320, 1, 6)]
    for block_id, (filters, stride, expansion) in enumerate(blocks):
        inputs, in_channels = x, x.shape[1]
        pointwise = make_divisible(int(filters * alpha))
        prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
        if block_id:
            x = net.conv(x, prefix + "expand", expansion * in_channels, 1, bias=False)
            x = relu6(net.bn(x, prefix + "expand_BN", eps, m))
        if stride == 2:
            x = correct_pad(x)
        x = net.depthwise(x, prefix + "depthwise", stride, "same" if stride == 1 else "valid")
        x = relu6(net.bn(x, prefix + "depthwise_BN", eps, m))
        x = net.bn(net.conv(x, prefix + "project", pointwise, 1, bias=False), prefix + "project_BN", eps, m)
        if in_channels == pointwise and stride == 1:
            x = inputs + x
    last = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = relu6(net.bn(net.conv(x, "Conv_1", last, 1, bias=False), "Conv_1_bn", eps, m))
    return net.dense(x.mean((2, 3)), "predictions", classes)


def forward(model, weights, x, classes, alpha, training):
    net = Net(weights, training)
    return resnet18(net, x, classes) if model == "resnet18" else mobilenet_v2(net, x, classes, alpha)


def keras_loss(probs, y):
    return -(y * torch.log(probs.clamp(1e-7, 1 - 1e-7))).sum(1).mean()


def run(model, archive, data, dtype, prefix, out):
    x = torch.tensor(data["x"]).to(dtype).permute(0, 3, 1, 2).contiguous()
    y = torch.tensor(data["y"]).to(dtype)
    classes, alpha = y.shape[1], float(data["alpha"][0])
    weights = Weights(archive, dtype)
    with torch.no_grad():
        infer = forward(model, weights, x, classes, alpha, False)
        out[prefix + "infer_log_probs"] = torch.log_softmax(infer, 1).double().numpy()
    logits = forward(model, weights, x, classes, alpha, True)
    probs = torch.softmax(logits, 1)
    # The value is Keras's (clipped probabilities); the gradient is taken through
    # log_softmax, the sound form petal uses.
    loss = keras_loss(probs, y)
    (-(y * torch.log_softmax(logits, 1)).sum(1).mean()).backward()
    out[prefix + "logits"] = logits.detach().double().numpy()
    out[prefix + "probs"] = probs.detach().double().numpy()
    out[prefix + "loss"] = np.array([loss.item()])
    unused = set(archive.files) - {name for name, _, _ in weights.table}
    if unused:
        raise SystemExit(f"weights the reference network did not use: {sorted(unused)}")
    for name, t, to_keras in weights.table:
        if t.requires_grad:
            out[prefix + "grad/" + name] = to_keras(t.grad.double().numpy())
    trainable = [t for _, t, _ in weights.table if t.requires_grad]
    opt = torch.optim.SGD(trainable, lr=float(data["lr"][0]), momentum=float(data["momentum"][0]))
    opt.step()
    for name, t, to_keras in weights.table:
        out[prefix + "after/" + name] = to_keras(t.detach().double().numpy())
    with torch.no_grad():
        p = torch.softmax(forward(model, weights, x, classes, alpha, False), 1)
    out[prefix + "eval_probs"] = p.double().numpy()
    out[prefix + "eval_loss"] = np.array([keras_loss(p, y).item()])


def main():
    model, weights_path, in_path, out_path = sys.argv[1:5]
    if model not in ("resnet18", "mobilenet_v2"):
        raise SystemExit(f"torch_zoo.py: expected resnet18 or mobilenet_v2; received {model}")
    torch.set_num_threads(2)
    archive, data = np.load(weights_path), np.load(in_path)
    out = {}
    run(model, archive, data, torch.float64, "f64/", out)
    run(model, archive, data, torch.float32, "f32/", out)
    np.savez(out_path, **{k: np.ascontiguousarray(v, dtype=np.float64) for k, v in out.items()})


if __name__ == "__main__":
    main()
