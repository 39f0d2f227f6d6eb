#!/usr/bin/python3
"""The recipe's ablation without the weight average (README: "Accuracy on Flowers-17").

A run trained with --ema keeps both weight sets in RUN_DIR/ema_state.npz:
`average/<layer>/<var>` (what model_last.petal holds) and `training/<layer>/<var>`
(the optimizer's weights). This writes the final model with the training weights,
as a Keras .h5 beside a copy of the run's config.json, and prints petal
evaluate's test accuracy for it and for the average, with and without --tta.

usage: /usr/bin/python3 benchmarks/ablate_ema.py PETAL_BINARY RUN_DIR OUT_DIR
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np


def accuracy(petal, model, data, tta):
    cmd = [petal, "evaluate", "--model", str(model), "--data", data, "--json"] + (["--tta"] if tta else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["accuracy"]


def main():
    petal, run, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=False)
    shutil.copy(run / "config.json", out / "config.json")
    h5 = out / "model.h5"
    subprocess.run([petal, "export", "--model", str(run / "model_last.petal"), "--h5", str(h5)], check=True)
    state = np.load(run / "ema_state.npz")
    replaced = 0
    with h5py.File(h5, "r+") as f:
        weights = f["model_weights"]
        for name in state.files:
            if not name.startswith("training/"):
                continue
            layer, var = name[len("training/"):].split("/", 1)
            ds = weights[layer][layer][var]
            if ds.shape != state[name].shape:
                sys.exit(f"{name}: shape {state[name].shape}, the .h5 holds {ds.shape}")
            ds[...] = state[name]
            replaced += 1
    if replaced == 0:
        sys.exit(f"{run / 'ema_state.npz'}: no training/ arrays (was the run trained with --ema?)")
    data = json.loads((run / "config.json").read_text())["data"]
    for label, model in (("average (the run's model)", run / "model_last.petal"), ("training weights", h5)):
        print(f"{label}: test accuracy {accuracy(petal, model, data, False):.4f}, "
              f"with --tta {accuracy(petal, model, data, True):.4f}")


if __name__ == "__main__":
    main()
