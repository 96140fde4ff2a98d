"""filterbank.bench.workloads: inputs from the packaged samples, the cv2 reference, contenders, errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from filterbank import UnknownNameError, kernels
from filterbank.bench.workloads import WORKLOADS, _build_v1, _build_v2, build, gabor_bank, images, lm_bank, photo
from filterbank.images import sample, sample_names


def test_images_are_resized_samples_in_name_order():
    names = sample_names()
    got = images(len(names) + 1, 32, color=True)
    assert got.shape == (len(names) + 1, 32, 32, 3) and got.dtype == np.float32
    first = sample(names[0])
    first = first if first.ndim == 3 else cv2.cvtColor(first, cv2.COLOR_GRAY2RGB)
    want = cv2.resize(first, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32) / np.float32(255.0)
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_array_equal(got[len(names)], want[:, ::-1])  # the second pass is mirrored
    gray = images(2, 16, color=False)
    assert gray.shape == (2, 16, 16) and 0.0 <= gray.min() and gray.max() <= 1.0


def test_gabor_bank_is_opencv_gabor_kernels():
    bank = gabor_bank()
    assert bank.shape == (32, 31, 31) and bank.dtype == np.float64
    for idx, (sigma, i) in enumerate((s, i) for s in (2.0, 3.0, 4.5, 6.0) for i in range(8)):
        want = cv2.getGaborKernel((31, 31), sigma, i * np.pi / 8, 2.0 * sigma, 0.5, 0.0, ktype=cv2.CV_64F)
        np.testing.assert_allclose(bank[idx], want, rtol=0, atol=1e-15)


def test_lm_bank_is_the_package_bank():
    bank, src = lm_bank()
    assert bank.shape == (48, 49, 49) and src == "filterbank.banks.lm()"


def test_w1_reference_and_every_contender_agree_with_opencv():
    w = build("W1", torch.device("cpu"))
    assert w.key == "W1" and w.reference.shape == (16, 4, 224, 224)
    imgs = images(16, 224, color=False)
    ks = [np.outer(*reversed(cv2.getDerivKernels(dx, dy, k))).astype(np.float32) for dx, dy, k in
          ((1, 0, 3), (0, 1, 3), (1, 0, -1), (0, 1, -1))]  # fmt: skip
    for b in (0, 15):
        for n, k in enumerate(ks):
            want = cv2.filter2D(imgs[b], -1, k, borderType=cv2.BORDER_REFLECT_101)
            np.testing.assert_array_equal(w.reference[b, n], want)
    # tolerance: 1e-6 x the largest kernel's absolute sum (Scharr: 3 + 10 + 3 on each side = 32) x max |image| (1)
    assert w.tol == pytest.approx(1e-6 * 32)
    names = [c.name for c in w.contenders]
    assert names[:3] == ["filterbank filter2d (auto)", "cv2.filter2D loop", "cv2.sepFilter2D loop"]
    assert "torch F.conv2d (direct)" in names and "scipy ndimage.correlate loop" in names
    for c in w.contenders:
        out = c.fn()
        if c.to_numpy is not None:
            assert np.abs(c.to_numpy(out) - w.reference).max() <= w.tol, c.name
    assert w.targets == [("at least 1.5x faster than the cv2.filter2D loop", "cv2.filter2D loop", 1.5)]
    assert w.info["auto_method"] in w.info["estimates_ms"]


def test_unknown_workload_names_the_known_ones():
    assert WORKLOADS == ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "V1", "V2")
    with pytest.raises(UnknownNameError, match="W10") as info:
        build("W10", torch.device("cpu"))
    assert "'W1'" in str(info.value) and "'V2'" in str(info.value)


@pytest.mark.parametrize("key", ["W6", "W7", "W8"])
def test_single_image_workloads_are_opencv_bit_for_bit(key):
    """W6-W8: one numpy image; filterbank's output must equal cv2.filter2D exactly (tolerance 0)."""
    w = build(key, torch.device("cpu"))
    assert w.tol == 0.0
    h, width = {"W6": (1080, 1920), "W7": (1080, 1920), "W8": (32, 32)}[key]
    assert w.reference.shape == (1, 3 if key == "W7" else 1, h, width)
    names = [c.name for c in w.contenders]
    assert names[:2] == ["filterbank filter2d (auto)", "cv2.filter2D"]
    assert ("cv2.sepFilter2D" in names) == (key == "W7")
    for c in w.contenders:
        err = np.abs(c.to_numpy(c.fn()) - w.reference).max()
        if c.name != "cv2.sepFilter2D":
            assert err == 0.0, c.name
        else:  # sepFilter2D sums in another order: not bit-identical, within one grey level
            assert err <= 1.0
    # W7's reference is cv2.filter2D of the RGB image written out here
    if key == "W7":
        img = photo(1080, 1920, color=True)
        ref = cv2.filter2D(img, -1, kernels.gaussian(5, 1.1), borderType=cv2.BORDER_REFLECT_101)
        np.testing.assert_array_equal(w.reference[0], ref.transpose(2, 0, 1))


def test_w9_peers_and_target():
    w = build("W9", torch.device("cpu"))
    assert w.reference.shape == (64, 9, 256, 256)
    assert [c.name for c in w.contenders] == [
        "filterbank filter2d (auto)",
        "cv2.filter2D loop",
        "torch F.conv2d (direct)",
    ]
    assert w.targets[0][1:] == ("*", 1.2)
    peer = w.contenders[1].fn()
    np.testing.assert_array_equal(peer, w.reference)  # the preallocated loop is cv2.filter2D itself


@pytest.mark.parametrize("key", ["V1", "V2"])
def test_volume_workloads_are_within_tolerance(key):
    # The 3-D workloads at a small size (the harness runs 160^3 and 96^3): every contender with an
    # output is within the workload's tolerance of the SciPy / float64 reference.
    w = (_build_v1 if key == "V1" else _build_v2)(torch.device("cpu"), 24)
    assert w.contenders[0].name == w.ours == "filterbank filter3d (auto)"
    assert w.info["auto_method"] == ("separable" if key == "V1" else "fft")
    for c in w.contenders:
        out = c.fn()
        if c.to_numpy is not None:
            assert np.abs(c.to_numpy(out) - w.reference).max() <= w.tol, c.name
    peers = {peer for _, peer, _ in w.targets}
    names = {c.name for c in w.contenders}
    assert peers - names <= {"kornia filter3d"}  # kornia is optional (the bench extra)
