#!/usr/bin/env python3
"""MiniVGGNet in PyTorch (Debian's python3-torch), the same network, batch and
optimizer as petal's benchmark; prints one JSON line like minivggnet_throughput.

    torch_minivggnet.py [--mode train|infer] [--steps N] [--warmup W]
                        [--threads T] [--batch B] [--channels-last]
Run it with /usr/bin/python3. The tuned environment (GLIBC_TUNABLES,
ATEN_CPU_CAPABILITY, OPENBLAS_CORETYPE) is set by the caller, since it must
precede process start; the JSON line reports the ATen capability in effect.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


def minivggnet(classes=17):
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)]
    return nn.Sequential(
        *block(3, 32), *block(32, 32), nn.MaxPool2d(2), nn.Dropout(0.25),
        *block(32, 64), *block(64, 64), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(64 * 16 * 16, 512), nn.ReLU(), nn.BatchNorm1d(512, eps=1e-3, momentum=0.01),
        nn.Dropout(0.5), nn.Linear(512, classes))


def aten_capability():
    """ATen's dispatch level as PyTorch reports it ("AVX2", "AVX512", "NO AVX"), so the
    caller can say which kernels ran rather than which were asked for."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="train", choices=["train", "infer"])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = minivggnet()
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    x = (torch.rand(a.batch, 3, 64, 64) * 255).to(memory_format=fmt)
    y = torch.arange(a.batch) % 17
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    if a.mode == "train":
        model.train()
    else:
        model.eval()
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
    print(json.dumps({"system": "torch", "mode": a.mode, "batch": a.batch, "threads": torch.get_num_threads(),
                      "channels_last": a.channels_last, "steps": a.steps, "median_ms": round(med, 3),
                      "ips": round(a.batch * 1000 / med, 1), "torch": torch.__version__,
                      "aten_capability": aten_capability()}))


if __name__ == "__main__":
    main()
