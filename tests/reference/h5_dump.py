#!/usr/bin/env python3
"""Independent HDF5 reader and fixture writer for petal's HDF5 / Keras tests.

Uses h5py and numpy only (Debian's python3-h5py). Every mode prints JSON.

  h5_dump.py raw FILE               every group, attribute and dataset
  h5_dump.py keras FILE...          the Keras 2 weights view, read the way
                                    keras/engine/saving.py (2.2.4) reads it
                                    (a list when several files are given)
  h5_dump.py keras-attr FILE GROUP NAME
                                    a string list stored Keras-style (NAME or
                                    NAME0, NAME1, ...) and the chunk sizes
                                    Keras 2.2.4 would have written for it
  h5_dump.py write DIR              writes h5py-made fixtures for petal to read
"""
import json
import sys

import h5py
import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512


def text(v):
    return v.decode('utf8') if isinstance(v, (bytes, np.bytes_)) else str(v)


def digest(arr, as_float32=False):
    """float64 sum, min, max; with as_float32, of the values as a float32 reader
    (Keras's variables, petal) holds them."""
    a = np.asarray(arr)
    a = (a.astype(np.float32) if as_float32 else a).astype(np.float64)
    if a.size == 0:
        return {'sum': 0.0, 'min': None, 'max': None}
    return {'sum': float(a.sum()), 'min': float(a.min()), 'max': float(a.max())}


def describe_attr(obj, name):
    aid = obj.attrs.get_id(name)
    t = aid.get_type()
    value = obj.attrs[name]
    out = {'shape': list(aid.shape) if aid.shape is not None else None}
    if isinstance(t, h5py.h5t.TypeStringID):
        out['type'] = 'vlen-str' if t.is_variable_str() else 'fixed-str'
        if not t.is_variable_str():
            out['itemsize'] = t.get_size()
        if np.ndim(value) == 0:
            out['value'] = text(value)
        else:
            out['value'] = [text(v) for v in np.asarray(value).ravel()]
    else:
        out['type'] = str(np.asarray(value).dtype)
        out['value'] = np.asarray(value).tolist()
    return out


def raw(path):
    out = {'groups': ['/'], 'attrs': {}, 'datasets': {}}
    with h5py.File(path, 'r') as f:
        def visit(name, obj):
            p = '/' + name
            if isinstance(obj, h5py.Group):
                out['groups'].append(p)
            else:
                d = {'shape': list(obj.shape), 'dtype': str(obj.dtype)}
                d.update(digest(obj[()]))
                out['datasets'][p] = d
            for a in obj.attrs:
                out['attrs'][p + '@' + a] = describe_attr(obj, a)
        for a in f.attrs:
            out['attrs']['/@' + a] = describe_attr(f, a)
        f.visititems(visit)
    return out


def load_attributes(group, name):
    """keras/engine/saving.py load_attributes_from_hdf5_group."""
    if name in group.attrs:
        return [text(n) for n in group.attrs[name]]
    data = []
    chunk_id = 0
    while '%s%d' % (name, chunk_id) in group.attrs:
        data.extend([text(n) for n in group.attrs['%s%d' % (name, chunk_id)]])
        chunk_id += 1
    return data


def weights_view(group):
    layers = []
    for name in load_attributes(group, 'layer_names'):
        g = group[name]
        weights = []
        for wname in load_attributes(g, 'weight_names'):
            ds = g[wname]
            w = {'name': wname, 'shape': list(ds.shape), 'dtype': str(ds.dtype)}
            w.update(digest(ds[()], as_float32=True))
            weights.append(w)
        layers.append({'name': name, 'weights': weights})
    return layers


def keras(path):
    with h5py.File(path, 'r') as f:
        full = 'model_weights' in f
        group = f['model_weights'] if full else f
        out = {
            'kind': 'full' if full else 'weights',
            'keras_version': text(group.attrs.get('keras_version', '1')),
            'backend': text(group.attrs['backend']) if 'backend' in group.attrs else None,
            'layers': weights_view(group),
            'model_config_class': None,
            'training_config': None,
            'optimizer_weights': [],
        }
        if 'model_config' in f.attrs:
            out['model_config_class'] = json.loads(text(f.attrs['model_config']))['class_name']
        if 'training_config' in f.attrs:
            out['training_config'] = json.loads(text(f.attrs['training_config']))
        if 'optimizer_weights' in f:
            og = f['optimizer_weights']
            for n in load_attributes(og, 'weight_names'):
                w = {'name': n, 'shape': list(og[n].shape), 'dtype': str(og[n].dtype)}
                w.update(digest(og[n][()], as_float32=not np.issubdtype(og[n].dtype, np.integer)))
                out['optimizer_weights'].append(w)
    return out


def keras_chunk_sizes(values):
    """Chunk sizes save_attributes_to_hdf5_group (Keras 2.2.4) writes for `values`."""
    data = np.asarray([v.encode('utf8') for v in values])
    chunks = 1
    parts = np.array_split(data, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(data, chunks)
    return [len(p) for p in parts] if chunks > 1 else [], int(data.dtype.itemsize)


def keras_attr(path, group_path, name):
    with h5py.File(path, 'r') as f:
        g = f[group_path]
        values = load_attributes(g, name)
        chunk_names = sorted((a for a in g.attrs if a.startswith(name) and a[len(name):].isdigit()),
                             key=lambda a: int(a[len(name):]))
        sizes = [int(g.attrs.get_id(a).shape[0]) for a in chunk_names]
        itemsizes = [int(g.attrs.get_id(a).get_type().get_size()) for a in chunk_names]
        expected_sizes, expected_itemsize = keras_chunk_sizes(values)
        return {'values': values, 'unsplit': name in g.attrs, 'chunk_names': chunk_names,
                'chunk_sizes': sizes, 'itemsizes': itemsizes,
                'keras_chunk_sizes': expected_sizes, 'keras_itemsize': expected_itemsize}


def write_fixtures(directory):
    """Files h5py writes the ways Keras 2.0-2.13 did, for petal to read."""
    with h5py.File(directory + '/types.h5', 'w') as f:
        f['f16'] = np.array([[0.5, -1.25, 3.0], [65504.0, -0.0, 1e-3]], dtype=np.float16)
        f['f64'] = np.array([0.1, -2.5, 1e10, 3.25], dtype=np.float64)
        f['i32'] = np.array([[-3, 7], [11, 0]], dtype=np.int32)
        f['deep/a/b/kernel:0'] = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7
        f.create_dataset('iterations', data=np.int64(123456789012))
        f.attrs['scalar_vlen'] = 'tensorflow'                   # h5py str: variable-length
        f.attrs['scalar_fixed'] = np.bytes_(b'2.2.4')           # NumPy bytes: fixed-length
        f.attrs['names_fixed'] = np.array([b'conv2d_1', b'dense_10'])
        f.attrs['names_vlen'] = ['batch_normalization_1', 'add']  # Keras 2.13's layer_names
        f.attrs['empty'] = []                                    # float64 (0,)
        f.attrs['number'] = np.int64(7)
        f.attrs['matrix'] = np.array([[b'a', b'b'], [b'c', b'd']])
        f.attrs['spacepad'] = np.array([b'x'])  # replaced below by a space-padded one
        tid = h5py.h5t.C_S1.copy()
        tid.set_size(4)
        tid.set_strpad(h5py.h5t.STR_SPACEPAD)
        del f.attrs['spacepad']
        space = h5py.h5s.create_simple((2,))
        aid = h5py.h5a.create(f.id, b'spacepad', tid, space)
        aid.write(np.array([b'ab  ', b'cde '], dtype='S4'), mtype=tid)


def write_nested(directory):
    """A weights file whose layer is a nested model: weight names are deeper paths."""
    with h5py.File(directory + '/nested.h5', 'w') as f:
        f.attrs['layer_names'] = np.array([b'input_1', b'model_1', b'dense_2'])
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.2.4-tf'
        f.create_group('input_1').attrs['weight_names'] = []
        g = f.create_group('model_1')
        names = [b'dense_1/kernel:0', b'dense_1/bias:0', b'model_1/block/conv/kernel:0']
        g.attrs['weight_names'] = np.array(names)
        g['dense_1/kernel:0'] = np.arange(6, dtype=np.float32).reshape(2, 3)
        g['dense_1/bias:0'] = np.array([0.5, -0.5, 1.5], dtype=np.float32)
        g['model_1/block/conv/kernel:0'] = np.ones((1, 1, 3, 2), dtype=np.float64) / 3
        d = f.create_group('dense_2')
        d.attrs['weight_names'] = np.array([b'dense_2/kernel:0'])
        d['dense_2/kernel:0'] = np.array([[1.0], [2.0]], dtype=np.float16)


def main(argv):
    mode = argv[1]
    if mode == 'raw':
        print(json.dumps(raw(argv[2])))
    elif mode == 'keras':
        views = [keras(path) for path in argv[2:]]
        print(json.dumps(views[0] if len(views) == 1 else views))
    elif mode == 'keras-attr':
        print(json.dumps(keras_attr(argv[2], argv[3], argv[4])))
    elif mode == 'write':
        write_fixtures(argv[2])
        write_nested(argv[2])
        print(json.dumps({'written': True}))
    else:
        raise SystemExit('unknown mode ' + mode)


if __name__ == '__main__':
    main(sys.argv)
