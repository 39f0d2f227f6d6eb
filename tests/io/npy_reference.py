#!/usr/bin/env python3
"""NumPy side of petal's .npy/.npz cross-checks (tests/io/numpy_interop_test.cpp).

  npy_reference.py write DIR   NumPy writes reference files that petal must read exactly.
  npy_reference.py check DIR   NumPy verifies the files petal wrote (exit status 0 = ok).

The expected values are simple formulas that the C++ test computes independently.
"""
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

KERNEL = np.arange(24, dtype='<f4').reshape(2, 3, 4) / np.float32(7)   # i / 7.0f
DENSE = np.arange(6, dtype='<f8').reshape(2, 3) * 0.1                  # i * 0.1
BIAS = np.array([0.5, -0.5], dtype='<f4')
CONFIG = '{"name": "model", "layers": ["conv2d_1"]}'


def reference_arrays():
    """Arrays NumPy writes in `write` mode and also expects back from petal."""
    return {
        'f4': KERNEL,
        'f8': DENSE,
        'i8': np.array([-2**40, 0, 2**62], dtype='<i8'),
        'i4': np.arange(-3, 3, dtype='<i4').reshape(3, 2),
        'u1': np.arange(250, 256, dtype='|u1'),
        'i1': np.array([-128, -1, 0, 127], dtype='|i1'),
        'u2': np.array([0, 1, 65535], dtype='<u2'),
        'b1': np.array([True, False, True]),
        'scalar': np.array(3.5, dtype='<f4'),
        'empty': np.zeros((0, 3), dtype='<f4'),
    }


def keras_weights():
    return {'conv2d_1/kernel:0': KERNEL, 'conv2d_1/bias:0': BIAS, 'dense/kernel:0': DENSE}


def write(out):
    for name, array in reference_arrays().items():
        np.save(out / f'{name}.npy', array)
    np.save(out / 'fortran.npy', np.asfortranarray(np.arange(24, dtype='<f8').reshape(2, 3, 4)))
    np.save(out / 'bigendian_f8.npy', np.arange(5, dtype='>f8') / 3)
    np.save(out / 'bigendian_i4.npy', np.arange(4, dtype='>i4') - 2)
    np.savez(out / 'weights.npz', **keras_weights())
    np.savez_compressed(out / 'compressed.npz', **keras_weights())
    np.savez(out / 'positional.npz', np.arange(3, dtype='<i8'), np.ones((2, 2), dtype='<f4'))


def same(actual, expected, what):
    assert actual.dtype == expected.dtype, f'{what}: dtype {actual.dtype} != {expected.dtype}'
    assert actual.shape == expected.shape, f'{what}: shape {actual.shape} != {expected.shape}'
    assert np.array_equal(actual, expected), f'{what}: values differ:\n{actual}\n{expected}'


def check_npz(path, compress):
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None, f'{path}: CRC check failed'
        names = [info.filename for info in archive.infolist()]
        expected = ['conv2d_1/kernel:0.npy', 'conv2d_1/bias:0.npy', 'step.npy', 'config.npy']
        assert names == expected, f'{path}: members {names}'
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        assert all(i.compress_type == method for i in archive.infolist()), f'{path}: method'
    with np.load(path) as npz:
        same(npz['conv2d_1/kernel:0'], KERNEL, path)
        same(npz['conv2d_1/bias:0'], BIAS, path)
        same(npz['step'], np.array(1234, dtype='<i8'), path)
        assert npz['config'].tobytes().decode() == CONFIG, f'{path}: config text'


def check(out):
    for name, expected in reference_arrays().items():
        path = out / f'{name}.npy'
        same(np.load(path), expected, path)
        if hasattr(np.lib.format, 'GROWTH_AXIS_MAX_DIGITS'):  # NumPy >= 1.24 header padding
            buffer = io.BytesIO()
            np.save(buffer, expected)
            assert path.read_bytes() == buffer.getvalue(), f'{path}: bytes differ from np.save'
    check_npz(out / 'petal.npz', compress=False)
    check_npz(out / 'petal_compressed.npz', compress=True)


def main():
    mode, out = sys.argv[1], Path(sys.argv[2])
    {'write': write, 'check': check}[mode](out)
    print(f'npy_reference {mode}: ok')


if __name__ == '__main__':
    main()
