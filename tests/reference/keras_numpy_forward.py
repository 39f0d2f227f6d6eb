#!/usr/bin/env python3
"""Inference of a Keras model file in plain NumPy (float64).

An independent reference for petal's Keras loader: the architecture comes from
the file's model_config (or a JSON file), the weights from the HDF5 weights
layout read with h5py: by layer order for a Sequential model, as Keras's
load_weights does, by layer name for a functional one (Model / Functional,
whose layer names are unique), whose calls run in dependency order from
inbound_nodes (shared layers, several inputs and outputs).

  keras_numpy_forward.py WEIGHTS.h5 IN.npy[,IN2.npy...] OUT.npy[,OUT2.npy...] [--config ARCH.json]

Covers: Conv2D (channels_last, dilation, groups), DepthwiseConv2D, SeparableConv2D, Dense,
BatchNormalization (inference, any axis), Max/AveragePooling2D ('valid' and
TensorFlow's 'same'), Global{Average,Max}Pooling2D, Flatten, Reshape, Permute,
ZeroPadding2D, Cropping2D, UpSampling2D (nearest), Rescaling, the merge layers
(Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate), ReLU,
LeakyReLU, ELU, PReLU, Softmax, LayerNormalization, the identities at
inference (Dropout, SpatialDropout2D, GaussianNoise, GaussianDropout),
Activation and the activation argument (linear, relu, relu6, elu,
softmax, sigmoid, hard_sigmoid, tanh, swish/silu, gelu).
"""
import json
import sys

import h5py
import numpy as np
from scipy.special import erf


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
        return softmax(x, -1)
    if name == 'relu6':
        return np.clip(x, 0, 6)
    if name in ('swish', 'silu'):
        return x / (1 + np.exp(-x))
    if name == 'gelu':
        return 0.5 * x * (1 + erf(x / np.sqrt(2)))
    if name == 'hard_sigmoid':
        return np.clip(0.2 * x + 0.5, 0, 1)
    raise SystemExit('activation %s not covered' % name)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


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


def conv2d(x, c, kernel, bias, depthwise=False):
    k, s = pair(c['kernel_size']), pair(c.get('strides', 1))
    d = pair(c.get('dilation_rate', 1))
    extent = ((k[0] - 1) * d[0] + 1, (k[1] - 1) * d[1] + 1)
    if c.get('padding', 'valid') == 'same':
        x = pad_same(x, extent, s, 0.0)
    w = windows(x, extent, s)[:, :, :, :, ::d[0], ::d[1]]  # N, OH, OW, Cin, kh, kw
    if depthwise:  # kernel [kh, kw, in, dm]; output channel c * dm + m
        y = np.einsum('nhwcij,ijcm->nhwcm', w, kernel).reshape(w.shape[0], w.shape[1], w.shape[2], -1)
    else:
        groups = c.get('groups', 1)
        per = kernel.shape[2]
        out_per = kernel.shape[3] // groups
        y = np.concatenate([np.einsum('nhwcij,ijco->nhwo', w[:, :, :, g * per:(g + 1) * per],
                                      kernel[..., g * out_per:(g + 1) * out_per]) for g in range(groups)], axis=-1)
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


def relu_layer(x, c):
    threshold, slope, top = c.get('threshold', 0.0) or 0.0, c.get('negative_slope', 0.0) or 0.0, c.get('max_value')
    y = np.where(x > threshold, x, slope * (x - threshold))
    return np.minimum(y, top) if top is not None else y


def axes_of(c, rank, key='axis'):
    a = c.get(key, -1)
    return [v % (rank + 1) if v < 0 else v for v in (a if isinstance(a, list) else [a])]


def merge(cls, xs, c):
    if cls == 'Add':
        return sum(xs)
    if cls == 'Subtract':
        return xs[0] - xs[1]
    if cls == 'Multiply':
        return np.prod(xs, axis=0)
    if cls == 'Average':
        return sum(xs) / len(xs)
    if cls == 'Maximum':
        return np.max(xs, axis=0)
    if cls == 'Minimum':
        return np.min(xs, axis=0)
    return np.concatenate(xs, axis=c.get('axis', -1))


def sides(v):
    if isinstance(v, int):
        return (v, v), (v, v)
    if isinstance(v[0], int):
        return (v[0], v[0]), (v[1], v[1])
    return tuple(v[0]), tuple(v[1])


def call(cls, c, xs, w):
    """One layer call: cls, config c, inputs xs (a list), weights w (a list)."""
    x = xs[0]
    it = iter(w)
    if cls in ('Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate'):
        return merge(cls, xs, c)
    if cls == 'SeparableConv2D':
        depthwise, pointwise = next(it), next(it)
        bias = next(it) if c.get('use_bias', True) else None
        y = conv2d(x, c, depthwise, None, True)
        y = np.einsum('nhwc,co->nhwo', y, pointwise[0, 0])
        return activation(y + bias if bias is not None else y, c.get('activation'))
    if cls in ('Conv2D', 'DepthwiseConv2D'):
        kernel = next(it)
        bias = next(it) if c.get('use_bias', True) else None
        return activation(conv2d(x, c, kernel, bias, cls == 'DepthwiseConv2D'), c.get('activation'))
    if cls == 'Dense':
        x = x @ next(it)
        if c.get('use_bias', True):
            x = x + next(it)
        return activation(x, c.get('activation'))
    if cls == 'BatchNormalization':
        gamma = next(it) if c.get('scale', True) else 1.0
        beta = next(it) if c.get('center', True) else 0.0
        mean, var = next(it), next(it)
        (axis,) = axes_of(c, x.ndim - 1)
        shape = [1] * x.ndim
        shape[axis] = -1
        r = lambda v: np.reshape(v, shape) if np.ndim(v) else v
        return (x - r(mean)) / np.sqrt(r(var) + c.get('epsilon', 1e-3)) * r(gamma) + r(beta)
    if cls == 'LayerNormalization':
        axes = tuple(axes_of(c, x.ndim - 1))
        shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
        gamma = next(it).reshape(shape) if c.get('scale', True) else 1.0
        beta = next(it).reshape(shape) if c.get('center', True) else 0.0
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
        return (x - mean) / np.sqrt(var + c.get('epsilon', 1e-3)) * gamma + beta
    if cls == 'MaxPooling2D':
        return pool(x, c, 'max')
    if cls == 'AveragePooling2D':
        return pool(x, c, 'avg')
    if cls == 'GlobalAveragePooling2D':
        return x.mean(axis=(1, 2))
    if cls == 'GlobalMaxPooling2D':
        return x.max(axis=(1, 2))
    if cls == 'Flatten':
        return x.reshape(x.shape[0], -1)
    if cls == 'Reshape':
        return x.reshape([x.shape[0]] + list(c['target_shape']))
    if cls == 'Permute':
        return x.transpose([0] + list(c['dims']))
    if cls == 'ZeroPadding2D':
        (t, b), (l, r) = sides(c['padding'])
        return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    if cls == 'Cropping2D':
        (t, b), (l, r) = sides(c['cropping'])
        return x[:, t:x.shape[1] - b, l:x.shape[2] - r]
    if cls == 'UpSampling2D' and c.get('interpolation', 'nearest') == 'nearest':
        sh, sw = pair(c.get('size', 2))
        return x.repeat(sh, axis=1).repeat(sw, axis=2)
    if cls == 'Rescaling':
        return x * c['scale'] + c.get('offset', 0.0)
    if cls == 'Activation':
        return activation(x, c['activation'])
    if cls == 'ReLU':
        return relu_layer(x, c)
    if cls == 'LeakyReLU':
        return np.where(x >= 0, x, c.get('alpha', 0.3) * x)
    if cls == 'ELU':
        return np.where(x > 0, x, c.get('alpha', 1.0) * np.expm1(np.minimum(x, 0)))
    if cls == 'PReLU':
        return np.where(x >= 0, x, next(it) * x)
    if cls == 'Softmax':
        return softmax(x, c.get('axis', -1))
    if cls in ('Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout'):
        return x
    raise SystemExit('layer class %s not covered' % cls)


def forward(layers, weights, x):
    """A Sequential model: weights by layer order."""
    it = iter(weights)
    for entry in layers:
        cls, c = entry['class_name'], entry['config']
        if cls == 'InputLayer':
            continue
        n = weight_count(cls, c)
        x = call(cls, c, [x], [next(it) for _ in range(n)])
    return x


def weight_count(cls, c):
    if cls == 'SeparableConv2D':
        return 3 if c.get('use_bias', True) else 2
    if cls in ('Conv2D', 'DepthwiseConv2D', 'Dense'):
        return 2 if c.get('use_bias', True) else 1
    if cls == 'BatchNormalization':
        return 2 + c.get('scale', True) + c.get('center', True)
    if cls == 'LayerNormalization':
        return c.get('scale', True) + c.get('center', True)
    return 1 if cls == 'PReLU' else 0


def entries(data):
    """The [layer, node, tensor(, kwargs)] entries of a (nested) inbound structure."""
    if isinstance(data, list) and len(data) in (3, 4) and isinstance(data[0], str):
        return [data]
    if isinstance(data, dict):
        return [e for k in sorted(data) for e in entries(data[k])]
    return [e for d in data for e in entries(d)]


def graph_forward(config, by_layer, xs):
    """A functional model: calls in dependency order, weights by layer name."""
    values = {}
    for ref, x in zip(entries(config['input_layers']), xs):
        values[(ref[0], ref[1])] = x
    pending = [(l, n, node) for l in config['layers'] for n, node in enumerate(l.get('inbound_nodes', []))]
    while pending:
        waiting = []
        for l, n, node in pending:
            refs = entries(node)
            if all((r[0], r[1]) in values for r in refs):
                name = l.get('name', l['config']['name'])
                values[(name, n)] = call(l['class_name'], l['config'], [values[(r[0], r[1])] for r in refs],
                                         by_layer.get(name, []))
            else:
                waiting.append((l, n, node))
        if len(waiting) == len(pending):
            raise SystemExit('the graph has calls that never become ready')
        pending = waiting
    return [values[(r[0], r[1])] for r in entries(config['output_layers'])]


def main(argv):
    weights_path, input_paths, output_paths = argv[1:4]
    config_path = argv[argv.index('--config') + 1] if '--config' in argv else None
    with h5py.File(weights_path, 'r') as f:
        group = f['model_weights'] if 'layer_names' not in f.attrs and 'model_weights' in f else f
        if config_path:
            with open(config_path) as cf:
                model_config = json.load(cf)
        else:
            model_config = json.loads(text(f.attrs['model_config']))
        weights, by_layer = [], {}
        for name in load_attributes(group, 'layer_names'):
            g = group[name]
            by_layer[name] = [np.asarray(g[w], dtype=np.float64) for w in load_attributes(g, 'weight_names')]
            weights += by_layer[name]
    config = model_config['config']
    xs = [np.load(p).astype(np.float64) for p in input_paths.split(',')]
    if model_config['class_name'] == 'Sequential':
        layers = config if isinstance(config, list) else config['layers']
        ys = [forward(layers, weights, xs[0])]
    else:
        layers = config['layers']
        ys = graph_forward(config, by_layer, xs)
    for p, y in zip(output_paths.split(','), ys):
        np.save(p, y)
    print(json.dumps({'layers': len(layers), 'weights': len(weights), 'outputs': len(ys)}))


if __name__ == '__main__':
    main(sys.argv)
