#!/usr/bin/env python3
"""MiniVGGNet throughput, petal against PyTorch in the same run (standard library only).

Runs petal's benchmarks/minivggnet_throughput (default convolutions, i.e. oneDNN's
choice with Winograd for MiniVGGNet's 3x3 layers, and direct convolution) and
benchmarks/torch_minivggnet.py
(with /usr/bin/python3) for training and inference, interleaving the two sides
round by round so that machine drift hits both, and prints one JSON line per
figure, then the per-layer profile and the oneDNN kernel sum, and finally one
summary line. PyTorch runs in four configurations (NCHW / channels_last, as
installed / tuned environment); the best median is the one compared, and named.

    run_bench.py BUILD_DIR [--rounds R] [--steps N] [--threads T]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

# The tuned environment for PyTorch: malloc keeps freed buffers (no per-step
# page faults), ATen's AVX-512 kernels, OpenBLAS's AVX-512 kernels for Linear
# (kept as given when the environment already sets OPENBLAS_CORETYPE).
TUNED = {"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295",
         "ATEN_CPU_CAPABILITY": "avx512", "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "SKYLAKEX")}
TORCH_CONFIGS = [("nchw", False, False), ("channels_last", True, False),
                 ("nchw+tuned_env", False, True), ("channels_last+tuned_env", True, True)]


def run_json(cmd, env=None):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def petal(build, mode, steps, threads, extra=(), algorithm="auto"):
    env = dict(os.environ, PETAL_CONV_ALGORITHM=algorithm)
    return run_json([os.path.join(build, "benchmarks", "minivggnet_throughput"), "--mode", mode, "--steps",
                     str(steps), "--warmup", "3", "--threads", str(threads), *extra], env)


def torch(script, mode, steps, threads, channels_last, tuned):
    env = dict(os.environ)
    if tuned:
        env.update(TUNED)
    cmd = ["/usr/bin/python3", script, "--mode", mode, "--steps", str(steps), "--warmup", "3", "--threads", str(threads)]
    if channels_last:
        cmd.append("--channels-last")
    return run_json(cmd, env)[0]


def kernel_sum(build, threads, steps=4):
    """Median per-step sum of oneDNN primitive execution times (ONEDNN_VERBOSE)."""
    env = dict(os.environ, ONEDNN_VERBOSE="1", DNNL_VERBOSE="1")
    out = subprocess.run([os.path.join(build, "benchmarks", "minivggnet_throughput"), "--mode", "train", "--steps",
                          str(steps), "--warmup", "2", "--threads", str(threads)], env=env, check=True,
                         capture_output=True, text=True).stdout
    times = [float(l.rsplit(",", 1)[1]) for l in out.splitlines() if re.match(r"(onednn|dnnl)_verbose,exec", l)]
    per_step = len(times) // (steps + 2)
    sums = [sum(times[i * per_step:(i + 1) * per_step]) for i in range(2, steps + 2)]
    return statistics.median(sums), per_step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_minivggnet.py")
    results = {}  # (system, config, mode) -> [ips]
    for r in range(a.rounds):
        for mode in ("train", "infer"):
            for algorithm in ("auto", "direct"):
                p = petal(a.build, mode, a.steps, a.threads, algorithm=algorithm)[0]
                config = "petal" if algorithm == "auto" else "petal+direct_conv"
                results.setdefault(("petal", config, mode), []).append(p["ips"])
                print(json.dumps({"round": r, "config": config, **p}), flush=True)
            for name, cl, tuned in TORCH_CONFIGS:
                t = torch(script, mode, a.steps, a.threads, cl, tuned)
                results.setdefault(("torch", name, mode), []).append(t["ips"])
                print(json.dumps({"round": r, "config": name, **t}), flush=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    for (system, config, mode), m in sorted(med.items()):
        print(json.dumps({"figure": "median_ips", "system": system, "config": config, "mode": mode, "ips": m}))
    for line in petal(a.build, "train", a.steps, a.threads, ["--profile", "1"])[1:]:
        print(json.dumps(line))
    ksum, prims = kernel_sum(a.build, a.threads)
    print(json.dumps({"figure": "onednn_kernel_sum_ms_per_step", "ms": round(ksum, 2), "primitives_per_step": prims,
                      "kernel_sum_ips": round(32 * 1000 / ksum, 1)}))
    best = {}
    for mode in ("train", "infer"):
        cands = [(m, c) for (s, c, md), m in med.items() if s == "torch" and md == mode]
        best[mode] = max(cands)
    summary = {
        "petal_train_ips": med[("petal", "petal", "train")], "torch_train_ips": best["train"][0],
        "torch_train_config": best["train"][1],
        "train_ratio": round(med[("petal", "petal", "train")] / best["train"][0], 3),
        "petal_infer_ips": med[("petal", "petal", "infer")], "torch_infer_ips": best["infer"][0],
        "torch_infer_config": best["infer"][1],
        "infer_ratio": round(med[("petal", "petal", "infer")] / best["infer"][0], 3),
        "petal_direct_conv_train_ips": med[("petal", "petal+direct_conv", "train")],
        "direct_conv_train_ratio": round(med[("petal", "petal+direct_conv", "train")] / best["train"][0], 3),
        "petal_direct_conv_infer_ips": med[("petal", "petal+direct_conv", "infer")],
        "direct_conv_infer_ratio": round(med[("petal", "petal+direct_conv", "infer")] / best["infer"][0], 3),
        "threads": a.threads, "rounds": a.rounds, "steps": a.steps, "batch": 32}
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
