#!/usr/bin/env python3
"""Checks a Sequential model file the way Keras 2.2.4's load_model reads it.

keras/engine/saving.py (2.2.4) load_model: reads the root attributes
keras_version, backend and model_config; rebuilds the model from model_config
(every layer's config becomes constructor arguments, so an unknown key is a
TypeError and a missing one a silently different default); loads
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


def expected_weights(r, cls, c, shape):
    """(output shape, [(weight name, shape, trainable)]) as the Keras 2.2.4 layer builds them."""
    w = []
    if cls == 'Conv2D':
        (kh, kw), (sh, sw) = c['kernel_size'], c['strides']
        r.check(c['data_format'] == 'channels_last' and c['dilation_rate'] == [1, 1] and c['padding'] in ('valid', 'same'),
                c['name'] + ': conv options')
        w = [('kernel', (kh, kw, shape[2], c['filters']), True)] + ([('bias', (c['filters'],), True)] if c['use_bias'] else [])
        shape = (out_len(shape[0], kh, sh, c['padding']), out_len(shape[1], kw, sw, c['padding']), c['filters'])
    elif cls in ('MaxPooling2D', 'AveragePooling2D'):
        (ph, pw), (sh, sw) = c['pool_size'], c['strides']
        shape = (out_len(shape[0], ph, sh, c['padding']), out_len(shape[1], pw, sw, c['padding']), shape[2])
    elif cls == 'GlobalAveragePooling2D':
        shape = (shape[-1],)
    elif cls == 'Flatten':
        shape = (int(np.prod(shape)),)
    elif cls == 'Dense':
        r.check(len(shape) == 1, c['name'] + ': Dense on a rank-%d input' % len(shape))
        w = [('kernel', (shape[-1], c['units']), True)] + ([('bias', (c['units'],), True)] if c['use_bias'] else [])
        shape = (c['units'],)
    elif cls == 'BatchNormalization':
        ch = (shape[-1],)
        w = ([('gamma', ch, True)] if c['scale'] else []) + ([('beta', ch, True)] if c['center'] else []) + \
            [('moving_mean', ch, False), ('moving_variance', ch, False)]
    return shape, w


def check_layer_config(r, i, entry):
    cls, c = entry.get('class_name'), entry.get('config', {})
    where = 'layer #%d %s' % (i, c.get('name', '?'))
    if not r.check(cls in LAYER_KEYS, where + ': class %r unknown to this check' % cls):
        return False
    expected = LAYER_KEYS[cls] | (FIRST_LAYER_KEYS if i == 0 else set())
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


def check_weights(r, f, layers):
    group = f['model_weights']
    r.check(text(group.attrs.get('backend', b'')) == 'tensorflow', 'model_weights backend')
    r.check('keras_version' in group.attrs, 'model_weights keras_version')
    names = load_attributes(group, 'layer_names')
    r.check(names == [e['config']['name'] for e in layers], 'layer_names %r differ from the model config' % names)
    shape = tuple(layers[0]['config']['batch_input_shape'][1:])
    expected, trainable = [], []
    for e in layers:
        shape, w = expected_weights(r, e['class_name'], e['config'], shape)
        if w:
            expected.append((e['config']['name'], w))
        trainable += [s for (_, s, t) in w if t]
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
    return trainable, shape, values


def expected_optimizer_weights(cls, config, trainable):
    if cls == 'SGD':
        return [()] + trainable
    if cls == 'Adam':
        vhat = trainable if config['amsgrad'] else [(1,)] * len(trainable)
        return [()] + trainable + trainable + vhat
    return list(trainable)  # RMSprop, Adagrad: accumulators only in 2.2.4


def check_training(r, f, trainable):
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
    r.check(tc['loss'] in LOSSES, 'loss %r' % tc['loss'])
    r.check(tc['metrics'] is None or (isinstance(tc['metrics'], list) and all(m in METRICS for m in tc['metrics'])),
            'metrics %r' % tc['metrics'])
    r.check(tc['sample_weight_mode'] is None and tc['loss_weights'] is None, 'sample_weight_mode / loss_weights')
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
        r.check(mc.get('class_name') == 'Sequential', 'model_config class_name %r' % mc.get('class_name'))
        layers = mc.get('config')
        r.check(isinstance(layers, list), 'Keras 2.2.4 Sequential config is a list of layers')
        configs_ok = all([check_layer_config(r, i, e) for i, e in enumerate(layers)])
        if configs_ok and r.check('model_weights' in f, 'no model_weights group'):
            trainable, output_shape, values = check_weights(r, f, layers)
            out['output_shape'] = list(output_shape)
            out['trainable_weights'] = len(trainable)
            out['weight_sums'] = values
            out['optimizer'] = check_training(r, f, trainable)
        out['layers'] = [e['class_name'] for e in layers]
        out['keras_version'] = text(f.attrs.get('keras_version', b''))
    out['errors'] = r.errors
    out['ok'] = not r.errors
    print(json.dumps(out))
    return 0 if out['ok'] else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
