"""filterbank.analysis.nearest: the closest catalog kernel up to gain, sign and offset.

Expected values come from first principles or from OpenCV (``cv2.getGaborKernel``),
never from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from filterbank import ShapeError, kernels
from filterbank.analysis import (
    gabor_dictionary,
    nearest_catalog,
)


def test_nearest_catalog_recovers_entries_up_to_gain_sign_and_offset() -> None:
    dic = gabor_dictionary(9, sigmas=[1.5, 2.5], thetas=[0.0, 0.8, 1.6], lambdas=[4.0, 7.0], gammas=1.0)
    picks = [3, 10, 17, 22]
    gains = [2.5, -0.3, 1.0, -4.0]
    learned = np.stack([g * dic.kernels[i] + 0.7 for i, g in zip(picks, gains, strict=True)])
    out = nearest_catalog(torch.from_numpy(learned)[:, None], dic)
    assert [m.index for m in out] == picks
    assert [m.name for m in out] == [dic.names[i] for i in picks]
    assert [m.sign for m in out] == [1, -1, 1, -1]
    np.testing.assert_allclose([m.score for m in out], 1.0, atol=1e-12)


def test_nearest_catalog_score_is_zero_mean_cosine() -> None:
    rng = np.random.default_rng(3)
    learned = rng.normal(size=(2, 5, 5))
    dic = rng.normal(size=(6, 5, 5))
    out = nearest_catalog(learned, dic)
    for i, m in enumerate(out):
        a = learned[i].ravel() - learned[i].mean()
        cos = [(a @ (d.ravel() - d.mean())) / np.linalg.norm(a) / np.linalg.norm(d - d.mean()) for d in dic]
        j = int(np.argmax(np.abs(cos)))
        assert (m.index, m.name, m.sign) == (j, f"k{j}", int(np.sign(cos[j])))
        assert m.score == pytest.approx(abs(cos[j]), abs=1e-14)


def test_nearest_catalog_default_dictionary_finds_edge_detector() -> None:
    k = kernels.gaussian_derivative(7, 1.2, dx=1, dy=0)  # a horizontal-gradient filter, off the default grid
    (m,) = nearest_catalog(-k)
    assert m.score > 0.97
    assert m.sign in (-1, 1)
    (c,) = nearest_catalog(np.full((7, 7), 0.3))  # constant: no shape to match
    assert c.index == -1 and c.name is None and math.isnan(c.score) and c.sign == 0


def test_nearest_catalog_errors() -> None:
    with pytest.raises(ShapeError, match=r"`dictionary` kernels must have the learned kernels' size \(5, 5\)"):
        nearest_catalog(np.zeros((1, 5, 5)) + np.eye(5), np.ones((2, 7, 7)))
    with pytest.raises(ShapeError, match="one input channel"):
        nearest_catalog(torch.zeros(4, 3, 5, 5))
