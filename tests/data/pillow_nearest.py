#!/usr/bin/env python3
"""Pillow's NEAREST resize, the reference for petal's interpolation='nearest'.

    pillow_nearest.py IN.png WIDTH HEIGHT OUT.raw [IN.png WIDTH HEIGHT OUT.raw ...]

Writes each resized grayscale image as raw bytes, row by row (Keras's load_img
resizes with PIL's Image.resize((width, height), NEAREST)).
"""
import sys

from PIL import Image

args = sys.argv[1:]
for i in range(0, len(args), 4):
    src, width, height, out = args[i], int(args[i + 1]), int(args[i + 2]), args[i + 3]
    with Image.open(src) as img:
        resized = img.convert("L").resize((width, height), Image.NEAREST)
    with open(out, "wb") as f:
        f.write(resized.tobytes())
