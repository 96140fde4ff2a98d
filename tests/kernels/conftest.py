"""Fixtures of the kernel tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def img() -> np.ndarray:
    return np.random.default_rng(1234).random((23, 31))
