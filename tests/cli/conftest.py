"""Fixtures of the command-line tests: two small synthetic images (fast to verify)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="module")
def images_dir(tmp_path_factory) -> Path:
    """Two small synthetic images: a gray ramp with noise and an RGB one (fast to verify)."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:40, :48]
    gray = np.clip(3 * xx + 2 * yy + rng.integers(0, 40, xx.shape), 0, 255).astype(np.uint8)
    Image.fromarray(gray, "L").save(folder / "ramp.png")
    rgb = rng.integers(0, 256, (36, 44, 3), dtype=np.uint8)
    Image.fromarray(rgb, "RGB").save(folder / "noise.png")
    return folder
