"""Pictures: colours mean what the docs say, sizes follow the layout, files are PNG."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from filterbank import DTypeError, FilterBank, ShapeError
from filterbank.viz import diverging, grayscale, kernel_grid, response_grid, save, side_by_side

SOBEL_PAIR = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])


def _coloured(rgb: np.ndarray) -> np.ndarray:
    """Pixels far from gray (the kernel drawing, not background, frame or text)."""
    rgb = rgb.astype(int)
    return (rgb.max(axis=-1) - rgb.min(axis=-1)) > 60


def test_diverging_maps_sign_to_blue_white_red():
    out = diverging(np.array([[-2.0, -1.0, 0.0, 1.0, 2.0]]))[0].tolist()
    assert out[0] == [0, 0, 255]
    assert out[2] == [255, 255, 255]
    assert out[4] == [255, 0, 0]
    assert out[1] == [128, 128, 255]  # half way to blue
    assert diverging(np.zeros((2, 2))).min() == 255  # a zero kernel is white, not NaN


def test_grayscale_min_to_max():
    g = grayscale(np.array([[2.0, 3.0, 4.0]]))
    assert g[0, :, 0].tolist() == [0, 128, 255]
    assert (g[..., 0] == g[..., 1]).all() and (g[..., 1] == g[..., 2]).all()


def test_kernel_grid_sobel_dx_is_blue_left_red_right():
    img = np.asarray(kernel_grid(SOBEL_PAIR, cell=60, cols=2))
    left_cell = img[:, : img.shape[1] // 2]
    mask = _coloured(left_cell)
    rows, cols = np.nonzero(mask)
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    # 3x3 taps drawn at 20 px each: 60 px on each side.
    assert 55 <= bottom - top + 1 <= 61 and 55 <= right - left + 1 <= 61
    third = (right - left + 1) // 3
    kernel = left_cell[top : bottom + 1, left : right + 1].astype(int)
    first, last = kernel[:, : third - 2], kernel[:, -third + 2 :]
    assert (first[..., 2] > first[..., 0] + 100).all(), "negative taps (left column of dx) must be blue"
    assert (last[..., 0] > last[..., 2] + 100).all(), "positive taps (right column of dx) must be red"
    middle = kernel[:, third + 2 : 2 * third - 2]
    assert (middle > 240).all(), "zero taps must be white"


def test_kernel_grid_each_kernel_has_its_own_contrast():
    bank = FilterBank(np.stack([np.full((3, 3), 1e-6), np.full((3, 3), 5.0)]), names=["tiny", "big"])
    img = np.asarray(kernel_grid(bank, cell=30, cols=2))
    half = img.shape[1] // 2
    for cell in (img[:, :half], img[:, half:]):
        assert _coloured(cell).sum() >= 25 * 25  # both fully red, whatever their scale


def test_kernel_grid_sizes_and_layout():
    one_col = kernel_grid(SOBEL_PAIR, cell=64, cols=1)
    two_col = kernel_grid(SOBEL_PAIR, cell=64, cols=2)
    assert two_col.width >= 2 * 64 and two_col.height >= 64
    assert one_col.height > two_col.height and one_col.width < two_col.width
    assert two_col.mode == "RGB"
    # kernels of different sizes (odd, even, non-square) in one picture, each at its own size
    mixed = kernel_grid(
        [
            SOBEL_PAIR,
            FilterBank.from_specs([{"family": "box", "ksize": 4}]),
            ("rect", np.ones((3, 7))),
        ],
        cell=64,
    )
    assert mixed.width >= 4 * 64
    with pytest.raises(ValueError, match="cell"):
        kernel_grid(SOBEL_PAIR, cell=0)


def test_response_grid_layout_and_maps():
    rng = np.random.default_rng(0)
    panels = [(f"p{i}", rng.standard_normal((30, 40))) for i in range(4)] + [("img", rng.random((30, 40)))]
    img = response_grid(panels, cols=2)
    assert img.width >= 2 * 40 and img.height >= 3 * 30
    assert img.width < 3 * 40 + 60  # two columns, not more
    a = np.asarray(img)
    assert _coloured(a).any()  # signed panels: diverging colours
    solo = np.asarray(response_grid([("gray", rng.random((30, 40)))]))
    assert not _coloured(solo).any()  # non-negative panel: gray only
    big = response_grid([("big", np.zeros((600, 300)))], cell_max=100)
    assert big.height < 100 + 60 and big.width >= 50
    with pytest.raises(ShapeError):
        response_grid([("bad", np.zeros((2, 3, 4)))])


def test_side_by_side_sizes_and_diff_panel():
    a = np.linspace(-1.0, 1.0, 48 * 64).reshape(48, 64)
    img = side_by_side(a, a.copy(), "identical")
    assert img.width >= 3 * 64 and img.height >= 48
    arr = np.asarray(img)
    third = img.width // 3
    diff_panel = arr[20:-20, 2 * third + 10 : -10]
    assert (diff_panel.max(axis=-1) < 30).mean() > 0.5  # |diff| = 0 everywhere: black
    with pytest.raises(ShapeError):
        side_by_side(a, a[:, :10])


def test_save_creates_folders_and_writes_png(tmp_path):
    path = save(kernel_grid(SOBEL_PAIR), tmp_path / "a" / "b" / "bank.png")
    assert path.is_file()
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] > 0


def test_kernel_grid_takes_anything_shaped_like_a_bank():
    """viz does not import the bank module: a bank is anything with ``.kernels`` and ``.names``."""

    class Shaped:
        kernels = np.stack([np.eye(3), -np.eye(3)])
        names = ("a", "b")

    bank = FilterBank(Shaped.kernels, names=list(Shaped.names))
    assert np.array_equal(np.asarray(kernel_grid(Shaped())), np.asarray(kernel_grid(bank)))
    # arrays and tensors are named k0, k1, ... as an unnamed FilterBank names them
    unnamed = FilterBank(Shaped.kernels)
    assert np.array_equal(np.asarray(kernel_grid(Shaped.kernels)), np.asarray(kernel_grid(unnamed)))
    assert np.array_equal(np.asarray(kernel_grid(torch.from_numpy(Shaped.kernels))), np.asarray(kernel_grid(unnamed)))
    assert np.array_equal(np.asarray(kernel_grid(np.eye(3))), np.asarray(kernel_grid(FilterBank(np.eye(3)))))
    with pytest.raises(ShapeError, match=r"`kernels` must be \(N, kh, kw\) or \(kh, kw\)"):
        kernel_grid(np.ones(4))
    with pytest.raises(DTypeError, match=r"`kernels` must be real numbers"):
        kernel_grid(np.array([["a"]]))
