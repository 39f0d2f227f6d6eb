#!/usr/bin/env python3
"""Inference of a Keras Sequential model file in plain NumPy (float64).

An independent reference for petal's Keras loader: the architecture comes from
the file's model_config (or a JSON file), the weights from the HDF5 weights
layout read with h5py by layer order, as Keras's load_weights does.

  keras_numpy_forward.py WEIGHTS.h5 INPUT.npy OUTPUT.npy [--config ARCH.json]

Covers the layers petal converts: Conv2D (channels_last, no dilation),
Dense, BatchNormalization (inference), Max/AveragePooling2D ('valid' and
TensorFlow's 'same'), GlobalAveragePooling2D, Flatten, Dropout (identity),
Activation and the activation argument (linear, relu, elu, softmax, sigmoid,
tanh).
"""
import json
import sys

import h5py
import numpy as np


def text(v):
    return v.decode('utf8') if isinstance(v, (bytes, np.bytes_)) else str(v)


def load_attributes(group, name):
    if name in group.attrs:
        return [text(n) for n in group.attrs[name]]
    data, chunk = [], 0
    while '%s%d' % (name, chunk) in group.attrs:
        data.extend(text(n) for n in group.attrs['%s%d' % (name, chunk)])
        chunk += 1
    return data


def activation(x, name):
    if name in (None, 'linear'):
        return x
    if name == 'relu':
        return np.maximum(x, 0)
    if name == 'elu':
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    if name == 'sigmoid':
        return 1 / (1 + np.exp(-x))
    if name == 'tanh':
        return np.tanh(x)
    if name == 'softmax':
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise SystemExit('activation %s not covered' % name)


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def pad_same(x, k, s, value):
    """TensorFlow's 'same' padding of the two spatial axes (extra after)."""
    pads = []
    for axis, (kk, ss) in zip((1, 2), zip(k, s)):
        n = x.shape[axis]
        out = -(-n // ss)
        total = max((out - 1) * ss + kk - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=value)


def windows(x, k, s):
    """[N, OH, OW, C, kh, kw] views of the windows (no padding)."""
    w = np.lib.stride_tricks.sliding_window_view(x, k, axis=(1, 2))
    return w[:, ::s[0], ::s[1]]


def conv2d(x, c, kernel, bias):
    k, s = pair(c['kernel_size']), pair(c.get('strides', 1))
    if c.get('padding', 'valid') == 'same':
        x = pad_same(x, k, s, 0.0)
    w = windows(x, k, s)  # N, OH, OW, Cin, kh, kw
    y = np.einsum('nhwcij,ijco->nhwo', w, kernel)
    return y + bias if bias is not None else y


def pool(x, c, reduce):
    k = pair(c.get('pool_size', 2))
    s = pair(c['strides']) if c.get('strides') is not None else k
    if c.get('padding', 'valid') == 'same':
        if reduce == 'max':
            return windows(pad_same(x, k, s, -np.inf), k, s).max(axis=(4, 5))
        # TensorFlow averages over the valid inputs only.
        total = windows(pad_same(x, k, s, 0.0), k, s).sum(axis=(4, 5))
        count = windows(pad_same(np.ones_like(x), k, s, 0.0), k, s).sum(axis=(4, 5))
        return total / count
    w = windows(x, k, s)
    return w.max(axis=(4, 5)) if reduce == 'max' else w.mean(axis=(4, 5))


def forward(layers, weights, x):
    it = iter(weights)
    for entry in layers:
        cls, c = entry['class_name'], entry['config']
        if cls == 'InputLayer':
            continue
        if cls == 'Conv2D':
            kernel = next(it)
            bias = next(it) if c.get('use_bias', True) else None
            x = activation(conv2d(x, c, kernel, bias), c.get('activation'))
        elif cls == 'Dense':
            kernel = next(it)
            x = x @ kernel
            if c.get('use_bias', True):
                x = x + next(it)
            x = activation(x, c.get('activation'))
        elif cls == 'BatchNormalization':
            gamma = next(it) if c.get('scale', True) else 1.0
            beta = next(it) if c.get('center', True) else 0.0
            mean, var = next(it), next(it)
            x = (x - mean) / np.sqrt(var + c.get('epsilon', 1e-3)) * gamma + beta
        elif cls == 'MaxPooling2D':
            x = pool(x, c, 'max')
        elif cls == 'AveragePooling2D':
            x = pool(x, c, 'avg')
        elif cls == 'GlobalAveragePooling2D':
            x = x.mean(axis=(1, 2))
        elif cls == 'Flatten':
            x = x.reshape(x.shape[0], -1)
        elif cls == 'Activation':
            x = activation(x, c['activation'])
        elif cls != 'Dropout':
            raise SystemExit('layer class %s not covered' % cls)
    return x


def main(argv):
    weights_path, input_path, output_path = argv[1:4]
    config_path = argv[argv.index('--config') + 1] if '--config' in argv else None
    with h5py.File(weights_path, 'r') as f:
        group = f['model_weights'] if 'layer_names' not in f.attrs and 'model_weights' in f else f
        if config_path:
            with open(config_path) as cf:
                model_config = json.load(cf)
        else:
            model_config = json.loads(text(f.attrs['model_config']))
        weights = []
        for name in load_attributes(group, 'layer_names'):
            g = group[name]
            weights += [np.asarray(g[w], dtype=np.float64) for w in load_attributes(g, 'weight_names')]
    config = model_config['config']
    layers = config if isinstance(config, list) else config['layers']
    x = np.load(input_path).astype(np.float64)
    np.save(output_path, forward(layers, weights, x))
    print(json.dumps({'layers': len(layers), 'weights': len(weights)}))


if __name__ == '__main__':
    main(sys.argv)
