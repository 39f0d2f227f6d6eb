#!/usr/bin/env python3
"""Checks a model file (Sequential or functional) the way Keras 2.2.4's load_model reads it.

keras/engine/saving.py (2.2.4) load_model: reads the root attributes
keras_version, backend and model_config; rebuilds the model from model_config
(every layer's config becomes constructor arguments, so an unknown key is a
TypeError and a missing one a silently different default; a functional
model's inbound_nodes must name layers and calls that exist, and
input_layers / output_layers likewise); loads
/model_weights by layer order (layers with weights against layer_names
entries with weight_names, then each layer's weights in order, which must have
the shapes the rebuilt layer creates); compiles with training_config; then sets
/optimizer_weights, which must match the weights the optimizer creates for the
model's trainable weights.

Keras itself cannot be installed here, so this script re-derives what Keras
2.2.4 expects with h5py, numpy and json only (Debian's python3-h5py).

  keras_load_check.py FILE     prints a JSON report; exit status 0 if Keras
                               2.2.4 would load the file, 1 otherwise
"""
import json
import math
import sys

import h5py
import numpy as np

BASE = {'name', 'trainable'}
# Keys of get_config() in Keras 2.2.4, per layer class.
LAYER_KEYS = {
    'Conv2D': BASE | {'filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate',
                      'activation', 'use_bias', 'kernel_initializer', 'bias_initializer',
                      'kernel_regularizer', 'bias_regularizer', 'activity_regularizer',
                      'kernel_constraint', 'bias_constraint'},
    'Dense': BASE | {'units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer',
                     'kernel_regularizer', 'bias_regularizer', 'activity_regularizer',
                     'kernel_constraint', 'bias_constraint'},
    'BatchNormalization': BASE | {'axis', 'momentum', 'epsilon', 'center', 'scale', 'beta_initializer',
                                  'gamma_initializer', 'moving_mean_initializer',
                                  'moving_variance_initializer', 'beta_regularizer',
                                  'gamma_regularizer', 'beta_constraint', 'gamma_constraint'},
    'MaxPooling2D': BASE | {'pool_size', 'padding', 'strides', 'data_format'},
    'AveragePooling2D': BASE | {'pool_size', 'padding', 'strides', 'data_format'},
    'GlobalAveragePooling2D': BASE | {'data_format'},
    'Flatten': BASE | {'data_format'},
    'Dropout': BASE | {'rate', 'noise_shape', 'seed'},
    'Activation': BASE | {'activation'},
}
CONV = BASE | {'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'activation', 'use_bias',
               'bias_initializer', 'bias_regularizer', 'activity_regularizer', 'bias_constraint'}
LAYER_KEYS.update({
    'DepthwiseConv2D': CONV | {'depth_multiplier', 'depthwise_initializer', 'depthwise_regularizer',
                               'depthwise_constraint'},
    'SeparableConv2D': CONV | {'filters', 'depth_multiplier', 'depthwise_initializer', 'pointwise_initializer',
                               'depthwise_regularizer', 'pointwise_regularizer', 'depthwise_constraint',
                               'pointwise_constraint'},
    'Conv2DTranspose': LAYER_KEYS['Conv2D'] | {'output_padding'},
    'UpSampling2D': BASE | {'size', 'data_format', 'interpolation'},
    'ZeroPadding2D': BASE | {'padding', 'data_format'},
    'Cropping2D': BASE | {'cropping', 'data_format'},
    'GlobalMaxPooling2D': BASE | {'data_format'},
    'Add': BASE, 'Subtract': BASE, 'Multiply': BASE, 'Average': BASE, 'Maximum': BASE, 'Minimum': BASE,
    'Concatenate': BASE | {'axis'},
    'ReLU': BASE | {'max_value', 'negative_slope', 'threshold'},
    'Softmax': BASE | {'axis'},
    'LeakyReLU': BASE | {'alpha'},
    'ELU': BASE | {'alpha'},
    'PReLU': BASE | {'alpha_initializer', 'alpha_regularizer', 'alpha_constraint', 'shared_axes'},
    'Reshape': BASE | {'target_shape'},
    'Permute': BASE | {'dims'},
    'SpatialDropout2D': BASE | {'rate', 'noise_shape', 'seed'},
    'GaussianNoise': BASE | {'stddev'},
    'GaussianDropout': BASE | {'rate'},
    'InputLayer': {'batch_input_shape', 'dtype', 'sparse', 'name'},
})
FIRST_LAYER_KEYS = {'batch_input_shape', 'dtype'}
OPTIMIZER_KEYS = {
    'SGD': {'lr', 'momentum', 'decay', 'nesterov'},
    'Adam': {'lr', 'beta_1', 'beta_2', 'decay', 'epsilon', 'amsgrad'},
    'RMSprop': {'lr', 'rho', 'decay', 'epsilon'},
    'Adagrad': {'lr', 'decay', 'epsilon'},
}
ACTIVATIONS = {'softmax', 'elu', 'selu', 'softplus', 'softsign', 'relu', 'tanh', 'sigmoid',
               'hard_sigmoid', 'exponential', 'linear'}
INITIALIZERS = {'Zeros': set(), 'Ones': set(), 'Constant': {'value'},
                'RandomNormal': {'mean', 'stddev', 'seed'}, 'RandomUniform': {'minval', 'maxval', 'seed'},
                'TruncatedNormal': {'mean', 'stddev', 'seed'},
                'VarianceScaling': {'scale', 'mode', 'distribution', 'seed'}}
LOSSES = {'mean_squared_error', 'mse', 'mean_absolute_error', 'mae', 'categorical_crossentropy',
          'sparse_categorical_crossentropy', 'binary_crossentropy', 'hinge', 'squared_hinge',
          'categorical_hinge', 'logcosh', 'kullback_leibler_divergence', 'poisson', 'cosine_proximity'}
METRICS = {'accuracy', 'acc', 'categorical_accuracy', 'sparse_categorical_accuracy', 'binary_accuracy',
           'top_k_categorical_accuracy', 'sparse_top_k_categorical_accuracy'} | LOSSES


class Report:
    def __init__(self):
        self.errors = []

    def check(self, ok, message):
        if not ok:
            self.errors.append(message)
        return ok


def text(v):
    return v.decode('utf8') if isinstance(v, (bytes, np.bytes_)) else str(v)


def load_attributes(group, name):
    """saving.py load_attributes_from_hdf5_group."""
    if name in group.attrs:
        return [text(n) for n in group.attrs[name]]
    data, chunk = [], 0
    while '%s%d' % (name, chunk) in group.attrs:
        data.extend(text(n) for n in group.attrs['%s%d' % (name, chunk)])
        chunk += 1
    return data


def check_initializer(r, where, init):
    if not r.check(isinstance(init, dict) and init.get('class_name') in INITIALIZERS, where + ': unknown initializer %r' % (init,)):
        return
    r.check(set(init.get('config', {})) == INITIALIZERS[init['class_name']], where + ': initializer config keys %r' % (init,))
    if init['class_name'] == 'VarianceScaling':
        c = init['config']
        r.check(c['mode'] in ('fan_in', 'fan_out', 'fan_avg') and c['distribution'] in ('normal', 'uniform')
                and c['scale'] > 0, where + ': bad VarianceScaling %r' % (c,))


def check_regularizer(r, where, reg):
    r.check(reg is None or (reg.get('class_name') == 'L1L2' and set(reg.get('config', {})) == {'l1', 'l2'}),
            where + ': regularizer must be null or L1L2 {l1, l2}; got %r' % (reg,))


def out_len(n, k, s, padding):
    return (n + s - 1) // s if padding == 'same' else (n - k) // s + 1


def conv_shape(shape, c, filters):
    (kh, kw), (sh, sw) = c['kernel_size'], c['strides']
    dh, dw = c.get('dilation_rate', [1, 1])
    kh, kw = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    return (out_len(shape[0], kh, sh, c['padding']), out_len(shape[1], kw, sw, c['padding']), filters)


def sides(v):
    if isinstance(v, int):
        return (v, v), (v, v)
    if isinstance(v[0], int):
        return (v[0], v[0]), (v[1], v[1])
    return tuple(v[0]), tuple(v[1])


def expected_weights(r, cls, c, shapes):
    """(output shape, [(weight name, shape, trainable)]) as the Keras 2.2.4 layer builds them."""
    w, shape = [], shapes[0]
    bias = lambda n: [('bias', (n,), True)] if c.get('use_bias', True) else []
    if cls == 'Conv2D':
        r.check(c['data_format'] == 'channels_last' and c['padding'] in ('valid', 'same'), c['name'] + ': conv options')
        w = [('kernel', (c['kernel_size'][0], c['kernel_size'][1], shape[2], c['filters']), True)] + bias(c['filters'])
        shape = conv_shape(shape, c, c['filters'])
    elif cls == 'DepthwiseConv2D':
        out = shape[2] * c['depth_multiplier']
        w = [('depthwise_kernel', (c['kernel_size'][0], c['kernel_size'][1], shape[2], c['depth_multiplier']), True)]
        w += bias(out)
        shape = conv_shape(shape, c, out)
    elif cls == 'SeparableConv2D':
        mid = shape[2] * c['depth_multiplier']
        w = [('depthwise_kernel', (c['kernel_size'][0], c['kernel_size'][1], shape[2], c['depth_multiplier']), True),
             ('pointwise_kernel', (1, 1, mid, c['filters']), True)] + bias(c['filters'])
        shape = conv_shape(shape, c, c['filters'])
    elif cls == 'Conv2DTranspose':
        (kh, kw), (sh, sw) = c['kernel_size'], c['strides']
        w = [('kernel', (kh, kw, c['filters'], shape[2]), True)] + bias(c['filters'])
        op = c.get('output_padding')
        def length(n, k, s, i):
            if op is None:
                return n * s + max(k - s, 0) if c['padding'] == 'valid' else n * s
            return (n - 1) * s + k - 2 * (0 if c['padding'] == 'valid' else k // 2) + op[i]
        shape = (length(shape[0], kh, sh, 0), length(shape[1], kw, sw, 1), c['filters'])
    elif cls in ('MaxPooling2D', 'AveragePooling2D'):
        (ph, pw), (sh, sw) = c['pool_size'], c['strides']
        shape = (out_len(shape[0], ph, sh, c['padding']), out_len(shape[1], pw, sw, c['padding']), shape[2])
    elif cls in ('GlobalAveragePooling2D', 'GlobalMaxPooling2D'):
        shape = (shape[-1],)
    elif cls == 'Flatten':
        shape = (int(np.prod(shape)),)
    elif cls == 'Reshape':
        t = list(c['target_shape'])
        if -1 in t:
            t[t.index(-1)] = int(np.prod(shape)) // -int(np.prod(t))
        r.check(int(np.prod(t)) == int(np.prod(shape)), c['name'] + ': reshape size')
        shape = tuple(t)
    elif cls == 'Permute':
        shape = tuple(shape[d - 1] for d in c['dims'])
    elif cls == 'ZeroPadding2D':
        (t, b), (le, ri) = sides(c['padding'])
        shape = (shape[0] + t + b, shape[1] + le + ri, shape[2])
    elif cls == 'Cropping2D':
        (t, b), (le, ri) = sides(c['cropping'])
        shape = (shape[0] - t - b, shape[1] - le - ri, shape[2])
    elif cls == 'UpSampling2D':
        shape = (shape[0] * c['size'][0], shape[1] * c['size'][1], shape[2])
    elif cls == 'Dense':
        w = [('kernel', (shape[-1], c['units']), True)] + bias(c['units'])
        shape = tuple(shape[:-1]) + (c['units'],)
    elif cls == 'BatchNormalization':
        axis = c['axis'] if isinstance(c['axis'], int) else c['axis'][0]
        ch = (shape[axis - 1 if axis > 0 else axis],)
        w = ([('gamma', ch, True)] if c['scale'] else []) + ([('beta', ch, True)] if c['center'] else []) + \
            [('moving_mean', ch, False), ('moving_variance', ch, False)]
    elif cls == 'PReLU':
        alpha = list(shape)
        for a in c['shared_axes'] or []:
            alpha[a - 1] = 1
        w = [('alpha', tuple(alpha), True)]
    elif cls in ('Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum'):
        r.check(all(s == shapes[0] for s in shapes) and len(shapes) >= 2, c['name'] + ': merge of shapes %s' % (shapes,))
    elif cls == 'Concatenate':
        axis = c['axis'] - 1 if c['axis'] > 0 else len(shape) + c['axis']
        shape = list(shape)
        shape[axis] = sum(s[axis] for s in shapes)
        shape = tuple(shape)
    return shape, w


def check_layer_config(r, i, entry, first_of_sequential):
    cls, c = entry.get('class_name'), entry.get('config', {})
    where = 'layer #%d %s' % (i, c.get('name', '?'))
    if not r.check(cls in LAYER_KEYS, where + ': class %r unknown to Keras 2.2.4 (or to this check)' % cls):
        return False
    expected = LAYER_KEYS[cls] | (FIRST_LAYER_KEYS if first_of_sequential else set())
    r.check(set(c) == expected, where + ': config keys differ from Keras 2.2.4: missing %s, extra %s'
            % (sorted(expected - set(c)), sorted(set(c) - expected)))
    if 'activation' in c:
        r.check(c['activation'] in ACTIVATIONS, where + ': activation %r' % c['activation'])
    for key in c:
        if key.endswith('_initializer'):
            check_initializer(r, where + ' ' + key, c[key])
        if key.endswith('_regularizer'):
            check_regularizer(r, where + ' ' + key, c[key])
        if key.endswith('_constraint') or key == 'activity_regularizer':
            r.check(c[key] is None, where + ': ' + key + ' not null')
    return set(c) == expected


def sequential_weights(r, layers):
    """[(layer, [weights])] in layer order, and the output shapes, for a chain."""
    shape = tuple(layers[0]['config']['batch_input_shape'][1:])
    per_layer = []
    for e in layers:
        shape, w = expected_weights(r, e['class_name'], e['config'], [shape])
        per_layer.append((e['config']['name'], w))
    return per_layer, [shape]


def refs(data):
    """[layer, node_index, tensor_index(, kwargs)] entries of a nested structure."""
    if isinstance(data, list) and len(data) in (3, 4) and isinstance(data[0], str):
        return [data]
    return [e for d in data for e in refs(d)]


def functional_weights(r, config):
    """As sequential_weights for a functional config, checking every reference
    (engine/network.py from_config: a node may only read calls that exist)."""
    layers = config['layers']
    by_name = {e['name']: e for e in layers}
    calls = {e['name']: 1 if e['class_name'] == 'InputLayer' else len(e['inbound_nodes']) for e in layers}
    shapes, weights = {}, {}
    for e in layers:
        r.check(set(e) == {'name', 'class_name', 'config', 'inbound_nodes'} and e['name'] == e['config'].get('name'),
                'layer entry %s: keys %s' % (e.get('name'), sorted(e)))
        if e['class_name'] == 'InputLayer':
            r.check(e['inbound_nodes'] == [], e['name'] + ': an InputLayer has no inbound nodes in 2.2.4')
            shapes[(e['name'], 0)] = tuple(e['config']['batch_input_shape'][1:])
        for n, node in enumerate(e['inbound_nodes']):
            for ref in refs(node):
                ok = ref[0] in calls and 0 <= ref[1] < calls[ref[0]] and ref[2] == 0
                r.check(ok and len(ref) == 4 and isinstance(ref[3], dict), '%s call %d: bad reference %r' % (e['name'], n, ref))
    for key in ('input_layers', 'output_layers'):
        for ref in config[key]:
            r.check(len(ref) == 3 and ref[0] in calls and 0 <= ref[1] < calls[ref[0]], '%s: bad reference %r' % (key, ref))
    pending = [(e, n, node) for e in layers for n, node in enumerate(e['inbound_nodes'])]
    while pending:
        waiting = [p for p in pending if not all((x[0], x[1]) in shapes for x in refs(p[2]))]
        if not r.check(len(waiting) < len(pending), 'calls waiting on each other: %s' % [p[0]['name'] for p in waiting]):
            break
        for e, n, node in pending:
            if (e, n, node) in waiting:
                continue
            shape, w = expected_weights(r, e['class_name'], e['config'], [shapes[(x[0], x[1])] for x in refs(node)])
            shapes[(e['name'], n)] = shape
            r.check(weights.setdefault(e['name'], w) == w, e['name'] + ': weights differ between calls')
        pending = waiting
    per_layer = [(e['name'], weights.get(e['name'], [])) for e in layers if e['name'] in by_name]
    return per_layer, [shapes.get((x[0], x[1])) for x in config['output_layers']]


def check_weights(r, f, names_in_config, per_layer):
    group = f['model_weights']
    r.check(text(group.attrs.get('backend', b'')) == 'tensorflow', 'model_weights backend')
    r.check('keras_version' in group.attrs, 'model_weights keras_version')
    names = load_attributes(group, 'layer_names')
    r.check(names == names_in_config, 'layer_names %r differ from the model config' % names)
    expected = [(layer, w) for layer, w in per_layer if w]
    trainable = [s for _, w in per_layer for (_, s, t) in w if t]
    in_file = [n for n in names if load_attributes(group[n], 'weight_names')]
    r.check(len(in_file) == len(expected), 'file has weights for %d layers; the model %d' % (len(in_file), len(expected)))
    values = {}
    for file_layer, (layer, w) in zip(in_file, expected):
        wnames = load_attributes(group[file_layer], 'weight_names')
        r.check(len(wnames) == len(w), layer + ': %d weights, Keras expects %d' % (len(wnames), len(w)))
        for wname, (short, wshape, _) in zip(wnames, w):
            ds = group[file_layer][wname]
            r.check(wname == '%s/%s:0' % (layer, short), layer + ': weight name %r' % wname)
            r.check(tuple(ds.shape) == wshape, '%s: %s has shape %s, Keras builds %s' % (layer, wname, ds.shape, wshape))
            r.check(ds.dtype == np.float32, wname + ': dtype ' + str(ds.dtype))
            values[wname] = float(np.asarray(ds, dtype=np.float64).sum())
    return trainable, values


def expected_optimizer_weights(cls, config, trainable):
    if cls == 'SGD':
        return [()] + trainable
    if cls == 'Adam':
        vhat = trainable if config['amsgrad'] else [(1,)] * len(trainable)
        return [()] + trainable + trainable + vhat
    return list(trainable)  # RMSprop, Adagrad: accumulators only in 2.2.4


def check_training(r, f, trainable, outputs):
    if 'training_config' not in f.attrs:
        r.check('optimizer_weights' not in f, 'optimizer_weights without training_config')
        return None
    tc = json.loads(text(f.attrs['training_config']))
    r.check(set(tc) == {'optimizer_config', 'loss', 'metrics', 'sample_weight_mode', 'loss_weights'},
            'training_config keys %r' % sorted(tc))
    opt = tc['optimizer_config']
    cls, config = opt.get('class_name'), opt.get('config', {})
    if r.check(cls in OPTIMIZER_KEYS, 'optimizer %r' % cls):
        r.check(set(config) == OPTIMIZER_KEYS[cls], 'optimizer config keys %r' % sorted(config))
    losses = tc['loss'] if isinstance(tc['loss'], list) else [tc['loss']]
    r.check(all(l in LOSSES for l in losses) and len(losses) in (1, outputs), 'loss %r' % tc['loss'])
    r.check(tc['metrics'] is None or (isinstance(tc['metrics'], list) and all(m in METRICS for m in tc['metrics'])),
            'metrics %r' % tc['metrics'])
    lw = tc['loss_weights']
    r.check(lw is None or (isinstance(lw, list) and len(lw) == outputs and all(isinstance(v, (int, float)) for v in lw)),
            'loss_weights %r' % lw)
    r.check(tc['sample_weight_mode'] is None, 'sample_weight_mode')
    if 'optimizer_weights' in f and cls in OPTIMIZER_KEYS:
        og = f['optimizer_weights']
        names = [text(n) for n in og.attrs['weight_names']]
        shapes = [tuple(og[n].shape) for n in names]
        want = expected_optimizer_weights(cls, config, trainable)
        r.check(shapes == want, 'optimizer weight shapes %s; Keras 2.2.4 creates %s' % (shapes, want))
        if cls in ('SGD', 'Adam') and names:
            r.check(og[names[0]].dtype == np.int64, 'iterations dtype ' + str(og[names[0]].dtype))
        return {'class_name': cls, 'names': names, 'iterations': int(og[names[0]][()]) if cls in ('SGD', 'Adam') else None}
    return {'class_name': cls, 'names': [], 'iterations': None}


def main(path):
    r = Report()
    out = {}
    with h5py.File(path, 'r') as f:
        for key in ('keras_version', 'backend', 'model_config'):
            r.check(key in f.attrs, 'root attribute %s missing' % key)
        mc = json.loads(text(f.attrs['model_config']))
        functional = mc.get('class_name') == 'Model'
        r.check(mc.get('class_name') in ('Sequential', 'Model'), 'model_config class_name %r' % mc.get('class_name'))
        config = mc.get('config')
        if functional:
            r.check(isinstance(config, dict) and set(config) == {'name', 'layers', 'input_layers', 'output_layers'},
                    'Keras 2.2.4 Model config keys %r' % sorted(config))
            layers = config['layers']
        else:
            r.check(isinstance(config, list), 'Keras 2.2.4 Sequential config is a list of layers')
            layers = config
        configs_ok = all([check_layer_config(r, i, e, i == 0 and not functional) for i, e in enumerate(layers)])
        if configs_ok and r.check('model_weights' in f, 'no model_weights group'):
            per_layer, output_shapes = functional_weights(r, config) if functional else sequential_weights(r, layers)
            trainable, values = check_weights(r, f, [e['config']['name'] for e in layers], per_layer)
            out['output_shape'] = list(output_shapes[0] or [])
            out['output_shapes'] = [list(s or []) for s in output_shapes]
            out['trainable_weights'] = len(trainable)
            out['weight_sums'] = values
            out['optimizer'] = check_training(r, f, trainable, len(output_shapes))
        out['layers'] = [e['class_name'] for e in layers]
        out['keras_version'] = text(f.attrs.get('keras_version', b''))
    out['errors'] = r.errors
    out['ok'] = not r.errors
    print(json.dumps(out))
    return 0 if out['ok'] else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
