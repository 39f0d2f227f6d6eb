#!/usr/bin/python3
"""Reference affine warps for tests/data/affine_test.cpp.

Re-implements keras-preprocessing 1.1.2's transform_matrix_offset_center and
apply_affine_transform (channels_last: row_axis=0, col_axis=1, channel_axis=2)
on top of scipy.ndimage.affine_transform, one channel at a time.

Usage: affine_reference.py CASES.json
CASES.json: {"input": "in.npy",            float32 [H, W, C]
             "cases": [{"theta": deg, "tx": rows, "ty": cols, "shear": deg,
                        "zx": z, "zy": z, "fill_mode": "nearest", "cval": 0.0,
                        "order": 1, "center": "keras_released" | "pixel_center",
                        "output": "out.npy"}, ...]}
Each case writes float32 [H, W, C] to its "output" path. Prints the versions.
"""
import json
import sys

import numpy as np
import scipy
from scipy import ndimage


def offset_center(matrix, h, w, center):
    # Released keras-preprocessing (<= 1.1.2) uses size/2 + 0.5; the post-release
    # fix (PR #314) uses size/2 - 0.5.
    half = 0.5 if center == "keras_released" else -0.5
    o_r = float(h) / 2 + half
    o_c = float(w) / 2 + half
    offset = np.array([[1, 0, o_r], [0, 1, o_c], [0, 0, 1]])
    reset = np.array([[1, 0, -o_r], [0, 1, -o_c], [0, 0, 1]])
    return np.dot(np.dot(offset, matrix), reset)


def keras_affine(x, case):
    """apply_affine_transform of keras-preprocessing 1.1.2, channels_last."""
    parts = []
    theta = case.get("theta", 0.0)
    tx, ty = case.get("tx", 0.0), case.get("ty", 0.0)
    shear = case.get("shear", 0.0)
    zx, zy = case.get("zx", 1.0), case.get("zy", 1.0)
    if theta != 0:
        t = np.deg2rad(theta)
        parts.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return x
    m = parts[0]
    for p in parts[1:]:
        m = np.dot(m, p)
    h, w = x.shape[0], x.shape[1]
    m = offset_center(m, h, w, case.get("center", "keras_released"))
    channels = np.rollaxis(x, 2, 0)
    out = [ndimage.affine_transform(c, m[:2, :2], m[:2, 2], order=case.get("order", 1),
                                    mode=case.get("fill_mode", "nearest"),
                                    cval=case.get("cval", 0.0))
           for c in channels]
    return np.rollaxis(np.stack(out, axis=0), 0, 3)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    x = np.load(spec["input"]).astype(np.float32)
    for case in spec["cases"]:
        np.save(case["output"], keras_affine(x, case).astype(np.float32))
    print("numpy", np.__version__, "scipy", scipy.__version__)


if __name__ == "__main__":
    main()
