#!/usr/bin/env python3
"""ResNet-18 (petal's small-input stem) and MobileNetV2 in PyTorch (Debian's
python3-torch): the same networks, batch and optimizer as petal's
zoo_throughput; prints one JSON line like it.

    torch_zoo.py --model resnet18|mobilenet_v2 [--size S] [--alpha A] [--mode train|infer]
                 [--steps N] [--warmup W] [--threads T] [--batch B] [--channels-last]
Run it with /usr/bin/python3. Same layers and FLOPs as petal's models (Conv2D
biases in the ResNet as Keras's ResNets have them, no biases in MobileNetV2),
written the way PyTorch writes them: symmetric padding=1 where TensorFlow's
'same' pads the odd row after (same output sizes and FLOPs, no extra pad op),
torchvision-style blocks. The tuned environment (GLIBC_TUNABLES,
ATEN_CPU_CAPABILITY, OPENBLAS_CORETYPE) is set by the caller, since it must
precede process start; the JSON line reports the ATen capability in effect.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.bn1 = nn.BatchNorm2d(cout, eps=1.001e-5, momentum=0.01)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(cout, eps=1.001e-5, momentum=0.01)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride),
                                          nn.BatchNorm2d(cout, eps=1.001e-5, momentum=0.01))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.shortcut is None else self.shortcut(x)))


def resnet18(classes):
    """Small-input stem (3x3 stride 1, no max-pool), as petal's resnet18 below 128 px."""
    layers = [nn.Conv2d(3, 64, 3, 1, 1), nn.BatchNorm2d(64, eps=1.001e-5, momentum=0.01), nn.ReLU(inplace=True)]
    cin = 64
    for s, cout in enumerate([64, 128, 256, 512]):
        for b in range(2):
            layers.append(BasicBlock(cin, cout, 2 if s > 0 and b == 0 else 1))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes))


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.001)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expansion):
        super().__init__()
        hidden = cin * expansion
        layers = []
        if expansion != 1:
            layers += [nn.Conv2d(cin, hidden, 1, bias=False), bn(hidden), nn.ReLU6(inplace=True)]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), bn(hidden),
                   nn.ReLU6(inplace=True), nn.Conv2d(hidden, cout, 1, bias=False), bn(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


def mobilenet_v2(classes, alpha):
    """Keras's MobileNetV2 layout (expansion 1 only in the first block)."""
    c = make_divisible(32 * alpha)
    layers = [nn.Conv2d(3, c, 3, 2, 1, bias=False), bn(c), nn.ReLU6(inplace=True)]
    for filters, stride, expansion in [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
                                       (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
                                       (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]:
        out = make_divisible(int(filters * alpha))
        layers.append(InvertedResidual(c, out, stride, expansion))
        c = out
    last = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    layers += [nn.Conv2d(c, last, 1, bias=False), bn(last), nn.ReLU6(inplace=True), nn.AdaptiveAvgPool2d(1),
               nn.Flatten(), nn.Linear(last, classes)]
    return nn.Sequential(*layers)


def aten_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet18", choices=["resnet18", "mobilenet_v2"])
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--classes", type=int, default=17)
    ap.add_argument("--mode", default="train", choices=["train", "infer"])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = resnet18(a.classes) if a.model == "resnet18" else mobilenet_v2(a.classes, a.alpha)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    x = torch.rand(a.batch, 3, a.size, a.size).to(memory_format=fmt)
    y = torch.arange(a.batch) % a.classes
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    model.train(a.mode == "train")
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        if a.mode == "train":
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        else:
            with torch.no_grad():
                torch.softmax(model(x), 1)
        t = (time.perf_counter() - t0) * 1000
        if i >= a.warmup:
            times.append(t)
    med = statistics.median(times)
    print(json.dumps({"system": "torch", "model": a.model, "size": a.size, "alpha": a.alpha, "mode": a.mode,
                      "batch": a.batch, "threads": torch.get_num_threads(), "channels_last": a.channels_last,
                      "steps": a.steps, "median_ms": round(med, 3), "ips": round(a.batch * 1000 / med, 1),
                      "torch": torch.__version__, "aten_capability": aten_capability(),
                      "params": sum(p.numel() for p in model.parameters())}))


if __name__ == "__main__":
    main()
