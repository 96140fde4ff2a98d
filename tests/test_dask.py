"""filterbank.dask: chunked filter2d equals the in-memory filter2d; the Zarr writer; bad input.

The reference is the in-memory :func:`filterbank.filter2d` (itself checked against
``cv2.filter2D`` in test_parity), plus ``scipy.ndimage.correlate`` for the five borders
on a cut image, as an independent check of the halo recipe.
"""

from __future__ import annotations

import json
import pickle

import dask
import dask.array as da
import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
import zarr

import filterbank
from filterbank import _errors
from filterbank import dask as fd
from filterbank.parity import tolerance

BORDERS = ("reflect101", "symmetric", "replicate", "constant", "wrap")
# odd square, even non-square, tall and thin, larger than a chunk (chunks below are 8 x 10)
KSIZES = ((5, 5), (4, 6), (7, 2), (15, 9))
RNG = np.random.default_rng(12)


def _image(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    if dtype == np.uint8:
        return RNG.integers(0, 256, shape).astype(np.uint8)
    if dtype == np.uint16:
        return RNG.integers(0, 65536, shape).astype(np.uint16)
    if dtype == np.int16:
        return RNG.integers(-3000, 3000, shape).astype(np.int16)
    return RNG.random(shape).astype(dtype)


def _anchors(ks: tuple[int, int]) -> list[tuple[int, int] | None]:
    """OpenCV's default, the first tap and the last tap: the two one-sided halos."""
    return [None, (0, 0), (ks[0] - 1, ks[1] - 1)]


def _lazy(img: np.ndarray, chunks: tuple[int, int]) -> da.Array:
    return da.from_array(img, chunks=chunks + img.shape[2:])


def _compute(x: da.Array) -> np.ndarray:
    return x.compute(scheduler="synchronous")


# ------------------------------------------------------------------------------- exact equality
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("ksize", KSIZES)
def test_every_border_anchor_and_kernel_shape_is_exact(border: str, ksize: tuple[int, int]) -> None:
    img = _image((26, 33), np.float32)
    k = RNG.standard_normal(ksize)
    value = 0.75 if border == "constant" else 0.0  # a value means something with `constant` only
    for anchor in _anchors(ksize):
        ref = filterbank.filter2d(img, k, border=border, anchor=anchor, value=value, method="direct")
        lazy = fd.filter2d(_lazy(img, (8, 10)), k, border=border, anchor=anchor, value=value, method="direct")
        assert isinstance(lazy, da.Array)
        got = _compute(lazy)
        assert got.shape == ref.shape and got.dtype == ref.dtype
        np.testing.assert_array_equal(got, ref, err_msg=f"{border} {ksize} anchor {anchor}")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.float32, np.float64])
def test_dtypes_channels_and_banks(dtype: type) -> None:
    cases = [((27, 31), RNG.standard_normal((4, 6))), ((27, 31), RNG.standard_normal((3, 5, 4)))]
    cases.append(((27, 31, 3), RNG.standard_normal((2, 6, 5))))
    for i, (shape, k) in enumerate(cases):
        img = _image(shape, dtype)
        if img.dtype.kind in "iu":
            k = k / np.abs(k).sum(axis=(-2, -1), keepdims=True)  # responses inside the integer range
        border, anchor = BORDERS[i % 5], (1, 0) if i == 1 else None
        ref = filterbank.filter2d(img, k, border=border, anchor=anchor, method="direct")
        got = _compute(fd.filter2d(_lazy(img, (9, 8)), k, border=border, anchor=anchor, method="direct"))
        assert got.shape == ref.shape and got.dtype == ref.dtype == img.dtype
        if dtype == np.float64:
            # float64 goes through torch's im2col + GEMM convolution, whose rounding depends on the
            # input's shape (measured up to 4e-14 * sum|k| * max|img| between a block and the whole
            # image, see the Notes of filter2d); the float64 rounding unit is 1.1e-16 per tap.
            bound = 1e-13 * np.abs(k).sum(axis=(-2, -1)).max() * np.abs(img).max()
            assert np.abs(got - ref).max() <= bound
        else:
            np.testing.assert_array_equal(got, ref)


def test_out_dtype_and_rounding_follow_opencv() -> None:
    img = _image((30, 28), np.uint8)
    k = np.full((3, 4), 1 / 12)
    for out in (np.float32, np.int16, np.uint8):
        ref = filterbank.filter2d(img, k, out_dtype=out, method="direct")
        got = _compute(fd.filter2d(_lazy(img, (7, 9)), k, out_dtype=out, method="direct"))
        assert got.dtype == ref.dtype == np.dtype(out)
        np.testing.assert_array_equal(got, ref)


def test_scipy_reference_on_a_cut_image() -> None:
    # REFERENCE.md section 6: scipy.ndimage.correlate with mode map and origin = anchor - k // 2.
    img = RNG.random((37, 53)).astype(np.float64)
    k = RNG.standard_normal((4, 6))
    modes = {"reflect101": "mirror", "symmetric": "reflect", "replicate": "nearest", "constant": "constant"}
    modes["wrap"] = "wrap"
    for border, mode in modes.items():
        for anchor in ((0, 5), (3, 2)):
            origin = (anchor[0] - 4 // 2, anchor[1] - 6 // 2)
            value = 0.5 if border == "constant" else 0.0
            ref = ndi.correlate(img, k, mode=mode, cval=value, origin=origin)
            got = _compute(fd.filter2d(_lazy(img, (10, 12)), k, border=border, anchor=anchor, value=value))
            np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12, err_msg=border)


def test_kernel_larger_than_chunks_merges_them_and_larger_than_image_is_exact() -> None:
    img = _image((40, 45, 2), np.float32)
    k = RNG.standard_normal((2, 15, 9))
    lazy = fd.filter2d(_lazy(img, (4, 4)), k, border="wrap", method="direct")
    assert min(lazy.chunks[0]) > 7 and min(lazy.chunks[1]) > 4  # merged past the halo (7, 4)
    np.testing.assert_array_equal(_compute(lazy), filterbank.filter2d(img, k, border="wrap", method="direct"))
    small = _image((20, 25), np.float32)
    big = RNG.standard_normal((25, 30))  # larger than the image on both axes
    for border in BORDERS:
        ref = filterbank.filter2d(small, big, border=border, method="direct")
        got = _compute(fd.filter2d(_lazy(small, (8, 8)), big, border=border, method="direct"))
        np.testing.assert_array_equal(got, ref, err_msg=border)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_small_kernels_on_single_channel_blocks_are_exact(dtype: type) -> None:
    # torch's CPU conv takes its shape-dependent GEMM path for 1-channel float32 inputs of at most
    # 20480 elements with a kernel side <= 3: small blocks of a larger image are widened past that.
    img = _image((150, 160), dtype)
    for k in (RNG.standard_normal((3, 3)) / 9, RNG.standard_normal((1, 3)) / 3, RNG.standard_normal((2, 7, 2)) / 14):
        ref = filterbank.filter2d(img, k, method="direct")
        got = _compute(fd.filter2d(_lazy(img, (30, 37)), k, method="direct"))
        np.testing.assert_array_equal(got, ref)
    tiny = _image((40, 50), dtype)  # one block: the in-memory call itself is on the GEMM path
    lazy = fd.filter2d(_lazy(tiny, (10, 10)), np.ones((3, 3)) / 9, method="direct")
    assert lazy.numblocks == (1, 1)
    np.testing.assert_array_equal(_compute(lazy), filterbank.filter2d(tiny, np.ones((3, 3)) / 9, method="direct"))


def test_auto_method_runs_the_in_memory_choice_within_the_parity_bound() -> None:
    img = RNG.random((70, 90, 3)).astype(np.float32)
    bank = filterbank.banks.gabor(sigmas=2.0, orientations=2)  # 2 x 25 x 25 taps: past the DFT threshold
    ref = filterbank.filter2d(img, bank)
    got = _compute(fd.filter2d(_lazy(img, (32, 40)), bank))
    for n, kernel in enumerate(bank.kernels):
        bound = tolerance(kernel, 1.0, "float32")
        assert np.abs(got[..., n :: len(bank)] - ref[..., n :: len(bank)]).max() <= bound


# ------------------------------------------------------------------------------- laziness, pickling
def test_lazy_and_block_sized_tasks() -> None:
    def explode(block: np.ndarray) -> np.ndarray:
        raise RuntimeError("computed")

    x = da.from_array(np.zeros((64, 64), np.float32), chunks=16).map_blocks(explode, dtype=np.float32)
    y = fd.filter2d(x, np.ones((5, 5)))  # builds the graph only
    with pytest.raises(RuntimeError, match="computed"):
        _compute(y)
    # every task's result is at most one block with its halo (x 2 kernels): nothing holds the whole image
    source = da.random.default_rng(0).random((64, 80), chunks=(16, 20), dtype=np.float32)
    lazy = fd.filter2d(source, np.ones((2, 5, 5)))
    sizes: list[int] = []

    class Sizes(dask.callbacks.Callback):
        def _posttask(self, key, result, dsk, state, worker_id) -> None:
            if isinstance(key, tuple):  # block tasks; not compute()'s final concatenation
                sizes.append(int(getattr(result, "size", 0)))

    with Sizes():
        _compute(lazy)
    assert len(sizes) > 16 and max(sizes) == 16 * 20 * 2  # the largest: an output block


def test_same_inputs_give_the_same_keys() -> None:
    x = _lazy(_image((30, 30), np.float32), (10, 10))
    assert fd.filter2d(x, np.ones((3, 5))).name == fd.filter2d(x, np.ones((3, 5))).name
    assert fd.filter2d(x, np.ones((3, 5))).name != fd.filter2d(x, 2 * np.ones((3, 5))).name
    assert fd.filter2d(x, np.ones((3, 5))).name != fd.filter2d(x, np.ones((3, 5)), border="wrap").name


def test_graph_pickles_without_cloudpickle() -> None:
    lazy = fd.filter2d(_lazy(_image((30, 30), np.uint8), (10, 10)), filterbank.banks.gabor(orientations=1))
    graph = dict(lazy.__dask_graph__())
    again = pickle.loads(pickle.dumps(graph))
    assert again.keys() == graph.keys()


def test_bad_input_to_filter2d() -> None:
    x = _lazy(_image((30, 30, 3), np.uint8), (10, 10))
    with pytest.raises(_errors.DTypeError, match=r"dask\.array\.from_array"):
        fd.filter2d(np.zeros((4, 4), np.float32), np.ones((3, 3)))
    with pytest.raises(_errors.ShapeError, match=r"\(H, W\) or \(H, W, C\)"):
        fd.filter2d(da.zeros((2, 8, 8, 3), chunks=4), np.ones((3, 3)))
    with pytest.raises(_errors.ShapeError, match="channel axis must be a single chunk"):
        fd.filter2d(x.rechunk((10, 10, 1)), np.ones((3, 3)))
    with pytest.raises(_errors.BorderError, match="ambiguous"):
        fd.filter2d(x, np.ones((3, 3)), border="reflect")
    with pytest.raises(_errors.ParameterError, match="anchor"):
        fd.filter2d(x, np.ones((3, 3)), anchor=(3, 0))
    with pytest.raises(_errors.DTypeError, match="dtype"):
        fd.filter2d(x.astype(np.int32), np.ones((3, 3)))
    with pytest.raises(_errors.ParameterError, match="device"):
        fd.filter2d(x, np.ones((3, 3)), device="tpu")
    with pytest.raises(_errors.ParameterError, match="means nothing with border='wrap'"):
        fd.filter2d(x, np.ones((3, 3)), border="wrap", value=1.0)
    with pytest.raises(_errors.ShapeError, match="height and a width >= 1"):
        fd.filter2d(da.zeros((0, 8), chunks=4), np.ones((3, 3)))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error where CUDA is absent")
def test_cuda_absent_is_a_clear_error_where_blocks_run() -> None:
    lazy = fd.filter2d(_lazy(_image((20, 20), np.float32), (10, 10)), np.ones((3, 3)), device="cuda")
    with pytest.raises(_errors.ParameterError, match=r"torch.cuda.is_available\(\) is False"):
        _compute(lazy)


@pytest.mark.cuda
def test_cuda_blocks_match_the_in_memory_cuda_call() -> None:
    img = RNG.random((64, 72, 3)).astype(np.float32)
    k = RNG.standard_normal((4, 7, 6))
    ref = filterbank.filter2d(torch.from_numpy(img).permute(2, 0, 1).cuda(), k, method="direct")
    ref = ref.permute(1, 2, 0).cpu().numpy()
    got = _compute(fd.filter2d(_lazy(img, (20, 24)), k, method="direct", device="cuda"))
    # cuDNN may pick a different algorithm per block shape: float32 rounding, not bit equality.
    bound = 1e-6 * np.abs(k).sum(axis=(-2, -1)).max()
    assert np.abs(got - ref).max() <= bound


# ------------------------------------------------------------------------------- Zarr
def test_apply_to_zarr_values_attributes_and_completion(tmp_path) -> None:
    img = _image((45, 52, 3), np.uint8)
    bank = filterbank.banks.gabor(sigmas=1.0, orientations=2)
    seen: list[tuple[int, int, bool, bool]] = []
    out = tmp_path / "resp.zarr"

    def progress(done: int, total: int) -> None:
        # the array being written, wherever it is now (renamed to `out` once its last block is in)
        partial = [p for p in tmp_path.iterdir() if p.name.startswith(".resp.zarr.partial-")]
        attrs = json.loads(((partial[0] if partial else out) / "zarr.json").read_text())["attributes"]
        seen.append((done, total, out.exists(), attrs["complete"]))

    path = fd.apply_to_zarr(img, bank, out, chunk=16, method="direct", progress=progress)
    assert path == out
    # 13 x 13 taps, halo 6: rows (16, 16, 13); columns (16, 16, 16, 4) -> the last merged: (16, 16, 20)
    assert [s[:2] for s in seen] == [(i, 9) for i in range(1, 10)]
    # while writing: no `out`, and the temporary array says complete: false; after the last block both
    assert [s[2:] for s in seen] == [(False, False)] * 8 + [(True, True)]
    z = zarr.open_array(out, mode="r")
    assert z.shape == (45, 52, 3 * len(bank)) and z.chunks == (16, 16, 3 * len(bank)) and z.dtype == np.float32
    np.testing.assert_array_equal(z[:], filterbank.filter2d(img, bank, out_dtype=np.float32, method="direct"))
    attrs = dict(z.attrs)
    assert attrs["complete"] is True
    assert attrs["bank_names"] == bank.names and attrs["bank_specs"] == json.loads(json.dumps(bank.specs))
    assert attrs["border"] == "reflect101" and attrs["anchor"] == [bank.ksize[0] // 2, bank.ksize[1] // 2]
    assert attrs["filterbank_version"] == filterbank.__version__
    assert [p.name for p in tmp_path.iterdir()] == ["resp.zarr"]


def test_apply_to_zarr_refuses_an_existing_output_and_force_replaces_it(tmp_path) -> None:
    img = _image((20, 24), np.float32)
    out = tmp_path / "r.zarr"
    fd.apply_to_zarr(img, np.ones((3, 3)), out, chunk=8)
    with pytest.raises(_errors.OutputExistsError, match="force"):
        fd.apply_to_zarr(img, np.ones((3, 3)), out, chunk=8)
    with pytest.raises(FileExistsError):
        fd.apply_to_zarr(img, np.ones((3, 3)), out, chunk=8)
    fd.apply_to_zarr(img, 2 * np.ones((2, 3, 3)), out, chunk=8, force=True, border="wrap")
    z = zarr.open_array(out, mode="r")
    assert z.shape == (20, 24, 2) and z.attrs["border"] == "wrap" and z.attrs["complete"] is True
    np.testing.assert_array_equal(z[..., 1], filterbank.filter2d(img, 2 * np.ones((3, 3)), border="wrap"))


def test_a_failed_write_leaves_nothing_that_looks_complete(tmp_path) -> None:
    def fail_late(block: np.ndarray, block_info=None) -> np.ndarray:
        if block_info[0]["chunk-location"] == (2, 2):
            raise RuntimeError("disk full")
        return block

    x = da.from_array(_image((48, 48), np.float32), chunks=16).map_blocks(fail_late, dtype=np.float32)
    with pytest.raises(RuntimeError, match="disk full"):
        fd.apply_to_zarr(x, np.ones((3, 3)), tmp_path / "r.zarr", chunk=16, scheduler="synchronous")
    assert list(tmp_path.iterdir()) == []


def test_many_images_as_one_set_of_tasks(tmp_path) -> None:
    imgs = [_image((30, 41), np.float32), _image((25, 20, 3), np.uint16)]
    k = RNG.standard_normal((2, 5, 4))
    items = [(imgs[0], tmp_path / "a.zarr"), (imgs[1], tmp_path / "b.zarr", {"source": "b.tif"})]
    done: list[tuple[int, int]] = []
    outs = fd.apply_many_to_zarr(items, k, chunk=10, method="direct", progress=lambda i, n: done.append((i, n)))
    assert outs == [tmp_path / "a.zarr", tmp_path / "b.zarr"]
    assert done == [(i, 12 + 6) for i in range(1, 19)]  # 3 x 4 blocks and 3 x 2 blocks
    for img, out in zip(imgs, outs, strict=True):
        z = zarr.open_array(out, mode="r")
        np.testing.assert_array_equal(z[:], filterbank.filter2d(img, k, out_dtype=np.float32, method="direct"))
    assert zarr.open_array(outs[1], mode="r").attrs["source"] == "b.tif"
    with pytest.raises(_errors.ParameterError, match="named by two items"):
        fd.apply_many_to_zarr([(imgs[0], tmp_path / "c.zarr"), (imgs[1], tmp_path / "c.zarr")], k, chunk=10)

    def fail(block: np.ndarray, block_info=None) -> np.ndarray:
        if block_info[0]["chunk-location"][:2] == (1, 1):
            raise RuntimeError("unreadable tile")
        return block

    bad = da.from_array(imgs[0], chunks=10).map_blocks(fail, dtype=np.float32)
    items = [(imgs[1], tmp_path / "d.zarr"), (bad, tmp_path / "e.zarr")]
    with pytest.raises(RuntimeError, match="unreadable tile"):
        fd.apply_many_to_zarr(items, k, chunk=10, scheduler="synchronous")
    left = {p.name for p in tmp_path.iterdir()} - {"a.zarr", "b.zarr"}
    assert left <= {"d.zarr"}  # the failed image left nothing; the other is absent or complete
    if left:
        assert zarr.open_array(tmp_path / "d.zarr", mode="r").attrs["complete"] is True


def test_apply_to_zarr_bad_input(tmp_path) -> None:
    img = _image((40, 40, 3), np.uint8)
    k = np.ones((9, 9))
    with pytest.raises(_errors.ParameterError, match=r"`chunk` must be >= 1; got 0"):
        fd.apply_to_zarr(img, k, tmp_path / "a.zarr", chunk=0)
    with pytest.raises(_errors.ParameterError, match="halo of 4 rows"):
        fd.apply_to_zarr(img, k, tmp_path / "a.zarr", chunk=4)
    fd.apply_to_zarr(img, k, tmp_path / "ok.zarr", chunk=5)  # one more than the halo is enough
    with pytest.raises(_errors.UnknownNameError, match="scheduler"):
        fd.apply_to_zarr(img, k, tmp_path / "a.zarr", chunk=16, scheduler="thread")
    with pytest.raises(_errors.SchedulerError, match="did not answer within 1 s"):
        fd.apply_to_zarr(img, k, tmp_path / "a.zarr", chunk=16, scheduler="tcp://127.0.0.1:9", connect_timeout=1)
    with pytest.raises(_errors.ShapeError, match="channel axis"):
        fd.apply_to_zarr(da.from_array(img, chunks=(20, 20, 1)), k, tmp_path / "a.zarr", chunk=16)
    with pytest.raises(_errors.ShapeError, match=r"\(H, W\) or \(H, W, C\)"):
        fd.apply_to_zarr(np.zeros((2, 8, 8, 3), np.uint8), k, tmp_path / "a.zarr", chunk=16)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.zarr"]


# ------------------------------------------------------------------------------- a cluster of processes
def test_local_cluster_of_worker_processes(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    img = _image((60, 70, 3), np.uint8)
    bank = filterbank.banks.gabor(sigmas=1.0, orientations=2)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, worker_dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        ref = filterbank.filter2d(img, bank, method="direct")
        got = client.compute(fd.filter2d(_lazy(img, (20, 24)), bank, method="direct")).result()
        np.testing.assert_array_equal(got, ref)
        done: list[int] = []
        fd.apply_to_zarr(
            img,
            bank,
            tmp_path / "r.zarr",
            chunk=24,
            method="direct",
            scheduler=client,
            progress=lambda i, n: done.append(i),
        )
        assert sorted(done) == list(range(1, 10))
        assert len(client.scheduler_info()["workers"]) == 2
    z = zarr.open_array(tmp_path / "r.zarr", mode="r")
    np.testing.assert_array_equal(z[:], filterbank.filter2d(img, bank, out_dtype=np.float32, method="direct"))
