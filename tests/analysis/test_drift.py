"""filterbank.analysis.drift: per-filter cosine and relative change, from hand-computed values.

Expected values come from first principles or from OpenCV (``cv2.getGaborKernel``),
never from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from filterbank import DTypeError, FilterBank, ParameterError, ShapeError
from filterbank.analysis import (
    drift,
)


def test_drift_hand_computed_values() -> None:
    e = np.zeros((3, 3))
    e[1, 1] = 1.0
    f = np.zeros((3, 3))
    f[0, 0] = 1.0
    initial = np.stack([e, e, e, 2 * e])
    learned = np.stack([3 * e, -e, f, 2 * e + 2 * f])
    d = drift(initial, learned)
    # same direction (cos 1, |3e - e| / |e| = 2); opposite (cos -1, 2); orthogonal (0, sqrt 2);
    # 2e + 2f against 2e: cos = 4 / (2 * sqrt 8) = 1/sqrt 2, change |2f| / |2e| = 1.
    np.testing.assert_allclose(d.cosine, [1.0, -1.0, 0.0, 1 / math.sqrt(2)], atol=1e-15)
    np.testing.assert_allclose(d.relative_change, [2.0, 2.0, math.sqrt(2), 1.0], atol=1e-15)
    np.testing.assert_allclose(d.initial_norm, [1, 1, 1, 2])
    assert d.names == ["k0", "k1", "k2", "k3"] and len(d) == 4
    assert d.as_dict()["relative_change"][1] == 2.0


def test_drift_accepts_bank_numpy_and_conv_weights_alike() -> None:
    bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "laplacian", "ksize": 3}])
    rng = np.random.default_rng(1)
    learned = bank.kernels + 0.1 * rng.normal(size=bank.kernels.shape)
    ref = drift(bank.kernels, learned)
    from_bank = drift(bank, torch.from_numpy(learned)[:, None].float())  # conv weight (N, 1, kh, kw), float32
    assert from_bank.names == bank.names
    np.testing.assert_allclose(from_bank.cosine, ref.cosine, atol=1e-6)
    np.testing.assert_allclose(from_bank.relative_change, ref.relative_change, atol=1e-6)
    # Independent formula, per filter.
    for i in range(2):
        a, b = bank.kernels[i].ravel(), learned[i].ravel()
        assert ref.cosine[i] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b), abs=1e-14)
        assert ref.relative_change[i] == pytest.approx(np.linalg.norm(b - a) / np.linalg.norm(a), abs=1e-14)


def test_drift_flattens_input_channels_per_output_channel() -> None:
    rng = np.random.default_rng(2)
    w0 = rng.normal(size=(4, 3, 5, 5))
    w1 = w0.copy()
    w1[:, 1] *= -1  # one of three channels flipped
    d = drift(torch.from_numpy(w0), torch.from_numpy(w1))
    n0, n1 = (np.sum(w0[:, c] ** 2, axis=(1, 2)) for c in (0, 1))
    n2 = np.sum(w0[:, 2] ** 2, axis=(1, 2))
    np.testing.assert_allclose(d.cosine, (n0 - n1 + n2) / (n0 + n1 + n2), atol=1e-14)
    np.testing.assert_allclose(d.relative_change, 2 * np.sqrt(n1 / (n0 + n1 + n2)), atol=1e-14)


def test_drift_zero_filters_and_errors() -> None:
    d = drift(np.zeros((2, 3, 3)), np.stack([np.zeros((3, 3)), np.ones((3, 3))]))
    assert np.isnan(d.cosine).all() and np.isnan(d.relative_change).all()
    with pytest.raises(ShapeError, match="`learned` must have the shape of `initial`"):
        drift(np.zeros((2, 3, 3)), np.zeros((2, 5, 5)))
    with pytest.raises(DTypeError, match="`initial`"):
        drift(np.array([["a"]]), np.zeros((1, 1)))
    with pytest.raises(ShapeError, match="`initial` must be"):
        drift(np.zeros(5), np.zeros(5))
    with pytest.raises(ParameterError, match="finite"):
        drift(np.full((3, 3), np.nan), np.zeros((3, 3)))
