"""Sample images shipped with filterbank, and a loader for any 8-bit image file.

The package carries nine small public-domain / CC0 images as package data
(``filterbank/images/samples/``: four photographs and five synthetic patterns;
sources and licences in ``samples/README.md``, rebuilt by ``scripts/make_images.py``).
They are installed with the wheel, so :func:`sample` and :func:`load_images` work
from any folder, without a checkout.

Images are returned as ``uint8`` arrays of shape ``(H, W)`` (grayscale) or
``(H, W, 3)`` in **RGB** order (not OpenCV's BGR). :func:`synthetic_volume`
generates a float32 test volume (3-D parity table, 3-D benchmarks).

Examples
--------
>>> from filterbank.images import load_images, sample, sample_names
>>> sample_names()[:3]
['astronaut', 'camera', 'checkerboard']
>>> sample("camera").shape, sample("camera").dtype
((256, 256), dtype('uint8'))
>>> images = dict(load_images())
>>> images["astronaut"].shape
(256, 256, 3)
"""

from __future__ import annotations

import io
import os
import sys
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from filterbank._errors import ParameterError, UnknownNameError
from filterbank.images.volumes import synthetic_volume

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = [
    "IMAGE_SUFFIXES",
    "default_image_dir",
    "load_image",
    "load_images",
    "sample",
    "sample_names",
    "synthetic_volume",
]

IMAGE_SUFFIXES: frozenset[str] = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"})
"""File suffixes (lower case) picked up by :func:`load_images` when ``pattern="*"``."""

_SAMPLES = "samples"


def _samples() -> Traversable:
    """The packaged ``samples`` folder as an :mod:`importlib.resources` traversable."""
    return resources.files(__name__).joinpath(_SAMPLES)


def sample_names() -> list[str]:
    """Names of the sample images shipped with the package, sorted.

    Returns
    -------
    list of str
        File stems of the packaged PNG files (``"camera"`` for ``camera.png``).

    Examples
    --------
    >>> from filterbank.images import sample_names
    >>> sample_names()
    ['astronaut', 'camera', 'checkerboard', 'chelsea', 'coffee', 'grating', 'impulse', 'steps', 'zoneplate']
    """
    return sorted(entry.name[: -len(".png")] for entry in _samples().iterdir() if entry.name.endswith(".png"))


def sample(name: str) -> np.ndarray:
    """Read one packaged sample image through :mod:`importlib.resources`.

    Parameters
    ----------
    name : str
        One of :func:`sample_names`, e.g. ``"camera"`` (gray photograph), ``"astronaut"``
        (RGB photograph) or ``"zoneplate"`` (synthetic pattern).

    Returns
    -------
    numpy.ndarray
        A new, writeable ``uint8`` array, ``(H, W)`` or ``(H, W, 3)`` RGB, equal to
        ``load_image(default_image_dir() / f"{name}.png")``.

    Raises
    ------
    UnknownNameError
        If ``name`` is not a sample (the message lists them and suggests the closest).

    Examples
    --------
    >>> from filterbank.images import sample
    >>> sample("coffee").shape
    (171, 256, 3)
    """
    known = sample_names()
    if name not in known:
        raise UnknownNameError("name", name, known)
    data = _samples().joinpath(f"{name}.png").read_bytes()
    return _decode(io.BytesIO(data), f"sample {name!r}")


def default_image_dir() -> Path:
    """Return the folder of the packaged sample images.

    Returns
    -------
    pathlib.Path
        ``<site-packages or checkout>/filterbank/images/samples``: the PNG files of
        :func:`sample_names` and their ``README.md`` (sources and licences). It is
        installed with the package, so it exists in a wheel install as in a checkout
        (a zip-imported package has no folder on disk: use :func:`sample` there).

    Examples
    --------
    >>> from filterbank.images import default_image_dir
    >>> (default_image_dir() / "camera.png").is_file()
    True
    """
    return Path(__file__).resolve().parent / _SAMPLES


def _drop_opaque_alpha(img: Image.Image, label: str) -> Image.Image:
    """Return ``img`` (mode ``LA`` or ``RGBA``) without its alpha band if it is fully opaque."""
    alpha = np.asarray(img.getchannel("A"))
    if alpha.size and int(alpha.min()) < 255:
        n = int(np.count_nonzero(alpha < 255))
        raise ParameterError(
            f"image {label} has transparency ({n} of {alpha.size} pixels have alpha < 255); "
            "filterbank needs opaque grayscale or RGB images, so flatten it first"
        )
    return img.convert("L" if img.mode == "LA" else "RGB")


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one image file into a ``uint8`` array.

    The file is read with Pillow (first frame only for multi-frame files; EXIF
    orientation is applied, as ``cv2.imread`` does). Modes are converted explicitly:

    * ``L`` -> ``(H, W)``; ``1`` (bilevel) -> ``(H, W)`` with values 0 / 255;
    * ``RGB`` -> ``(H, W, 3)``; ``P`` (palette), ``CMYK``, ``YCbCr``, ``LAB``, ``HSV``
      -> ``(H, W, 3)`` RGB;
    * ``LA``, ``RGBA``, ``PA`` and palette images with a transparent colour: the alpha
      band is dropped if every pixel is fully opaque (alpha 255), otherwise
      :class:`~filterbank._errors.ParameterError` is raised;
    * any other mode (16-bit ``I;16``, 32-bit ``I``, float ``F``) raises
      :class:`~filterbank._errors.ParameterError`: convert such files to 8 bit first.

    Parameters
    ----------
    path : str or os.PathLike
        The image file.

    Returns
    -------
    numpy.ndarray
        A new, writeable, C-contiguous ``uint8`` array, ``(H, W)`` or ``(H, W, 3)`` RGB.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (the message names it).
    ParameterError
        If ``path`` is not a regular file, cannot be decoded as an image, is
        transparent, or has a mode that is not 8 bit per channel (the message names it).

    Examples
    --------
    >>> from filterbank.images import default_image_dir, load_image
    >>> img = load_image(default_image_dir() / "coffee.png")
    >>> img.shape, img.dtype
    ((171, 256, 3), dtype('uint8'))
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"image file {str(path)!r} does not exist")
    if not path.is_file():
        raise ParameterError(f"`path` must be an image file; {str(path)!r} is not a regular file")
    with open(path, "rb") as f:
        return _decode(f, f"file {str(path)!r}")


def _open(source: IO[bytes], label: str) -> Image.Image:
    """Decode the first frame of an image, EXIF orientation applied."""
    try:
        with Image.open(source) as opened:
            opened.load()
            img = ImageOps.exif_transpose(opened)
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ParameterError(f"cannot read image {label}: {exc}") from exc
    return img


def _decode(source: IO[bytes], label: str) -> np.ndarray:
    """Decode an image (``label`` names it in errors) into ``uint8`` ``(H, W)`` or ``(H, W, 3)``."""
    img = _open(source, label)
    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode == "PA":
        img = img.convert("RGBA")
    elif mode == "1":
        img = img.convert("L")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        img = img.convert("RGB")
    if img.mode in ("LA", "RGBA"):
        img = _drop_opaque_alpha(img, label)
    if img.mode not in ("L", "RGB"):
        raise ParameterError(
            f"image {label} has Pillow mode {mode!r}; only 8-bit grayscale or colour images are "
            "supported (modes L, RGB, P, 1, LA, RGBA, PA, CMYK, YCbCr, LAB, HSV)"
        )
    return np.array(img, dtype=np.uint8, order="C")


def load_images(
    directory: str | os.PathLike[str] | None = None, *, pattern: str = "*.png"
) -> list[tuple[str, np.ndarray]]:
    """Load every image in a folder, sorted by file name.

    Parameters
    ----------
    directory : str, os.PathLike or None, optional
        The folder to read (not recursive). ``None`` (default) means
        :func:`default_image_dir`.
    pattern : str, optional
        A :meth:`pathlib.Path.glob` pattern for the file names, default ``"*.png"``.
        Every regular file that matches is loaded. The special value ``"*"`` loads
        every file whose suffix (any case) is one of ``.png``, ``.jpg``, ``.jpeg``,
        ``.bmp``, ``.tif``, ``.tiff`` (:data:`IMAGE_SUFFIXES`) and skips the rest,
        such as ``README.md``.

    Returns
    -------
    list of (str, numpy.ndarray)
        ``(stem, image)`` pairs sorted by file name, where ``stem`` is the file name
        without its suffix (``"camera"`` for ``camera.png``) and ``image`` is what
        :func:`load_image` returns.

    Raises
    ------
    FileNotFoundError
        If ``directory`` does not exist.
    ParameterError
        If ``directory`` is not a folder, no file matches ``pattern`` (the message
        names the folder and the pattern), two matching files share a stem (e.g.
        ``a.png`` and ``a.jpg`` with ``pattern="*"``), or a file cannot be loaded.

    Examples
    --------
    >>> from filterbank.images import load_images
    >>> [name for name, _ in load_images()][:3]
    ['astronaut', 'camera', 'checkerboard']
    >>> [name for name, _ in load_images(pattern="c*.png")]
    ['camera', 'checkerboard', 'chelsea', 'coffee']
    """
    folder = default_image_dir() if directory is None else Path(directory)
    if not folder.exists():
        raise FileNotFoundError(f"image folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise ParameterError(f"`directory` must be a folder; {str(folder)!r} is not one")
    files = [p for p in folder.glob(pattern) if p.is_file()]
    if pattern == "*":
        files = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        what = f"image files ({', '.join(sorted(IMAGE_SUFFIXES))})" if pattern == "*" else "files"
        raise ParameterError(f"no {what} matching pattern {pattern!r} in folder {str(folder)!r}")
    files.sort(key=lambda p: (p.name, str(p)))
    seen: dict[str, Path] = {}
    for p in files:
        if p.stem in seen:
            raise ParameterError(
                f"files {str(seen[p.stem])!r} and {str(p)!r} share the name {p.stem!r}; use a narrower `pattern`"
            )
        seen[p.stem] = p
    return [(p.stem, load_image(p)) for p in files]
