"""Tests of filterbank.kernels.texture: the DCT-II basis against SciPy, Laws' masks, Kirsch's masks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

from filterbank import kernels as K
from filterbank._errors import ParameterError, UnknownNameError


@pytest.mark.parametrize(("h", "w"), [(4, 4), (3, 5), (1, 2)])
def test_dct_equals_scipy_basis(h, w):
    dh = scipy.fft.dct(np.eye(h), axis=0, norm="ortho")  # dh[u, i]
    dw = scipy.fft.dct(np.eye(w), axis=0, norm="ortho")
    for u in range(h):
        for v in range(w):
            np.testing.assert_allclose(K.dct((h, w), u, v), np.outer(dh[u], dw[v]), rtol=0, atol=1e-15)


def test_dct_coefficient_of_a_block():
    block = np.random.default_rng(3).random((3, 5))
    coeffs = scipy.fft.dctn(block, norm="ortho")
    for u, v in [(0, 0), (1, 3), (2, 4)]:
        assert float((K.dct((3, 5), u, v) * block).sum()) == pytest.approx(coeffs[u, v], abs=1e-14)


def test_laws_is_the_rotated_outer_product():
    vec = {"L5": [1, 4, 6, 4, 1], "E5": [-1, -2, 0, 2, 1], "S5": [-1, 0, 2, 0, -1], "W5": [-1, 2, 0, -2, 1]}
    vec["R5"] = [1, -4, 6, -4, 1]
    for a in vec:
        for b in vec:
            np.testing.assert_array_equal(K.laws(a, b), np.outer(vec[a], vec[b])[::-1, ::-1])


def test_kirsch_compass():
    north = np.array([[5, 5, 5], [-3, 0, -3], [-3, -3, -3]], dtype=float)
    np.testing.assert_array_equal(K.kirsch("n"), north)
    np.testing.assert_array_equal(K.kirsch("s"), north[::-1])
    np.testing.assert_array_equal(K.kirsch("w"), north.T)
    np.testing.assert_array_equal(K.kirsch("e"), north.T[:, ::-1])
    np.testing.assert_array_equal(K.kirsch("nw"), [[5, 5, -3], [5, 0, -3], [-3, -3, -3]])
    for d in ("n", "nw", "w", "sw", "s", "se", "e", "ne"):
        k = K.kirsch(d)
        assert k.sum() == 0 and k[1, 1] == 0 and sorted(k.ravel()) == [-3] * 5 + [0] + [5] * 3


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda: K.dct(4, 4, 0), ParameterError, r"`u` must be in \[0, 3\]; got 4"),
        (lambda: K.dct((2, 3), 0, -1), ParameterError, r"`v` must be in \[0, 2\]; got -1"),
        (lambda: K.laws("L3", "E5"), UnknownNameError, r"`rows` must be one of .*got 'L3'"),
        (lambda: K.laws("L5", "e5"), UnknownNameError, r"`cols` must be one of .*got 'e5'"),
        (lambda: K.kirsch("north"), UnknownNameError, r"`direction` must be one of 'e', .*got 'north'"),
    ],
)
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
