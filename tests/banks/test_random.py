"""Tests of filterbank.banks.random."""

from __future__ import annotations

import numpy as np

from filterbank import banks


def test_random_banks():
    b = banks.random(5, (3, 4), seed=7)
    np.testing.assert_array_equal(b.kernels, np.random.default_rng(7).standard_normal((5, 3, 4)))
    np.testing.assert_array_equal(banks.random(5, (3, 4), seed=7).kernels, b.kernels)
    assert b.names[0] == "random_normal_0"
    o = banks.random(9, 3, seed=3, kind="orthogonal")
    flat = o.kernels.reshape(9, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(9), atol=1e-14)
    o.verify()
