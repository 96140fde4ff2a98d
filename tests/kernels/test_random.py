"""Tests of filterbank.kernels.random: normal draws equal numpy's generator, orthogonal sets are orthonormal."""

from __future__ import annotations

import numpy as np
import pytest

from filterbank import kernels as K
from filterbank._errors import ParameterError, UnknownNameError


def test_normal_kernels_are_numpy_draws():
    ref = np.random.default_rng(11).standard_normal((4, 2, 3))
    np.testing.assert_array_equal(K.random_kernels(4, (2, 3), 11, "normal"), ref)
    for i in range(4):
        np.testing.assert_array_equal(K.random_kernel(4, (2, 3), 11, "normal", i), ref[i])


def test_orthogonal_kernels():
    ks = K.random_kernels(5, 3, 2, "orthogonal")
    flat = ks.reshape(5, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(5), rtol=0, atol=1e-14)
    # Q of numpy's QR of the same Gaussian matrix, columns signed so that diag(R) > 0
    q, r = np.linalg.qr(np.random.default_rng(2).standard_normal((9, 5)))
    np.testing.assert_allclose(flat, (q * np.sign(np.diag(r))).T, rtol=0, atol=1e-15)


def test_stack_is_read_only_and_kernels_are_copies():
    ks = K.random_kernels(2, 3, 0)
    assert not ks.flags.writeable
    k = K.random_kernel(2, 3, 0, "normal", 0)
    k[0, 0] = 99.0
    assert K.random_kernel(2, 3, 0, "normal", 0)[0, 0] != 99.0


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda: K.random_kernels(0, 3, 0), ParameterError, r"`n` must be >= 1; got 0"),
        (lambda: K.random_kernels(2, 3, -1), ParameterError, r"`seed` must be >= 0; got -1"),
        (lambda: K.random_kernels(2, 3, 0, "uniform"), UnknownNameError, r"`kind` must be one of"),
        (lambda: K.random_kernels(10, 3, 0, "orthogonal"), ParameterError, r"`n` must be <= kh \* kw = 9"),
        (lambda: K.random_kernel(2, 3, 0, "normal", 2), ParameterError, r"`index` must be in \[0, 1\]; got 2"),
    ],
)
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
