#!/usr/bin/env python3
"""PyTorch reference for petal's MiniVGGNet parity test (run with /usr/bin/python3).

    torch_minivggnet.py IN.npz OUT.npz

IN holds x [N,64,64,3] (NHWC), y one-hot [N,K], lr, momentum, nesterov and the
weights under Keras names (conv2d_1/kernel:0 [kh,kw,in,out], dense_1/kernel:0
[in,out], batch_normalization_1/{gamma,beta,moving_mean,moving_variance}:0).
The same network is built in PyTorch with Keras's conventions (BN eps 1e-3,
momentum 0.01, channels-last flatten order) and run twice, in float64 (the
reference) and in float32 (to measure how far float32 arithmetic itself strays
here: batch norm after ReLU makes early-layer gradients ill-conditioned). OUT
receives, for each run (keys prefixed "f64/" and "f32/"):
probs, loss (training mode, before the step; Keras's clipped value), grad/<name>
(Keras layout; gradient of the unclipped log-softmax loss),
after/<name> (every weight after one SGD step, incl. BN moving statistics),
eval_probs and eval_loss (inference mode after the step).
"""
import sys

import numpy as np
import torch
from torch import nn


class MiniVGGNet(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 32, 3, padding=1), nn.Conv2d(32, 32, 3, padding=1),
                                    nn.Conv2d(32, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1)])
        self.bns = nn.ModuleList([nn.BatchNorm2d(c, eps=1e-3, momentum=0.01) for c in (32, 32, 64, 64)])
        self.fc1 = nn.Linear(64 * 16 * 16, 512)
        self.bn5 = nn.BatchNorm1d(512, eps=1e-3, momentum=0.01)
        self.fc2 = nn.Linear(512, classes)

    def forward(self, x):  # x: NCHW
        for i in range(4):
            x = self.bns[i](torch.relu(self.convs[i](x)))
            if i % 2 == 1:
                x = torch.max_pool2d(x, 2)
        x = x.permute(0, 2, 3, 1).flatten(1)  # Keras flattens NHWC
        x = self.bn5(torch.relu(self.fc1(x)))
        return self.fc2(x)  # logits; Keras's final Activation('softmax') follows


def keras_params(model):
    """(keras name, torch parameter or buffer, to_torch, to_keras) in Keras order."""
    out = []
    conv = lambda k: k.transpose(3, 2, 0, 1)  # [kh,kw,in,out] -> [out,in,kh,kw]
    conv_back = lambda t: t.transpose(2, 3, 1, 0)
    dense = lambda k: k.T
    same = lambda a: a
    for i in range(4):
        out += [(f"conv2d_{i+1}/kernel:0", model.convs[i].weight, conv, conv_back),
                (f"conv2d_{i+1}/bias:0", model.convs[i].bias, same, same)]
        bn = model.bns[i]
        out += [(f"batch_normalization_{i+1}/gamma:0", bn.weight, same, same),
                (f"batch_normalization_{i+1}/beta:0", bn.bias, same, same),
                (f"batch_normalization_{i+1}/moving_mean:0", bn.running_mean, same, same),
                (f"batch_normalization_{i+1}/moving_variance:0", bn.running_var, same, same)]
    out += [("dense_1/kernel:0", model.fc1.weight, dense, dense), ("dense_1/bias:0", model.fc1.bias, same, same),
            ("batch_normalization_5/gamma:0", model.bn5.weight, same, same),
            ("batch_normalization_5/beta:0", model.bn5.bias, same, same),
            ("batch_normalization_5/moving_mean:0", model.bn5.running_mean, same, same),
            ("batch_normalization_5/moving_variance:0", model.bn5.running_var, same, same),
            ("dense_2/kernel:0", model.fc2.weight, dense, dense), ("dense_2/bias:0", model.fc2.bias, same, same)]
    return out


def run(data, dtype, prefix, out):
    torch.set_default_dtype(dtype)
    x = torch.tensor(data["x"]).to(dtype).permute(0, 3, 1, 2).contiguous()
    y = torch.tensor(data["y"]).to(dtype)
    model = MiniVGGNet(y.shape[1])
    table = keras_params(model)
    with torch.no_grad():
        for name, t, to_torch, _ in table:
            t.copy_(torch.tensor(to_torch(data[name].astype(np.float64)).copy()).to(dtype))
    model.train()
    logits = model(x)
    probs = torch.softmax(logits, 1)
    # The value is Keras's (clipped probabilities); the gradient is taken through
    # log_softmax, the sound form petal uses (clipping would zero it for
    # saturated samples).
    loss = -(y * torch.log(probs.clamp(1e-7, 1 - 1e-7))).sum(1).mean()
    sound = -(y * torch.log_softmax(logits, 1)).sum(1).mean()
    sound.backward()
    out[prefix + "probs"] = probs.detach().double().numpy()
    out[prefix + "loss"] = np.array([loss.item()])
    for name, t, _, to_keras in table:
        if isinstance(t, nn.Parameter):
            out[prefix + "grad/" + name] = to_keras(t.grad.double().numpy())
    opt = torch.optim.SGD(model.parameters(), lr=float(data["lr"][0]), momentum=float(data["momentum"][0]),
                          nesterov=bool(data["nesterov"][0]))
    opt.step()
    for name, t, _, to_keras in table:
        out[prefix + "after/" + name] = to_keras(t.detach().double().numpy())
    model.eval()
    with torch.no_grad():
        p = torch.softmax(model(x), 1)
        out[prefix + "eval_probs"] = p.double().numpy()
        out[prefix + "eval_loss"] = np.array([-(y * torch.log(p.clamp(1e-7, 1 - 1e-7))).sum(1).mean().item()])


def main():
    data = np.load(sys.argv[1])
    out = {}
    run(data, torch.float64, "f64/", out)
    run(data, torch.float32, "f32/", out)
    np.savez(sys.argv[2], **{k: np.ascontiguousarray(v, dtype=np.float64) for k, v in out.items()})


if __name__ == "__main__":
    main()
