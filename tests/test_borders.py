"""Border names and exact padding against OpenCV's copyMakeBorder and numpy's pad."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
import torch

from filterbank import BorderError, DTypeError, ParameterError, ShapeError
from filterbank.borders import (
    BORDERS,
    border_indices,
    normalize_border,
    pad,
    pad_nd,
    padding_for,
    padding_nd,
    to_cv2,
    to_numpy,
    to_scipy,
)

CV2 = {
    "reflect101": cv2.BORDER_REFLECT_101,
    "symmetric": cv2.BORDER_REFLECT,
    "replicate": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT,
    "wrap": cv2.BORDER_WRAP,
}


def test_table_of_reference_section_1() -> None:
    # The pattern each border gives on 1 2 3 4 5 with 3 on each side (REFERENCE.md section 1).
    expected = {
        "reflect101": [4, 3, 2, 1, 2, 3, 4, 5, 4, 3, 2],
        "symmetric": [3, 2, 1, 1, 2, 3, 4, 5, 5, 4, 3],
        "replicate": [1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5],
        "constant": [9, 9, 9, 1, 2, 3, 4, 5, 9, 9, 9],
        "wrap": [3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3],
    }
    x = torch.arange(1.0, 6.0).view(1, 5)
    for name, row in expected.items():
        assert pad(x, (0, 0, 3, 3), name, value=9.0)[0].tolist() == row, name


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("n", [1, 2, 3, 7])
@pytest.mark.parametrize("before, after", [(0, 0), (1, 2), (3, 0), (6, 9), (20, 13)])
def test_pad_equals_copymakeborder_any_size(border: str, n: int, before: int, after: int) -> None:
    img = np.arange(1.0, 1.0 + 4 * n).reshape(4, n)
    ref = cv2.copyMakeBorder(img, after, before, before, after, CV2[border], value=[-2.5] * 4)
    out = pad(torch.from_numpy(img), (after, before, before, after), border, value=-2.5).numpy()
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("border", BORDERS)
def test_maps_to_numpy_and_scipy(border: str) -> None:
    import scipy.ndimage as ndi

    x = np.arange(1.0, 6.0)
    ref = np.pad(x, 7, mode=to_numpy(border)) if border != "constant" else np.pad(x, 7)
    np.testing.assert_array_equal(pad(torch.from_numpy(x)[None], (0, 0, 7, 7), border)[0].numpy(), ref)
    # scipy.ndimage uses the same extension when it correlates with an off-centre delta.
    k = np.zeros(5)
    k[0] = 1.0  # picks x[i - 2]
    got = ndi.correlate1d(x, k, mode=to_scipy(border))
    np.testing.assert_array_equal(got, ref[7 - 2 : 7 - 2 + 5])
    assert to_cv2(border) == CV2[border]


def test_pad_is_differentiable_and_keeps_dtype() -> None:
    x = torch.rand(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)
    for border in BORDERS:
        y = pad(x, (6, 2, 1, 7), border)
        assert y.shape == (2, 3, 13, 12) and y.dtype == torch.float64
        y.sum().backward()
    assert torch.autograd.gradcheck(lambda t: pad(t, (4, 5, 6, 3), "symmetric"), (x[:1, :1],))


def test_border_indices_docstring_example() -> None:
    assert border_indices(5, 3, 3, "reflect101").tolist() == [3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1]
    assert border_indices(5, 3, 3, "constant") is None


@pytest.mark.parametrize(
    "alias, name",
    [
        ("mirror", "reflect101"),
        ("BORDER_REFLECT_101", "reflect101"),
        ("edge", "replicate"),
        ("nearest", "replicate"),
        ("circular", "wrap"),
        ("zeros", "constant"),
        (cv2.BORDER_REFLECT, "symmetric"),
        (cv2.BORDER_DEFAULT, "reflect101"),
        (cv2.BORDER_REPLICATE | cv2.BORDER_ISOLATED, "replicate"),
    ],
)
def test_aliases(alias, name: str) -> None:
    assert normalize_border(alias) == name


def test_reflect_is_refused_naming_both_meanings() -> None:
    with pytest.raises(BorderError, match=r"`border` 'reflect' is ambiguous.*reflect101.*symmetric"):
        normalize_border("reflect")


def test_unknown_border_suggests() -> None:
    with pytest.raises(BorderError, match=r"`border` must be one of .*got 'replicat'.*Did you mean 'replicate'"):
        normalize_border("replicat")
    with pytest.raises(BorderError, match=r"got 7"):
        normalize_border(7)
    with pytest.raises(DTypeError, match=r"`border` must be a str.*got 1.5"):
        normalize_border(1.5)


def test_padding_for_opencv_anchor_and_errors() -> None:
    assert padding_for((4, 3)) == (2, 1, 1, 1)
    assert padding_for((4, 6), (0, 5)) == (0, 3, 5, 0)
    with pytest.raises(
        ParameterError, match=r"`anchor` must lie inside the kernel.*got anchor \(row, col\) = \(4, 0\)"
    ):
        padding_for((4, 6), (4, 0))
    with pytest.raises(ParameterError, match=r"`anchor`.*\(0, -1\)"):
        padding_for((3, 3), (0, -1))
    with pytest.raises(ShapeError, match=r"`anchor` must be a \(row, col\) pair"):
        padding_for((3, 3), (1,))
    with pytest.raises(DTypeError, match=r"`anchor` row must be an integer; got 1.0"):
        padding_for((3, 3), (1.0, 1))


def test_pad_errors() -> None:
    with pytest.raises(ParameterError, match=r"`padding` must be 4 integers >= 0.*got \(1, -1, 0, 0\)"):
        pad(torch.zeros(3, 3), (1, -1, 0, 0))
    with pytest.raises(ShapeError, match=r"`x` must have at least 2 dimensions.*\(3,\)"):
        pad(torch.zeros(3), (1, 1, 0, 0))
    with pytest.raises(DTypeError, match=r"`x` must be a torch.Tensor; got ndarray"):
        pad(np.zeros((3, 3)), (1, 1, 1, 1))


# ------------------------------------------------------------------ N-D padding


def _np_pad(x: np.ndarray, pairs, border: str, value: float) -> np.ndarray:
    lead = [(0, 0)] * (x.ndim - len(pairs))
    if border == "constant":
        return np.pad(x, lead + list(pairs), mode="constant", constant_values=value)
    return np.pad(x, lead + list(pairs), mode=to_numpy(border))


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize(
    "shape, pairs",
    [
        ((5,), [(3, 3)]),
        ((1,), [(4, 2)]),
        ((2, 3), [(0, 0)]),
        ((3, 4), [(7, 0)]),
        ((2, 7), [(9, 20)]),
        ((4, 3, 5), [(2, 1), (0, 4), (3, 3)]),
        ((2, 1, 2), [(5, 6), (3, 0), (9, 9)]),
        ((2, 3, 2, 4), [(1, 1), (4, 7), (0, 2)]),
    ],
)
def test_pad_nd_equals_numpy_pad_any_size(border: str, shape, pairs) -> None:
    # numpy's reflect / symmetric keep reflecting past the input, like OpenCV and SciPy.
    x = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    for dtype in (torch.float64, torch.float32, torch.int16):
        got = pad_nd(torch.from_numpy(x).to(dtype), pairs, border, value=-2.0)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.double().numpy(), _np_pad(x, pairs, border, -2.0))


@pytest.mark.parametrize("border", BORDERS)
def test_pad_nd_native_and_gather_paths_agree_in_3d(border: str) -> None:
    # 5-D float input takes torch's own padding where it is exact; a 3-D input of the same data the gather.
    x = torch.rand(1, 1, 6, 5, 7, dtype=torch.float64)
    pairs = [(2, 3), (4, 1), (0, 6)]
    np.testing.assert_array_equal(pad_nd(x, pairs, border).numpy()[0, 0], pad_nd(x[0, 0], pairs, border).numpy())


def test_pad_nd_matches_scipy_extension_in_3d() -> None:
    # scipy.ndimage.correlate with a kernel that is one off-centre tap reads the extended input.
    x = np.random.default_rng(0).random((4, 5, 3))
    for border in BORDERS:
        k = np.zeros((7, 3, 9))
        k[0, 2, 8] = 1.0  # picks x[i - 3, j + 1, l + 4]
        ref = ndi.correlate(x, k, mode=to_scipy(border), cval=1.5)
        padded = pad_nd(torch.from_numpy(x), [(3, 3), (1, 1), (4, 4)], border, value=1.5).numpy()
        np.testing.assert_array_equal(ref, padded[0:4, 2:7, 8:11])


def test_pad_2d_is_pad_nd() -> None:
    x = torch.rand(2, 3, 4, 5)
    for border in BORDERS:
        np.testing.assert_array_equal(pad(x, (6, 1, 2, 9), border).numpy(), pad_nd(x, [(6, 1), (2, 9)], border).numpy())


def test_pad_nd_is_differentiable() -> None:
    x = torch.rand(2, 3, 4, dtype=torch.float64, requires_grad=True)
    for border in BORDERS:
        assert torch.autograd.gradcheck(lambda t, b=border: pad_nd(t, [(3, 5), (1, 0), (6, 2)], b, value=0.5), (x,))


def test_padding_nd() -> None:
    assert padding_nd((4, 3, 5)) == ((2, 1), (1, 1), (2, 2))
    assert padding_nd((6,), 0) == ((0, 5),)
    assert padding_nd((6,), (5,)) == ((5, 0),)
    assert padding_nd((2, 4, 3), (1, 0, 2)) == ((1, 0), (0, 3), (2, 0))
    with pytest.raises(
        ParameterError,
        match=r"`anchor` must lie inside the kernel: depth in \[0, 1\].*got anchor \(depth, row, col\) = \(2, 0, 0\)",
    ):
        padding_nd((2, 4, 3), (2, 0, 0))
    with pytest.raises(ShapeError, match=r"`anchor` must be a \(depth, row, col\) triple or None; got \(1, 1\)"):
        padding_nd((3, 3, 3), (1, 1))
    with pytest.raises(DTypeError, match=r"`anchor` index must be an integer; got 1.5"):
        padding_nd((3,), (1.5,))
    with pytest.raises(ParameterError, match=r"`anchor`.*index in \[0, 2\].*got anchor \(index\) = \(3,\)"):
        padding_nd((3,), 3)


def test_pad_nd_errors() -> None:
    with pytest.raises(ParameterError, match=r"`padding` must be a non-empty sequence of \(before, after\)"):
        pad_nd(torch.zeros(3, 3), [(1, -1)])
    with pytest.raises(ParameterError, match=r"`padding`"):
        pad_nd(torch.zeros(3, 3), [])
    with pytest.raises(ShapeError, match=r"`x` must have at least 3 dimensions to pad its last 3; got shape \(3, 3\)"):
        pad_nd(torch.zeros(3, 3), [(1, 1)] * 3)
    with pytest.raises(DTypeError, match=r"`x` must be a torch.Tensor; got ndarray"):
        pad_nd(np.zeros(3), [(1, 1)])
    with pytest.raises(BorderError, match=r"ambiguous"):
        pad_nd(torch.zeros(3), [(1, 1)], "reflect")
