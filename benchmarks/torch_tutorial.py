#!/usr/bin/python3
"""The Flowers-17 tutorial's training protocol, independently, in PyTorch.

An experiment, not a test: it answers whether a test-accuracy figure belongs to
petal or to the protocol. It trains the tutorial's MiniVGGNet with Keras's
conventions on a split written by benchmarks/export_split (the same images, in
the same order, as petal's tutorial run with that seed):

    export_split ../shared/data/flowers17 SEED /tmp/split_SEED
    /usr/bin/python3 benchmarks/torch_tutorial.py /tmp/split_SEED --seed SEED \
        [--bn-momentum 0.99 [0.9 ...]] [--epochs 75] [--threads 2] [--history H.csv]

Keras's conventions, written here from the Keras reference rather than taken
from petal: glorot_uniform kernels and zero biases; Conv -> ReLU -> BN with BN
epsilon 1e-3 and Keras momentum m (moving = m * moving + (1 - m) * batch; PyTorch's
own momentum argument is 1 - m); SGD lr / (1 + decay * iterations) with Keras's
v = mu * v - lr_t * g; categorical cross-entropy on the softmax's logits (as
tf.keras does for a Softmax output); ImageDataGenerator.flow over the training
arrays (reshuffled every pass, batches of 32, the last one short), each image
warped by keras-preprocessing 1.1's apply_affine_transform (scipy.ndimage,
order 1, fill nearest) with the tutorial's ranges; raw 0..255 pixels; 31 steps
an epoch; test accuracy of the final model in inference mode.

The batch-norm momentum changes only the moving statistics, never the training
itself (training uses batch statistics), so one run keeps a set of moving
statistics for each --bn-momentum given and evaluates the final weights with
each. Prints one JSON line per momentum: seed, bn_momentum, test_accuracy, the
last epoch's training loss and accuracy, the mean validation accuracy of the
last 5 epochs and the training time.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage
from torch import nn

# The tutorial's ImageDataGenerator (Keras reference, section 1.3).
ROTATION, ZOOM, WIDTH_SHIFT, HEIGHT_SHIFT, SHEAR = 20.0, 0.15, 0.2, 0.2, 0.15


def glorot_uniform_(w, fan_in, fan_out, gen):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        w.uniform_(-limit, limit, generator=gen)


class MiniVGGNet(nn.Module):
    def __init__(self, classes, gen):
        super().__init__()
        chans = [(3, 32), (32, 32), (32, 64), (64, 64)]
        self.convs = nn.ModuleList([nn.Conv2d(i, o, 3, padding=1) for i, o in chans])
        # Moving statistics are kept by MovingStats, one set per momentum.
        self.bns = nn.ModuleList([nn.BatchNorm2d(o, eps=1e-3, track_running_stats=False) for _, o in chans])
        self.fc1 = nn.Linear(64 * 16 * 16, 512)
        self.bn5 = nn.BatchNorm1d(512, eps=1e-3, track_running_stats=False)
        self.fc2 = nn.Linear(512, classes)
        for conv, (i, o) in zip(self.convs, chans):
            glorot_uniform_(conv.weight, 9 * i, 9 * o, gen)
            nn.init.zeros_(conv.bias)
        for fc in (self.fc1, self.fc2):
            glorot_uniform_(fc.weight, fc.in_features, fc.out_features, gen)
            nn.init.zeros_(fc.bias)

    def forward(self, x):  # x: NCHW
        for i in range(4):
            x = self.bns[i](torch.relu(self.convs[i](x)))
            if i % 2 == 1:
                x = F.dropout(torch.max_pool2d(x, 2), 0.25, self.training)
        x = x.permute(0, 2, 3, 1).flatten(1)  # Keras flattens NHWC
        x = F.dropout(self.bn5(torch.relu(self.fc1(x))), 0.5, self.training)
        return self.fc2(x)  # logits


class MovingStats:
    """Keras moving statistics of every BN layer for several momenta at once:
    moving = m * moving + (1 - m) * batch, unbiased batch variance, starting
    from mean 0 and variance 1. use(m) evaluates with the set for momentum m."""

    def __init__(self, model, momenta):
        self.bns = list(model.bns) + [model.bn5]
        self.sets = {m: [(torch.zeros(b.num_features), torch.ones(b.num_features)) for b in self.bns]
                     for m in momenta}
        for i, b in enumerate(self.bns):
            b.register_forward_pre_hook(lambda mod, inp, i=i: self._update(mod, i, inp[0]))

    def _update(self, mod, i, x):
        if not mod.training:
            return
        with torch.no_grad():
            dims = [0, 2, 3] if x.dim() == 4 else [0]
            mean, var = x.mean(dims), x.var(dims, unbiased=True)
            for m, stats in self.sets.items():
                stats[i][0].mul_(m).add_((1 - m) * mean)
                stats[i][1].mul_(m).add_((1 - m) * var)

    def use(self, m):
        for b, (mean, var) in zip(self.bns, self.sets[m]):
            b.track_running_stats = True  # copies: a training step would update them in place
            b.running_mean, b.running_var = mean.clone(), var.clone()


def keras_random_transform(rng, h, w):
    """get_random_transform of keras-preprocessing 1.1 with the tutorial's ranges."""
    theta = rng.uniform(-ROTATION, ROTATION)
    tx = rng.uniform(-HEIGHT_SHIFT, HEIGHT_SHIFT) * h
    ty = rng.uniform(-WIDTH_SHIFT, WIDTH_SHIFT) * w
    shear = rng.uniform(-SHEAR, SHEAR)
    zx, zy = rng.uniform(1 - ZOOM, 1 + ZOOM, 2)
    flip = rng.uniform() < 0.5
    return theta, tx, ty, shear, zx, zy, flip


def keras_apply(x, t):
    """apply_affine_transform (released 1.1: centre size/2 + 0.5), then the flip."""
    theta, tx, ty, shear, zx, zy, flip = t
    th, sh = np.deg2rad(theta), np.deg2rad(shear)
    m = np.array([[np.cos(th), -np.sin(th), 0], [np.sin(th), np.cos(th), 0], [0, 0, 1]])
    m = m @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    m = m @ np.array([[1, -np.sin(sh), 0], [0, np.cos(sh), 0], [0, 0, 1]])
    m = m @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    h, w = x.shape[0], x.shape[1]
    o_r, o_c = h / 2 + 0.5, w / 2 + 0.5
    m = np.array([[1, 0, o_r], [0, 1, o_c], [0, 0, 1]]) @ m @ np.array([[1, 0, -o_r], [0, 1, -o_c], [0, 0, 1]])
    out = np.stack([ndimage.affine_transform(x[:, :, c], m[:2, :2], m[:2, 2], order=1, mode="nearest")
                    for c in range(x.shape[2])], axis=2)
    return out[:, ::-1, :] if flip else out


def flow(x, y, batch_size, rng):
    """ImageDataGenerator.flow(shuffle=True): endless, reshuffled every pass."""
    n = x.shape[0]
    while True:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb = np.stack([keras_apply(x[i], keras_random_transform(rng, x.shape[1], x.shape[2])) for i in idx])
            yield xb, y[idx]


def to_nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32))


def accuracy(model, stats, m, x, y):
    stats.use(m)
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(to_nchw(x[i:i + 64])).argmax(1) for i in range(0, len(x), 64)])
    return float((pred.numpy() == y.argmax(1)).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("split")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--bn-momentum", type=float, nargs="+", default=[0.99],
                    help="Keras momenta to keep moving statistics for (PyTorch's default is 0.9 here)")
    ap.add_argument("--epochs", type=int, default=75)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--history", help="write epoch, loss, accuracy and a val_accuracy per momentum to this CSV")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    load = lambda name: np.load(f"{a.split}/{name}.npy")
    train_x, train_y, test_x, test_y = load("train_x"), load("train_y"), load("test_x"), load("test_y")
    gen = torch.Generator().manual_seed(a.seed)
    torch.manual_seed(a.seed)  # dropout masks
    rng = np.random.default_rng(a.seed)
    model = MiniVGGNet(train_y.shape[1], gen)
    stats = MovingStats(model, a.bn_momentum)
    lr0, mu, decay, batch = 0.01, 0.9, 0.01 / 75, 32
    steps = len(train_x) // batch
    params = list(model.parameters())
    velocity = [torch.zeros_like(p) for p in params]
    batches = flow(train_x, train_y, batch, rng)
    iterations, history, t0 = 0, [], time.time()
    for epoch in range(a.epochs):
        model.train()
        loss_sum = correct = seen = 0.0
        for _ in range(steps):
            xb, yb = next(batches)
            logits = model(to_nchw(xb))
            target = torch.from_numpy(yb.argmax(1))
            loss = F.cross_entropy(logits, target)
            model.zero_grad()
            loss.backward()
            lr_t = lr0 / (1 + decay * iterations)
            with torch.no_grad():
                for p, v in zip(params, velocity):
                    v.mul_(mu).sub_(lr_t * p.grad)
                    p.add_(v)
            iterations += 1
            n = len(xb)
            loss_sum += loss.item() * n
            correct += float((logits.argmax(1) == target).sum())
            seen += n
        history.append((epoch, loss_sum / seen, correct / seen,
                        *[accuracy(model, stats, m, test_x, test_y) for m in a.bn_momentum]))
    seconds = time.time() - t0
    if a.history:
        with open(a.history, "w") as f:
            f.write("epoch,loss,accuracy," + ",".join(f"val_accuracy_m{m}" for m in a.bn_momentum) + "\n")
            f.writelines(",".join(str(v) for v in row) + "\n" for row in history)
    for j, m in enumerate(a.bn_momentum):
        print(json.dumps({"seed": a.seed, "bn_momentum": m, "test_accuracy": round(history[-1][3 + j], 4),
                          "loss": round(history[-1][1], 4), "accuracy": round(history[-1][2], 4),
                          "val_accuracy_last5": round(float(np.mean([h[3 + j] for h in history[-5:]])), 4),
                          "train_seconds": round(seconds, 1), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
