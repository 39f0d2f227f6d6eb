#!/usr/bin/env python3
"""Zoo throughput, petal against PyTorch in the same run (standard library only).

Models (--model, default all): MiniVGGNet (64x64x3), ResNet-18 (petal's small-input
stem, 64x64x3) and MobileNetV2 (alpha 1.0, 96x96x3), batch 32, SGD with momentum.
Runs petal's benchmarks/minivggnet_throughput or benchmarks/zoo_throughput (default
convolutions, i.e. oneDNN's choice with Winograd for 3x3 layers where oneDNN has it
(AVX-512), and direct convolution) and benchmarks/torch_minivggnet.py or
benchmarks/torch_zoo.py
(with /usr/bin/python3) for training and inference, interleaving the two sides
round by round so that machine drift hits both, and prints one JSON line per
figure, then the per-layer profile and the oneDNN kernel sum, and finally one
summary line. PyTorch runs in four configurations (NCHW / channels_last, as
installed / tuned environment); the best median is the one compared, and named.
The tuned environment follows the CPU (AVX-512, AVX2 or neither); --isa avx2
emulates an AVX2-only CPU on a bigger one (oneDNN and ATen capped), and says so.
benchmarks/fma_peak gives the FP32 FMA bound that petal's training is set against.

    run_bench.py BUILD_DIR [--model all|minivggnet|resnet18|mobilenet_v2[,...]] [--rounds R]
                 [--steps N] [--threads T] [--isa native|avx2]
Every line carries "model"; each model ends with its own summary line. --steps
defaults per model (15 MiniVGGNet, 5 ResNet-18, 8 MobileNetV2: a 2-core ResNet-18
training step takes seconds).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

# malloc keeps freed buffers (no per-step page faults): part of the tuned environment.
GLIBC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295"
# Per ISA level: ATen's dispatch and OpenBLAS's kernels (for Linear). Forcing a level the
# CPU lacks dies with SIGILL, hence the detection. No OPENBLAS_CORETYPE without AVX2:
# OpenBLAS's own detection is the best there is.
LEVELS = {"avx512": ("avx512", "SKYLAKEX"), "avx2": ("avx2", "HASWELL"), "default": ("default", None)}
TORCH_CONFIGS = [("nchw", False, False), ("channels_last", True, False),
                 ("nchw+tuned_env", False, True), ("channels_last+tuned_env", True, True)]
ISA_RANK = ["sse41", "avx", "avx2", "avx2_vnni", "avx2_vnni_2", "avx512_common", "avx512_mic", "avx512_mic_4ops",
            "avx512_core", "avx512_core_vnni", "avx512_core_bf16", "avx512_core_fp16", "avx512_core_amx",
            "avx512_core_amx_fp16"]


def minivggnet_train_flops():
    """FP32 FLOPs of one training image at 64x64x3 (direct convolution; Winograd does
    fewer, so petal's default is measured in direct-convolution-equivalent FLOPs).

    A 3x3 'same' conv costs 2*H*W*9*Cin*Cout forward, as much again for the gradient of
    its input and for its weights; conv2d_1 needs no input gradient (it is the image):
      conv2d_1 64x64  3->32:  7,077,888 x2 =  14,155,776
      conv2d_2 64x64 32->32: 75,497,472 x3 = 226,492,416
      conv2d_3 32x32 32->64: 37,748,736 x3 = 113,246,208
      conv2d_4 32x32 64->64: 75,497,472 x3 = 226,492,416
      dense_1 16384->512: 2*16384*512 = 16,777,216 x3 = 50,331,648
      dense_2 512->17:    2*512*17    =     17,408 x3 =     52,224
    total 630,770,688 = 0.631 GFLOP (batch norm, pooling, dropout, optimizer: <1%, left out).
    """
    convs = [(64, 3, 32), (64, 32, 32), (32, 32, 64), (32, 64, 64)]  # (H = W, Cin, Cout)
    fwd = [2 * h * h * 9 * cin * cout for h, cin, cout in convs]
    dense = [(64 * 16 * 16, 512), (512, 17)]
    return 3 * sum(fwd) - fwd[0] + sum(3 * 2 * n * m for n, m in dense)


FLOPS_PER_TRAIN_IMAGE = minivggnet_train_flops()

# name -> petal program, its model arguments, PyTorch script, default steps. The zoo
# programs take the same model arguments and report the FLOPs per image themselves
# (convolutions and Dense, direct-computation count: benchmarks/zoo_throughput.cpp).
MODELS = {
    "minivggnet": ("minivggnet_throughput", [], "torch_minivggnet.py", 15),
    "resnet18": ("zoo_throughput", ["--model", "resnet18", "--size", "64"], "torch_zoo.py", 5),
    "mobilenet_v2": ("zoo_throughput", ["--model", "mobilenet_v2", "--size", "96", "--alpha", "1.0"],
                     "torch_zoo.py", 8),
}


def cpu_level(path="/proc/cpuinfo"):
    """'avx512', 'avx2' or 'default' from the kernel's CPU flags (same tests as ATen)."""
    flags = set()
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    if {"avx512f", "avx512bw"} <= flags:
        return "avx512"
    if {"avx2", "fma"} <= flags:
        return "avx2"
    return "default"


def environments(cpu, isa):
    """(petal's extra env, PyTorch's as-installed extra env, PyTorch's tuned extra env).

    Emulating AVX2 caps oneDNN for both sides (PyTorch's convolutions are oneDNN too) and
    ATen/OpenBLAS for all four PyTorch configurations, since on a real AVX2 machine the
    as-installed PyTorch would dispatch to AVX2 as well. OPENBLAS_CORETYPE and
    OPENBLAS_L2_SIZE are never overridden when the environment sets them."""
    level = isa if isa != "native" else cpu
    aten, coretype = LEVELS[level]
    blas = {} if coretype is None or "OPENBLAS_CORETYPE" in os.environ else {"OPENBLAS_CORETYPE": coretype}
    capped = {"ONEDNN_MAX_CPU_ISA": "AVX2"} if level != cpu else {}  # only --isa avx2 on a bigger CPU
    plain = dict(capped, ATEN_CPU_CAPABILITY=aten, **blas) if capped else {}
    tuned = dict(capped, GLIBC_TUNABLES=GLIBC_TUNABLES, ATEN_CPU_CAPABILITY=aten, **blas)
    return capped, plain, tuned


def run_json(cmd, env=None):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def petal_cmd(build, model):
    program, args, _, _ = MODELS[model]
    return [os.path.join(build, "benchmarks", program), *args]


def petal(build, model, mode, steps, threads, extra=(), algorithm="auto", env_extra=None):
    env = dict(os.environ, PETAL_CONV_ALGORITHM=algorithm, **(env_extra or {}))
    return run_json([*petal_cmd(build, model), "--mode", mode, "--steps", str(steps), "--warmup", "3", "--threads",
                     str(threads), *extra], env)


def torch(model, mode, steps, threads, channels_last, env_extra):
    _, args, script, _ = MODELS[model]
    env = dict(os.environ, **env_extra)
    cmd = ["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), script), *args, "--mode", mode,
           "--steps", str(steps), "--warmup", "3", "--threads", str(threads)]
    if channels_last:
        cmd.append("--channels-last")
    return run_json(cmd, env)[0]


def kernel_sum(build, model, threads, env_extra, steps=4):
    """Median per-step sum of oneDNN primitive execution times (ONEDNN_VERBOSE), and the
    highest ISA among the implementations that ran (e.g. jit:avx2), or "unknown"."""
    env = dict(os.environ, ONEDNN_VERBOSE="1", DNNL_VERBOSE="1", **env_extra)
    out = subprocess.run([*petal_cmd(build, model), "--mode", "train", "--steps",
                          str(steps), "--warmup", "2", "--threads", str(threads)], env=env, check=True,
                         capture_output=True, text=True).stdout
    lines = [l for l in out.splitlines() if re.match(r"(onednn|dnnl)_verbose,(primitive,)?exec", l)]
    times = [float(l.rsplit(",", 1)[1]) for l in lines]
    per_step = len(times) // (steps + 2)
    sums = [sum(times[i * per_step:(i + 1) * per_step]) for i in range(2, steps + 2)]
    isas = {m for l in lines for m in re.findall(r",[a-z0-9_]+:(sse41|avx[a-z0-9_]*)(?=,)", l)}
    isa = max(isas, key=lambda i: ISA_RANK.index(i) if i in ISA_RANK else -1) if isas else "unknown"
    return statistics.median(sums), per_step, isa


def fma_peak(build, threads, env_extra):
    """benchmarks/fma_peak's JSON line ({peak_gflops, isa_kernel, threads}), or None
    when the build has no such program (an older build directory)."""
    exe = os.path.join(build, "benchmarks", "fma_peak")
    if not os.path.exists(exe):
        print(f"run_bench.py: {exe} missing, no FMA bound", file=sys.stderr)
        return None
    return run_json([exe, "--threads", str(threads)], dict(os.environ, **env_extra))[0]


def bench_model(a, model, cpu, isa_mode, emulated, envs, peak):
    """Interleaved rounds, medians, profile and kernel sum, then the model's summary line."""
    petal_env, torch_plain, torch_tuned = envs
    steps = a.steps or MODELS[model][3]
    tag = {"model": model}
    results = {}  # (system, config, mode) -> [ips]
    petal_isa, aten, flops = None, {}, {}  # oneDNN's ISA as petal reports it; ATen per config; FLOPs per image
    for r in range(a.rounds):
        for mode in ("train", "infer"):
            for algorithm in ("auto", "direct"):
                p = petal(a.build, model, mode, steps, a.threads, algorithm=algorithm, env_extra=petal_env)[0]
                petal_isa = p.get("isa", petal_isa)
                flops[mode] = p.get("flops_per_image", flops.get(mode))
                config = "petal" if algorithm == "auto" else "petal+direct_conv"
                results.setdefault(("petal", config, mode), []).append(p["ips"])
                print(json.dumps({**tag, "round": r, "config": config, **p}), flush=True)
            for name, cl, tuned in TORCH_CONFIGS:
                t = torch(model, mode, steps, a.threads, cl, torch_tuned if tuned else torch_plain)
                aten[name] = t.get("aten_capability", "unknown")
                results.setdefault(("torch", name, mode), []).append(t["ips"])
                print(json.dumps({**tag, "round": r, "config": name, **t}), flush=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    for (system, config, mode), m in sorted(med.items()):
        print(json.dumps({**tag, "figure": "median_ips", "system": system, "config": config, "mode": mode, "ips": m}))
    for line in petal(a.build, model, "train", steps, a.threads, ["--profile", "1"], env_extra=petal_env)[1:]:
        print(json.dumps({**tag, **line}))
    ksum, prims, verbose_isa = kernel_sum(a.build, model, a.threads, petal_env)
    petal_isa = petal_isa or verbose_isa  # the binary's own "isa" field first, else ONEDNN_VERBOSE's names
    if emulated and petal_isa.startswith("avx512"):
        print(f"run_bench.py: emulating {a.isa} but oneDNN ran {petal_isa}", file=sys.stderr)
    print(json.dumps({**tag, "figure": "onednn_kernel_sum_ms_per_step", "ms": round(ksum, 2),
                      "primitives_per_step": prims, "kernel_sum_ips": round(32 * 1000 / ksum, 1)}))
    best = {}
    for mode in ("train", "infer"):
        cands = [(m, c) for (s, c, md), m in med.items() if s == "torch" and md == mode]
        best[mode] = max(cands)
    summary = {
        **tag,
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
        "cpu_isa": cpu, "isa_mode": isa_mode, "petal_isa": petal_isa,
        "torch_train_aten_capability": aten[best["train"][1]], "torch_infer_aten_capability": aten[best["infer"][1]],
        "torch_tuned_aten_capability": torch_tuned["ATEN_CPU_CAPABILITY"],
        "threads": a.threads, "rounds": a.rounds, "steps": steps, "batch": 32}
    # Against the FMA bound, in direct-convolution FLOPs (Winograd does fewer).
    train_flops = flops.get("train") or FLOPS_PER_TRAIN_IMAGE
    infer_flops = flops.get("infer")
    rates = {"train": med[("petal", "petal", "train")] * train_flops / 1e9,
             "direct_conv_train": med[("petal", "petal+direct_conv", "train")] * train_flops / 1e9}
    if infer_flops:
        rates["infer"] = med[("petal", "petal", "infer")] * infer_flops / 1e9
    summary.update({"gflop_per_train_image": round(train_flops / 1e9, 4),
                    "fma_peak_gflops": peak and peak["peak_gflops"], "fma_peak_kernel": peak and peak["isa_kernel"]})
    if infer_flops:
        summary["gflop_per_infer_image"] = round(infer_flops / 1e9, 4)
    names = {"train": ("train_gflops", "fraction_of_peak"),
             "direct_conv_train": ("direct_conv_train_gflops", "direct_conv_fraction_of_peak"),
             "infer": ("infer_gflops", "infer_fraction_of_peak")}
    for key, gflops in rates.items():
        summary[names[key][0]] = round(gflops, 1)
        summary[names[key][1]] = peak and round(gflops / peak["peak_gflops"], 3)
    print(json.dumps(summary), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--model", default="all",
                    help="all, or a comma-separated list of " + ", ".join(MODELS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=0, help="timed steps per run (0: the model's default)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--isa", default="native", choices=["native", "avx2"],
                    help="avx2: emulate an AVX2-only CPU (oneDNN and ATen capped)")
    a = ap.parse_args()
    models = list(MODELS) if a.model == "all" else a.model.split(",")
    for m in models:
        if m not in MODELS:
            ap.error(f"--model: expected all or some of {', '.join(MODELS)}; received {m}")
    cpu = cpu_level()
    if a.isa == "avx2" and cpu == "default":
        ap.error("--isa avx2 needs a CPU with AVX2 and FMA (this one has neither)")
    emulated = a.isa != "native" and a.isa != cpu
    isa_mode = a.isa + (" (emulated)" if emulated else "")
    envs = environments(cpu, a.isa)
    peak = fma_peak(a.build, a.threads, envs[0])
    print(json.dumps({"figure": "machine", "cpu_isa": cpu, "isa_mode": isa_mode,
                      "emulated": emulated, "petal_env": envs[0], "torch_env": envs[1],
                      "torch_tuned_env": {k: v for k, v in envs[2].items() if k != "GLIBC_TUNABLES"},
                      "fma_peak": peak, "loadavg": os.getloadavg()}), flush=True)
    for m in models:
        bench_model(a, m, cpu, isa_mode, emulated, envs, peak)


if __name__ == "__main__":
    sys.exit(main())
