"""The packaged sample images and their loaders (filterbank.images): sample(), load_image(s), the script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import filterbank
from filterbank._errors import ParameterError, UnknownNameError
from filterbank.images import IMAGE_SUFFIXES, default_image_dir, load_image, load_images, sample, sample_names

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "filterbank" / "images" / "samples"
SCRIPT = ROOT / "scripts" / "make_images.py"
MAX_BYTES = 600 * 1024

ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*(photo|synthetic)\s*\|", re.MULTILINE)


def readme_table() -> dict[str, str]:
    """Map file name -> kind from the table in filterbank/images/samples/README.md."""
    text = (IMAGES / "README.md").read_text(encoding="utf-8")
    rows = ROW.findall(text)
    table = dict(rows)
    assert len(table) == len(rows), "a file is listed twice in the samples' README.md"
    return table


# ------------------------------------------------------------------ the image folder


def test_default_image_dir_is_the_packaged_samples() -> None:
    # inside the package that is imported (in a wheel install: site-packages), not beside it
    packaged = Path(filterbank.__file__).resolve().parent / "images" / "samples"
    assert default_image_dir() == packaged
    assert packaged.is_dir()
    # the source tree's files (which these tests read) are the ones the package carries
    assert sorted(p.name for p in packaged.glob("*.png")) == sorted(p.name for p in IMAGES.glob("*.png"))
    for p in IMAGES.glob("*.png"):
        assert (packaged / p.name).read_bytes() == p.read_bytes(), p.name


def test_one_copy_of_the_images() -> None:
    """The PNGs live in the package only; the repository's images/ keeps a pointer README."""
    assert sorted(p.name for p in (ROOT / "images").iterdir()) == ["README.md"]
    pointer = (ROOT / "images" / "README.md").read_text(encoding="utf-8")
    assert "filterbank/images/samples/" in pointer and "sample(" in pointer


# -------------------------------------------------------------------------- sample()


def test_sample_names_are_the_packaged_pngs() -> None:
    names = sample_names()
    assert names == sorted(p.stem for p in IMAGES.glob("*.png"))
    assert names == sorted(Path(f).stem for f in readme_table())
    assert {"camera", "astronaut", "zoneplate"} <= set(names)


@pytest.mark.parametrize("name", ["camera", "astronaut", "coffee", "zoneplate"])
def test_sample_equals_the_file_read_by_pillow(name: str) -> None:
    got = sample(name)
    with Image.open(IMAGES / f"{name}.png") as im:
        want = np.asarray(im)
    assert got.dtype == np.uint8 and got.flags.writeable and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, load_image(IMAGES / f"{name}.png"))
    assert got.shape == {"camera": (256, 256), "astronaut": (256, 256, 3), "coffee": (171, 256, 3)}.get(
        name, (200, 200)
    )


def test_sample_returns_a_fresh_array() -> None:
    a = sample("impulse")
    a[:] = 7
    b = sample("impulse")
    assert b[64, 64] == 255 and int(b.sum()) == 255


def test_sample_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError, match="camera") as info:
        sample("camra")
    assert isinstance(info.value, ValueError)
    assert "Did you mean 'camera'" in str(info.value) and "'zoneplate'" in str(info.value)


def test_readme_lists_exactly_the_files_present() -> None:  # and nothing else sits beside the PNGs
    table = readme_table()
    present = {p.name for p in IMAGES.iterdir() if p.name != "README.md"}
    assert set(table) == present


def test_enough_photos_gray_and_rgb() -> None:
    table = readme_table()
    photos = {name: load_image(IMAGES / name) for name, kind in table.items() if kind == "photo"}
    assert len(photos) >= 3
    assert sum(img.ndim == 3 for img in photos.values()) >= 2
    assert any(img.ndim == 2 for img in photos.values())
    for name, img in photos.items():
        assert max(img.shape[:2]) <= 256, name
    synthetic = {name for name, kind in table.items() if kind == "synthetic"}
    assert {"zoneplate.png", "steps.png", "grating.png"} <= synthetic


def test_files_are_8bit_png_without_alpha() -> None:
    for path in IMAGES.glob("*.png"):
        with Image.open(path) as img:
            assert img.format == "PNG", path.name
            assert img.mode in ("L", "RGB"), path.name


def test_folder_is_small() -> None:
    total = sum(p.stat().st_size for p in IMAGES.iterdir())
    assert total <= MAX_BYTES, total


def test_readme_states_licences_and_reduction() -> None:
    text = (IMAGES / "README.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        if ROW.match(line):
            assert "CC0" in line or "Public domain" in line, line
    assert "INTER_AREA" in text and "256" in text


# -------------------------------------------------------------------------- loader


def test_load_images_default_folder() -> None:
    loaded = load_images()
    names = [name for name, _ in loaded]
    assert names == sorted(names)
    assert set(names) == {Path(f).stem for f in readme_table()}
    for name, img in loaded:
        assert img.dtype == np.uint8, name
        assert img.ndim in (2, 3), name
        if img.ndim == 3:
            assert img.shape[2] == 3, name
        assert img.flags.c_contiguous and img.flags.writeable, name


def test_load_image_shapes() -> None:
    camera = load_image(IMAGES / "camera.png")
    assert camera.shape == (256, 256) and camera.dtype == np.uint8
    astronaut = load_image(str(IMAGES / "astronaut.png"))
    assert astronaut.shape == (256, 256, 3) and astronaut.dtype == np.uint8
    coffee = load_image(IMAGES / "coffee.png")
    assert coffee.shape == (171, 256, 3)


def test_load_image_keeps_rgb_order(tmp_path: Path) -> None:
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 0] = 200  # red
    Image.fromarray(rgb, mode="RGB").save(tmp_path / "red.png")
    out = load_image(tmp_path / "red.png")
    np.testing.assert_array_equal(out, rgb)


def test_load_image_converts_modes(tmp_path: Path) -> None:
    gray = np.arange(20, dtype=np.uint8).reshape(4, 5) * 10
    # opaque RGBA -> RGB
    rgba = np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "rgba.png")
    out = load_image(tmp_path / "rgba.png")
    assert out.shape == (4, 5, 3)
    np.testing.assert_array_equal(out[..., 1], gray)
    # opaque LA -> L
    Image.fromarray(gray, mode="L").convert("LA").save(tmp_path / "la.png")
    np.testing.assert_array_equal(load_image(tmp_path / "la.png"), gray)
    # palette -> RGB
    Image.fromarray(gray, mode="L").convert("P").save(tmp_path / "p.png")
    out = load_image(tmp_path / "p.png")
    assert out.shape == (4, 5, 3) and out.dtype == np.uint8
    # bilevel -> 0 / 255
    Image.fromarray(gray > 100).save(tmp_path / "bw.png")
    np.testing.assert_array_equal(load_image(tmp_path / "bw.png"), np.where(gray > 100, 255, 0))


def test_load_image_transparent_rejected(tmp_path: Path) -> None:
    rgba = np.full((3, 3, 4), 255, np.uint8)
    rgba[1, 1, 3] = 0
    path = tmp_path / "holes.png"
    Image.fromarray(rgba, mode="RGBA").save(path)
    with pytest.raises(ParameterError, match=re.escape(str(path))) as info:
        load_image(path)
    assert isinstance(info.value, ValueError)
    assert "transparen" in str(info.value)


def test_load_image_16bit_rejected(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((3, 3), 1000, np.uint16)).save(path)
    with pytest.raises(ParameterError, match=re.escape(str(path))):
        load_image(path)


def test_load_image_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.png"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        load_image(path)


def test_load_image_directory_rejected(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=re.escape(str(tmp_path))):
        load_image(tmp_path)


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_load_image_corrupted_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    with pytest.raises(ParameterError, match=re.escape(str(path))) as info:
        load_image(path)
    assert isinstance(info.value, ValueError)


def test_load_image_truncated_png(tmp_path: Path) -> None:
    data = (IMAGES / "camera.png").read_bytes()
    path = tmp_path / "truncated.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParameterError, match=re.escape(str(path))):
        load_image(path)


def test_load_images_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ParameterError, match=re.escape(str(tmp_path))) as info:
        load_images(tmp_path)
    assert "'*.png'" in str(info.value)
    with pytest.raises(ParameterError, match=r"'\*'"):
        load_images(tmp_path, pattern="*")


def test_load_images_missing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "absent"
    with pytest.raises(FileNotFoundError, match=re.escape(str(folder))):
        load_images(folder)


def test_load_images_star_pattern_takes_known_suffixes(tmp_path: Path) -> None:
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    Image.fromarray(gray).save(tmp_path / "b.png")
    Image.fromarray(gray).save(tmp_path / "a.BMP")
    Image.fromarray(gray).save(tmp_path / "c.tif")
    Image.fromarray(np.dstack([gray] * 3)).save(tmp_path / "d.jpg", quality=95)
    (tmp_path / "README.md").write_text("not an image")
    loaded = load_images(tmp_path, pattern="*")
    assert [name for name, _ in loaded] == ["a", "b", "c", "d"]
    assert {suffix for suffix in (".bmp", ".tif", ".jpg", ".png")} <= IMAGE_SUFFIXES
    np.testing.assert_array_equal(loaded[0][1], gray)
    assert loaded[3][1].shape == (3, 4, 3)
    # the default pattern only takes PNG
    assert [name for name, _ in load_images(tmp_path)] == ["b"]


def test_load_images_duplicate_stems_rejected(tmp_path: Path) -> None:
    gray = np.zeros((2, 2), np.uint8)
    Image.fromarray(gray).save(tmp_path / "x.png")
    Image.fromarray(gray).save(tmp_path / "x.bmp")
    with pytest.raises(ParameterError, match=re.escape(str(tmp_path / "x.bmp"))):
        load_images(tmp_path, pattern="*")


def test_load_images_propagates_bad_file(tmp_path: Path) -> None:
    Image.fromarray(np.zeros((2, 2), np.uint8)).save(tmp_path / "good.png")
    (tmp_path / "zbad.png").write_bytes(b"garbage")
    with pytest.raises(ParameterError, match=re.escape(str(tmp_path / "zbad.png"))):
        load_images(tmp_path)


# ---------------------------------------------------------------- image behaviour


def test_steps_has_vertical_horizontal_and_diagonal_steps() -> None:
    img = load_image(IMAGES / "steps.png").astype(np.int16)
    assert img.shape == (192, 192)
    assert set(np.unique(img)) == {64, 192}
    dx = np.diff(img, axis=1)  # dx[:, c] = img[:, c + 1] - img[:, c]
    dy = np.diff(img, axis=0)
    # vertical step: rising between columns 47 and 48 on rows inside the triangle
    for row in (60, 100, 150):
        cols = np.flatnonzero(dx[row])
        assert cols.tolist() == [47, 224 - row], row
        assert dx[row, 47] == 128 and dx[row, 224 - row] == -128
    # horizontal step: rising between rows 47 and 48
    for col in (60, 100, 150):
        rows = np.flatnonzero(dy[:, col])
        assert rows.tolist() == [47, 224 - col], col
        assert dy[47, col] == 128 and dy[224 - col, col] == -128
    # diagonal step: bright on row + col = 224, dark on row + col = 225
    r = np.arange(50, 175)
    assert np.all(img[r, 224 - r] == 192)
    assert np.all(img[r, 225 - r] == 64)
    # outside the triangle: flat
    assert np.all(img[:47] == 64) and np.all(img[:, :47] == 64)


def test_zoneplate_full_range_and_radial() -> None:
    img = load_image(IMAGES / "zoneplate.png")
    assert img.ndim == 2 and img.min() == 0 and img.max() == 255
    # centre is bright, pattern is symmetric under flips and transposition
    c = img.shape[0] // 2
    assert img[c, c] >= 250
    np.testing.assert_array_equal(img, img[::-1, :])
    np.testing.assert_array_equal(img, img[:, ::-1])
    np.testing.assert_array_equal(img, img.T)


def test_grating_is_periodic() -> None:
    img = load_image(IMAGES / "grating.png").astype(np.int16)
    assert img.ndim == 2 and img.min() == 0 and img.max() == 255
    # matches the documented formula: period 16 px along 30 degrees below the x axis (y downwards)
    a = np.deg2rad(30.0)
    y, x = np.mgrid[0 : img.shape[0], 0 : img.shape[1]]
    model = 127.5 * (1 + np.cos(2 * np.pi * (x * np.cos(a) + y * np.sin(a)) / 16.0))
    assert np.max(np.abs(img - model)) <= 0.5 + 1e-9


# ------------------------------------------------------------------------ the script


def test_script_regenerates_identical_files(tmp_path: Path) -> None:
    pytest.importorskip("skimage")
    pytest.importorskip("cv2")
    out = tmp_path / "regen"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in IMAGES.iterdir())
    photos = {name for name, kind in readme_table().items() if kind == "photo"}
    for path in IMAGES.glob("*.png"):
        new, old = load_image(out / path.name), load_image(path)
        assert new.shape == old.shape, path.name
        # photos: allow 1 grey level for INTER_AREA rounding across OpenCV versions
        tol = 1 if path.name in photos else 0
        assert np.abs(new.astype(np.int16) - old).max() <= tol, path.name
    assert (out / "README.md").read_text(encoding="utf-8") == (IMAGES / "README.md").read_text(encoding="utf-8")
