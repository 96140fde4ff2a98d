"""Issue 10, item 8: choices that used to be made silently, now refused or documented and tested.

- ``value=`` only means something with ``border="constant"``: refused with any other border.
- On integer images ``value`` must be a value of the image's dtype (an integer in its range);
  OpenCV's ``copyMakeBorder`` would saturate-cast it, filterbank refuses instead of converting.
  A valid value gives exactly OpenCV's ``copyMakeBorder`` + ``filter2D``.
- A kernel cast to float16 / bfloat16 must survive the cast: no finite tap may overflow to
  inf, and the cast may not move the kernel by more than the dtype's rounding error
  (``sum|k_cast - k| <= eps * sum|k|``, eps = 2**-10 for float16, 2**-7 for bfloat16), which
  refuses kernels that underflow to zero and keeps wide Gaussians whose far tails underflow.
- uint16 / int16 outputs: OpenCV and filterbank both round a float32 sum; they can differ by
  one level, only where the exact sum lies within the float32 summation error of a half-integer.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from filterbank import FilterConv2d, ParameterError, filter2d, kernels
from tests.conftest import cv2_reference

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# Dyadic taps: every sum is exact in float32, so integer outputs are compared bit for bit without ties.
K3 = np.array([[1.0, 2.0, 1.0], [0.0, 5.0, 1.0], [1.0, 3.0, 2.0]]) / 16


# --- value with a non-constant border ------------------------------------------------------------


@pytest.mark.parametrize("border", ["reflect101", "symmetric", "replicate", "wrap"])
def test_value_with_another_border_is_refused(border) -> None:
    img = np.zeros((8, 8), np.float32)
    with pytest.raises(ParameterError, match="`value`") as info:
        filter2d(img, K3, border=border, value=5.0)
    assert "constant" in str(info.value) and border in str(info.value)
    with pytest.raises(ParameterError, match="`value`"):
        FilterConv2d(K3, border=border, value=5.0)
    filter2d(img, K3, border=border)  # the default value is fine


# --- value on integer images -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "value"),
    [(np.uint8, 300.0), (np.uint8, -1.0), (np.uint8, 2.5), (np.uint16, 70000.0), (np.int16, -40000.0), (np.int16, 0.5)],
)
def test_value_outside_the_integer_dtype_is_refused(dtype, value) -> None:
    img = np.zeros((8, 8), dtype)
    with pytest.raises(ParameterError, match="`value`") as info:
        filter2d(img, K3, border="constant", value=value)
    assert np.dtype(dtype).name in str(info.value)
    if dtype == np.uint8:
        with pytest.raises(ParameterError, match="`value`"):
            filter2d(torch.zeros(1, 8, 8, dtype=torch.uint8), K3, border="constant", value=value)


@pytest.mark.parametrize(("dtype", "value"), [(np.uint8, 7), (np.uint8, 255), (np.uint16, 65535), (np.int16, -300)])
def test_integer_value_equals_copymakeborder(dtype, value) -> None:
    info = np.iinfo(dtype)
    img = np.random.default_rng(0).integers(max(info.min, -1000), min(info.max, 1000), (16, 12)).astype(dtype)
    got = filter2d(img, K3, border="constant", value=float(value))
    ref = cv2_reference(img, K3, "constant", value=float(value))
    assert np.array_equal(got, ref)


# --- kernels cast to half precision ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "kernel"),
    [
        (torch.float16, np.full((3, 3), 1e5)),  # > 65504: inf
        (torch.float16, np.full((3, 3), 1e-9)),  # below the smallest subnormal: all zero
        (torch.float16, np.array([[1e-9, 1e-9], [1e-9, 7e-9]])),
        (torch.bfloat16, np.full((3, 3), 1e39)),  # > 3.39e38: inf
    ],
)
def test_kernel_that_does_not_survive_the_cast_is_refused(dtype, kernel) -> None:
    img = torch.ones(1, 8, 8, dtype=dtype)
    with pytest.raises(ParameterError, match="`kernel`") as info:
        filter2d(img, kernel)
    assert str(dtype).replace("torch.", "") in str(info.value)
    with pytest.raises(ParameterError):
        FilterConv2d(kernel, dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_wide_gaussian_survives_half_precision(dtype) -> None:
    """A 49x49 Gaussian's far tails underflow in float16, harmlessly: its result is the float32 one
    to the dtype's precision (eps * sum|k| * max|img| with sum|k| = 1, plus the output rounding)."""
    k = kernels.gaussian(49, 3.0)
    x = torch.rand(1, 64, 64)
    y = filter2d(x.to(dtype), k).float()
    ref = filter2d(x, k)
    eps = 2.0**-10 if dtype == torch.float16 else 2.0**-7
    assert float((y - ref).abs().max()) <= 4 * eps


# --- 16-bit integer outputs against OpenCV -----------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint16, np.int16])
@pytest.mark.parametrize("ksize", [3, 5])
def test_16bit_outputs_differ_from_opencv_only_at_half_integers(dtype, ksize) -> None:
    """At most one level, and only where the exact sum (float32 taps, float64 arithmetic) lies within
    2 * taps * 2**-24 * sum|k * x| of a half-integer: the bound on the float32 summation error of
    each side (n products and n - 1 additions, unit roundoff 2**-24), doubled for the two sides."""
    info = np.iinfo(dtype)
    mismatches = total = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        img = rng.integers(info.min, info.max, (96, 96), endpoint=True).astype(dtype)
        k = rng.standard_normal((ksize, ksize)) if seed % 2 else rng.random((ksize, ksize))
        got = filter2d(img, k).astype(np.int64)
        ref = cv2.filter2D(img, -1, k).astype(np.int64)
        k32 = k.astype(np.float32).astype(np.float64)
        exact = cv2.filter2D(img.astype(np.float64), -1, k32)
        absk = cv2.filter2D(np.abs(img.astype(np.float64)), -1, np.abs(k32))
        off = got != ref
        assert int(np.abs(got - ref).max()) <= 1
        dist = np.abs(exact - np.floor(exact) - 0.5)
        bound = 2 * ksize * ksize * 2.0**-24 * absk
        assert bool((dist[off] <= bound[off]).all())
        mismatches += int(off.sum())
        total += off.size
    assert mismatches / total < 2e-3  # measured: 7e-4 (int16), 2e-5 (uint16)


def test_docstring_states_the_16bit_bound() -> None:
    doc = " ".join(filter2d.__doc__.split())
    assert "bit-exact with OpenCV)" not in doc
    assert "uint16 and int16" in doc and "one level" in doc and "half-integer" in doc
