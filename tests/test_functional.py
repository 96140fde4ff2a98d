"""functional: filter2d adapts numpy and torch input around the core, and refuses bad input by name, rule and value."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import BorderError, DTypeError, FilterBank, ParameterError, ShapeError, filter2d, kernels
from filterbank.functional import as_kernel_tensor
from tests.conftest import cv2_reference

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


def test_unknown_method_names_the_argument() -> None:
    with pytest.raises(ValueError, match=r"method"):
        filter2d(IMG, K, method="winograd")


def test_kernel_on_another_device_is_refused() -> None:
    with pytest.raises(DTypeError, match=r"`kernel` is on cpu but `image` is on meta"):
        filter2d(torch.zeros(4, 4, device="meta"), torch.ones(3, 3))


def test_kernel_like_inputs_agree() -> None:
    """A nested list, a numpy array, a tensor and a FilterBank holding the same taps give the same output."""
    img = np.random.default_rng(2).random((9, 11)).astype(np.float32)
    k = kernels.sobel(1, 0, 3)
    ref = cv2_reference(img, k, "reflect101")
    bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}])
    for kernel in (k.tolist(), k, torch.from_numpy(k), bank):
        out = filter2d(img, kernel)
        if out.ndim == 3:  # a FilterBank is a bank of one: (H, W, 1)
            out = out[..., 0]
        np.testing.assert_array_equal(out, ref)


def test_torch_shapes_follow_the_channel_layout() -> None:
    bank = np.stack([kernels.box(3), kernels.sobel(0, 1, 3)])  # N = 2
    x = torch.rand(4, 3, 10, 12, dtype=torch.float64)  # (B, C, H, W)
    y = filter2d(x, bank)
    assert y.shape == (4, 6, 10, 12)
    # channel c * N + n is input channel c filtered by kernel n
    for c in range(3):
        for n in range(2):
            single = filter2d(x[:, c], bank[n])
            assert torch.allclose(y[:, c * 2 + n], single, rtol=0, atol=1e-12)  # float64: plans may differ
    assert filter2d(x, bank[0]).shape == x.shape  # one kernel: the input's shape
    assert filter2d(x[0, 0], bank).shape == (2, 10, 12)  # (H, W) with a bank: (N, H, W)


def test_as_kernel_tensor_keeps_the_graph_and_converts_from_float64() -> None:
    k = torch.rand(3, 3, dtype=torch.float64, requires_grad=True)
    t = as_kernel_tensor(k, dtype=torch.float32)
    assert t.shape == (1, 3, 3) and t.dtype == torch.float32 and t.requires_grad
    third = np.full((1, 3), 1.0 / 3.0)
    assert as_kernel_tensor(third, dtype=torch.float32)[0, 0, 0].item() == np.float32(1.0 / 3.0)


def test_auto_decision_for_a_torch_method_is_cached_and_not_estimated_again(monkeypatch) -> None:
    """A CPU call that ``auto`` sends to a torch method is decided once per (kernel, shape, dtype, keywords):
    a repeated call runs the chosen method forced, without a second cost estimate, with the same result."""
    from filterbank import plan
    from filterbank.plan import opencv

    opencv.clear_plans()
    x = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    bank = np.random.default_rng(1).standard_normal((32, 15, 15))  # many kernels on a tiny image: not OpenCV
    first = filter2d(x, bank)
    calls = []
    real = plan.choose
    monkeypatch.setattr(plan, "choose", lambda *a, **k: calls.append(k.get("method", "auto")) or real(*a, **k))
    again = filter2d(x, bank)
    assert calls == []  # no estimate on the repeated call
    torch.testing.assert_close(again, first, rtol=0, atol=0)
    kt = torch.from_numpy(bank).float()[None]
    choice = real((1, 1, 46, 46), kt, opencv=(torch.float32, torch.float32))[0]
    assert choice in plan.METHODS and choice != "opencv"
    torch.testing.assert_close(again, filter2d(x, bank, method=choice), rtol=0, atol=0)
