"""filterbank.analysis.similarity: bank similarity up to order and sign (Hungarian matching).

Expected values come from first principles or from OpenCV (``cv2.getGaborKernel``),
never from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import ShapeError
from filterbank.analysis import (
    bank_similarity,
)


def test_bank_similarity_recovers_permutation_and_signs() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=(12, 7, 7))
    perm = rng.permutation(12)
    signs = rng.choice([-1, 1], size=12)
    scales = rng.uniform(0.2, 5.0, size=12)
    b = np.empty_like(a)
    b[perm] = (signs * scales)[:, None, None] * a  # a[i] = signs[i] / scales[i] * b[perm[i]]
    score, p, s = bank_similarity(a, torch.from_numpy(b))
    assert score == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(p, perm)
    np.testing.assert_array_equal(s, signs)


def test_bank_similarity_unrelated_banks_score_low() -> None:
    rng = np.random.default_rng(5)
    scores = [bank_similarity(rng.normal(size=(16, 7, 7)), rng.normal(size=(16, 7, 7)))[0] for _ in range(3)]
    # |cos| of two random 49-D directions averages sqrt(2 / (pi * 49)) ~ 0.11; the best pairing stays well below 0.5.
    assert max(scores) < 0.4


def test_bank_similarity_multichannel_and_unequal_counts() -> None:
    rng = np.random.default_rng(6)
    a = rng.normal(size=(5, 3, 3, 3))
    score, p, s = bank_similarity(a[:3], a)  # 3 filters of a inside the 5
    assert score == pytest.approx(1.0) and p.tolist() == [0, 1, 2] and s.tolist() == [1, 1, 1]
    score, p, s = bank_similarity(a, -a[[4, 2]])
    assert score == pytest.approx(1.0)
    assert p.tolist() == [-1, -1, 1, -1, 0] and s.tolist() == [0, 0, -1, 0, -1]
    # zero_mean ignores a DC offset that otherwise lowers the cosine.
    k = rng.normal(size=(2, 5, 5))
    assert bank_similarity(k, k + 3.0)[0] < 0.9
    assert bank_similarity(k, k + 3.0, zero_mean=True)[0] == pytest.approx(1.0)
    with pytest.raises(ShapeError, match="`b` filters must have as many taps"):
        bank_similarity(np.ones((2, 3, 3)), np.ones((2, 5, 5)))
