"""Tests of filterbank.kernels.basic against OpenCV.

Every reference is computed here by calling those libraries (or from a formula
written out in the test), never by the code under test.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from filterbank import kernels as K
from filterbank._errors import DTypeError, ParameterError
from tests.kernels._util import fragments

# ------------------------------------------------------------------ box


@pytest.mark.parametrize("ksize", [1, 2, 3, (3, 5), (4, 2), (6, 7)])
@pytest.mark.parametrize("normalize", [True, False])
def test_box_matches_boxfilter(img, ksize, normalize):
    h, w = (ksize, ksize) if isinstance(ksize, int) else ksize
    k = K.box(ksize, normalize)
    assert k.shape == (h, w)
    for border in (cv2.BORDER_REFLECT_101, cv2.BORDER_REPLICATE, cv2.BORDER_CONSTANT):
        ref = cv2.boxFilter(img, cv2.CV_64F, (w, h), normalize=normalize, borderType=border)
        out = cv2.filter2D(img, cv2.CV_64F, k, borderType=border)
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- errors

ERROR_CASES = [
    # (callable, exception, fragments that must appear in order)
    (lambda: K.box(0), ParameterError, ("`ksize`", "0")),
    (lambda: K.box(3, normalize="yes"), DTypeError, ("`normalize`", "yes")),
]


@pytest.mark.parametrize(("call", "exc", "parts"), ERROR_CASES)
def test_errors_name_argument_and_value(call, exc, parts):
    with pytest.raises(exc, match=fragments(*parts)):
        call()
