"""Small classical sets: the DCT-II basis, Laws' masks, Kirsch's compass masks, and the Prewitt, Sobel and Scharr pairs.

The DCT, Laws and Kirsch kernels are the :mod:`filterbank.kernels.texture` families;
their specs keep the names written by filterbank 0.1 (``"banks.dct"``,
``"banks.laws"``, ``"banks.kirsch"``), which the kernel registry resolves.
"""

from __future__ import annotations

from .._validate import as_int, size_pair
from ..bank import FilterBank
from ..kernels.texture import KIRSCH_DIRECTIONS, LAWS_VECTORS
from ._common import bank_of

__all__ = ["dct", "kirsch", "laws", "prewitt", "scharr", "sobel"]


def dct(ksize: int | tuple[int, int] = 8) -> FilterBank:
    """The 2-D DCT-II basis (orthonormal): ``h * w`` kernels.

    Parameters
    ----------
    ksize : int or (int, int)
        Block size ``(height, width)``, or one int.

    Returns
    -------
    FilterBank
        Kernel ``(u, v)`` is ``outer(D_h[u], D_w[v])`` with
        ``D[u, i] = a(u) cos(pi (2 i + 1) u / 2n)`` (``scipy.fft.dct(norm="ortho")``);
        row-major over ``(u, v)``, ``u`` the vertical frequency. Names ``dct_u{u}_v{v}``.
        Correlating a block with kernel ``(u, v)`` gives its DCT coefficient
        ``(u, v)``, so ``filter2d`` at a pixel returns the coefficients of the
        block whose tap ``(kh // 2, kw // 2)`` sits on it.

    Examples
    --------
    >>> b = dct(4)
    >>> len(b), b.names[1]
    (16, 'dct_u0_v1')
    """
    h, w = size_pair("ksize", ksize)
    items = [
        (f"dct_u{u}_v{v}", {"family": "banks.dct", "ksize": [h, w], "u": u, "v": v}) for u in range(h) for v in range(w)
    ]
    return bank_of(items)


def laws() -> FilterBank:
    """Laws' 25 texture-energy masks (5x5), outer products of L5, E5, S5, W5, R5.

    Returns
    -------
    FilterBank
        Mask ``AB`` (name ``laws_A B`` written ``laws_L5E5``) is ``outer(A, B)``:
        ``A`` varies down the rows, ``B`` along the columns, with
        ``L5 = [1 4 6 4 1]``, ``E5 = [-1 -2 0 2 1]``, ``S5 = [-1 0 2 0 -1]``,
        ``W5 = [-1 2 0 -2 1]``, ``R5 = [1 -4 6 -4 1]``; order L5, E5, S5, W5, R5
        for ``A`` (outer loop) and ``B``.

    Notes
    -----
    Laws convolved the image with the masks; the kernels are the masks rotated by
    180 degrees, so ``filter2d`` equals ``conv2(img, outer(A, B), 'same')``. A mask
    with exactly one odd factor (E5 or W5) therefore appears negated; energy
    measures (absolute or squared responses) are unaffected.

    References
    ----------
    K. I. Laws, "Textured image segmentation", PhD thesis, USC, 1980.

    Examples
    --------
    >>> b = laws()
    >>> len(b), b.names[1]
    (25, 'laws_L5E5')
    """
    order = list(LAWS_VECTORS)
    items = [(f"laws_{a}{b}", {"family": "banks.laws", "rows": a, "cols": b}) for a in order for b in order]
    return bank_of(items)


def kirsch() -> FilterBank:
    """Kirsch's 8 compass masks (3x3), as templates (correlation).

    Returns
    -------
    FilterBank
        ``kirsch_n`` = ``[[5, 5, 5], [-3, 0, -3], [-3, -3, -3]]`` and its rotations by
        45 degrees counter-clockwise on screen: n, nw, w, sw, s, se, e, ne. Mask
        ``d`` gives its largest positive response where the side ``d`` is brighter.

    Notes
    -----
    The set is closed under 180-degree rotation (n <-> s, ...), so convolution
    would only permute the names; the masks are stored as templates, as Kirsch
    applied them.

    References
    ----------
    R. A. Kirsch, "Computer determination of the constituent structure of
    biological images", Computers and Biomedical Research 4(3), 1971.

    Examples
    --------
    >>> kirsch().names
    ['kirsch_n', 'kirsch_nw', 'kirsch_w', 'kirsch_sw', 'kirsch_s', 'kirsch_se', 'kirsch_e', 'kirsch_ne']
    """
    return bank_of([(f"kirsch_{d}", {"family": "banks.kirsch", "direction": d}) for d in KIRSCH_DIRECTIONS])


def prewitt() -> FilterBank:
    """The Prewitt pair ``[prewitt_x, prewitt_y]`` (``kernels.prewitt(1, 0)``, ``(0, 1)``; SciPy's).

    Examples
    --------
    >>> prewitt().names
    ['prewitt_x', 'prewitt_y']
    """
    return FilterBank.from_specs(
        [{"family": "prewitt", "dx": 1, "dy": 0}, {"family": "prewitt", "dx": 0, "dy": 1}],
        names=["prewitt_x", "prewitt_y"],
    )


def sobel(ksize: int = 3, normalize: bool = False) -> FilterBank:
    """The Sobel pair ``[sobel_x, sobel_y]``, OpenCV's (``cv2.Sobel`` dx=1 / dy=1).

    Parameters
    ----------
    ksize : int
        Odd aperture 1..31 (OpenCV's).
    normalize : bool
        OpenCV's ``getDerivKernels(normalize=...)``.

    Examples
    --------
    >>> sobel().kernels[0].tolist()
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
    """
    k = as_int("ksize", ksize)
    specs = [
        {"family": "sobel", "dx": 1, "dy": 0, "ksize": k, "normalize": bool(normalize)},
        {"family": "sobel", "dx": 0, "dy": 1, "ksize": k, "normalize": bool(normalize)},
    ]
    return FilterBank.from_specs(specs, names=["sobel_x", "sobel_y"])


def scharr(normalize: bool = False) -> FilterBank:
    """The Scharr pair ``[scharr_x, scharr_y]``, OpenCV's (``cv2.Scharr``).

    Examples
    --------
    >>> scharr().kernels[0, 0].tolist()
    [-3.0, 0.0, 3.0]
    """
    specs = [
        {"family": "scharr", "dx": 1, "dy": 0, "normalize": bool(normalize)},
        {"family": "scharr", "dx": 0, "dy": 1, "normalize": bool(normalize)},
    ]
    return FilterBank.from_specs(specs, names=["scharr_x", "scharr_y"])
