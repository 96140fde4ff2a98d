"""filterbank.analysis.figure: the comparison picture; the import direction analysis -> viz.

Expected values come from first principles or from OpenCV (``cv2.getGaborKernel``),
never from the code under test.
"""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from filterbank import ShapeError
from filterbank.analysis import (
    comparison_figure,
    fit_gabor,
)


def cv2_gabor(ksize: tuple[int, int], sigma, theta, lambd, gamma, psi) -> np.ndarray:
    """OpenCV's Gabor at an odd (height, width) size (OpenCV takes (width, height))."""
    h, w = ksize
    return cv2.getGaborKernel((w, h), sigma, theta, lambd, gamma, psi, ktype=cv2.CV_64F)


def test_comparison_figure_rows_and_colours() -> None:
    k0 = np.stack([cv2_gabor((7, 7), 2.0, t, 5.0, 1.0, 0.0) for t in (0.0, 0.8, 1.6)])
    learned = k0 * 1.1
    learned[2] = 0.0  # a dead filter: no fit
    one = comparison_figure(k0[:1], learned[:1], cell=28)
    three = comparison_figure(k0, learned, cell=28)
    assert three.mode == "RGB" and three.width == one.width
    assert three.height > 2 * one.height - 30
    px = np.asarray(three)
    # Panel colours: positive centre taps are red-ish (R > B), the background white.
    assert (px[..., 0].astype(int) - px[..., 2] > 100).any()
    assert tuple(px[0, 0]) == (255, 255, 255)
    fits = [fit_gabor(learned[0]), None, None]
    assert comparison_figure(k0, learned, fits).size[1] > 0
    with pytest.raises(ShapeError, match="`fits` must have one entry per learned filter"):
        comparison_figure(k0, learned, fits[:2])


def test_viz_does_not_import_analysis() -> None:
    # analysis.figure imports viz.diverging at module level (tools import each other one way only): the reverse
    # import would make a cycle. A fresh interpreter shows what importing viz loads.
    code = "import sys, filterbank.viz; print('filterbank.analysis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
