"""MR8 / MR4 / MRS4 max-response pooling of RFS responses."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from filterbank import ParameterError, ShapeError, UnknownNameError, banks
from filterbank.images import default_image_dir, load_image
from filterbank.pooling import MR4, MR8, MRS4, MaxResponse


def _pool_reference(r: np.ndarray, mode: str) -> dict[str, np.ndarray]:
    """r: (38, H, W) in rfs() order; plain loops over scales and orientations."""
    out = {}
    edge_abs = mode in ("abs", "abs_edge")
    bar_abs = mode == "abs"
    edges, bars = [], []
    for s in range(3):
        e = b = None
        for o in range(6):
            ev = r[s * 6 + o]
            bv = r[18 + s * 6 + o]
            ev = np.abs(ev) if edge_abs else ev
            bv = np.abs(bv) if bar_abs else bv
            e = ev if e is None else np.maximum(e, ev)
            b = bv if b is None else np.maximum(b, bv)
        edges.append(e)
        bars.append(b)
    out["mr8"] = np.stack([*edges, *bars, r[36], r[37]])
    out["mr4"] = np.stack([edges[2], bars[2], r[36], r[37]])
    out["mrs4"] = np.stack([np.maximum.reduce(edges), np.maximum.reduce(bars), r[36], r[37]])
    return out


@pytest.mark.parametrize("mode", ["abs", "signed", "abs_edge"])
def test_pooling_from_responses_matches_loops(mode):
    x = torch.randn(2, 38, 6, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for b in range(2):
        ref = _pool_reference(x[b].numpy(), mode)
        np.testing.assert_array_equal(MR8(mode)(x)[b].numpy(), ref["mr8"])
        np.testing.assert_array_equal(MR4(mode)(x)[b].numpy(), ref["mr4"])
        np.testing.assert_array_equal(MRS4(mode)(x)[b].numpy(), ref["mrs4"])
    # a single (38, H, W) sample is accepted too
    np.testing.assert_array_equal(MR8(mode)(x[0]).numpy(), MR8(mode)(x)[0].numpy())


def test_abs_and_signed_differ_and_mr4_scale():
    x = torch.randn(1, 38, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(MR8("abs")(x), MR8("signed")(x))
    assert (MR8("abs")(x)[:, :6] >= MR8("signed")(x)[:, :6]).all()
    small = MR4(scale=0)(x)
    np.testing.assert_array_equal(small[0, 0].numpy(), x[0, :6].abs().amax(0).numpy())


def test_mr8_from_image_equals_cv2_responses_pooled():
    img = load_image(default_image_dir() / "camera.png")[60:124, 80:144].astype(np.float64) / 255.0
    bank = banks.rfs()
    responses = np.stack([cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT_101) for k in bank.kernels])
    ref = _pool_reference(responses, "abs")
    ours = MR8(from_image=True, dtype=torch.float64)(torch.from_numpy(img)[None, None])[0].numpy()
    assert ours.shape == (8, 64, 64)
    np.testing.assert_allclose(ours, ref["mr8"], rtol=0, atol=1e-12)
    mrs4 = MRS4(from_image=True, dtype=torch.float64)(torch.from_numpy(img)[None])
    np.testing.assert_allclose(mrs4.numpy(), ref["mrs4"], rtol=0, atol=1e-12)


def test_mr8_abs_is_rotation_equivariant():
    """RFS samples 6 orientations at 30 degrees: a 90-degree rotation permutes them, so MR8 commutes with it."""
    img = load_image(default_image_dir() / "camera.png")[100:164, 100:164].astype(np.float64) / 255.0
    mr8 = MR8(from_image=True, dtype=torch.float64)
    a = mr8(torch.from_numpy(img)[None, None])[0].numpy()
    b = mr8(torch.from_numpy(np.rot90(img).copy())[None, None])[0].numpy()
    np.testing.assert_allclose(b, np.rot90(a, axes=(1, 2)), rtol=0, atol=1e-12)


def test_names_grad_and_repr():
    assert MR8().names == ["edge_s1", "edge_s2", "edge_s3", "bar_s1", "bar_s2", "bar_s3", "gauss", "log"]
    assert MRS4().names == ["edge", "bar", "gauss", "log"]
    x = torch.randn(1, 38, 4, 4, requires_grad=True)
    MR8()(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert "variant='mr8'" in repr(MR8())
    layer = MR8(from_image=True)
    assert not layer.filters.weight.requires_grad


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: MR8()(torch.zeros(1, 37, 4, 4)), ShapeError, r"`x` must be RFS responses \(B, 38, H, W\)"),
        (lambda: MR8(from_image=True)(torch.zeros(1, 3, 4, 4)), ShapeError, r"\(B, 1, H, W\)"),
        (lambda: MR8("max"), UnknownNameError, r"`mode` must be one of 'abs', 'abs_edge', 'signed'"),
        (lambda: MaxResponse("mr6"), UnknownNameError, r"Did you mean 'mr8'"),
        (lambda: MR4(scale=3), ParameterError, r"`scale` must be in \[0, 2\]; got 3"),
    ],
)
def test_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
