"""filter2d refuses bad input with a message naming the argument, the rule and the value."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import BorderError, DTypeError, ParameterError, ShapeError, filter2d, kernels

IMG = np.zeros((8, 9), np.float32)
K = kernels.box(3)


@pytest.mark.parametrize(
    "image, kernel, kwargs, error, pattern",
    [
        (IMG, K, {"border": "reflect"}, BorderError, r"'reflect' is ambiguous"),
        (IMG, K, {"border": "mirorr"}, BorderError, r"got 'mirorr'. Did you mean 'mirror'"),
        (IMG, K, {"anchor": (3, 0)}, ParameterError, r"`anchor` must lie inside the kernel.*\(3, 0\)"),
        (IMG, np.array([[1.0, np.inf]]), {}, ParameterError, r"`kernel` must contain only finite values; got inf"),
        (IMG, torch.tensor([[np.nan, 1.0]]), {}, ParameterError, r"`kernel` must contain only finite values; got nan"),
        (IMG, np.ones(3), {}, ShapeError, r"`kernel` must be \(kh, kw\) or a bank \(N, kh, kw\).*got shape \(3,\)"),
        (IMG, np.ones((0, 3)), {}, ShapeError, r"non-empty; got shape \(0, 3\)"),
        (IMG, np.ones((3, 3), np.complex64), {}, DTypeError, r"`kernel` must have a real float or integer dtype"),
        (
            np.zeros(5, np.float32),
            K,
            {},
            ShapeError,
            r"`image` as numpy must be \(H, W\) or \(H, W, C\); got shape \(5,\)",
        ),
        (np.zeros((2, 3, 4, 5), np.float32), K, {}, ShapeError, r"got shape \(2, 3, 4, 5\)"),
        (np.zeros((4, 4), np.int32), K, {}, DTypeError, r"`image` dtype must be one of uint8.*got int32"),
        (np.zeros((4, 4), np.float16), K, {}, DTypeError, r"got float16"),
        (torch.zeros(4, dtype=torch.float32), K, {}, ShapeError, r"`image` as a tensor must be \(\.\.\., H, W\)"),
        (torch.zeros(4, 4, dtype=torch.int32), K, {}, DTypeError, r"`image` dtype must be floating, uint8 or int16"),
        ([[1.0, 2.0]], K, {}, DTypeError, r"`image` must be a numpy.ndarray or a torch.Tensor; got list"),
        (IMG, K, {"value": float("nan")}, ParameterError, r"`value` must be finite; got nan"),
        (IMG, K, {"out_dtype": np.int32}, DTypeError, r"`out_dtype` must be one of.*got int32"),
        (torch.zeros(4, 4), K, {"out_dtype": np.float32}, DTypeError, r"`out_dtype` must be a floating.*torch dtype"),
    ],
)
def test_filter2d_errors(image, kernel, kwargs, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        filter2d(image, kernel, **kwargs)


def test_errors_are_standard_exceptions() -> None:
    with pytest.raises(ValueError):
        filter2d(IMG, K, border="reflect")
    with pytest.raises(TypeError):
        filter2d(np.zeros((4, 4), np.int32), K)


def test_nothing_is_converted_silently() -> None:
    # Input dtype is kept (ddepth=-1), shapes are kept, and a kernel is never flipped.
    img = np.zeros((5, 5), np.uint8)
    img[2, 2] = 100
    k = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])  # correlation: picks the right neighbour
    out = filter2d(img, k)
    assert out.dtype == np.uint8 and out.shape == img.shape
    assert out[2, 1] == 100 and out[2, 3] == 0
