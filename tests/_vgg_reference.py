"""The VGG texture filters written out from makeLMfilters.m, makeSfilters.m, makeRFSfilters.m (REFERENCE.md section 3).

Plain loops in VGG's orientation (y up, applied by ``conv2``); filterbank stores the
kernels rotated by 180 degrees. Shared by tests/kernels/test_vgg.py and tests/banks/test_vgg.py.
"""

from __future__ import annotations

import math

import numpy as np

from filterbank.images import default_image_dir, load_image

SUP = 49
R2 = math.sqrt(2)


def _vgg_points(sup: int = SUP):
    """[x, y] = meshgrid(-h:h, h:-1:-h): element (i, j) has x = j - h, y = h - i."""
    h = (sup - 1) // 2
    pts = []
    for i in range(sup):
        row = []
        for j in range(sup):
            row.append((float(j - h), float(h - i)))
        pts.append(row)
    return pts


def _g1(sigma, x, order):
    var = sigma * sigma
    g = math.exp(-x * x / (2 * var)) / math.sqrt(math.pi * 2 * var)
    if order == 1:
        return -g * x / var
    if order == 2:
        return g * (x * x - var) / (var * var)
    return g


def normalise(f):
    f = f - f.mean()
    return f / np.abs(f).sum()


def vgg_makefilter(scale, order, angle, sup=SUP):
    c, s = math.cos(angle), math.sin(angle)
    f = np.zeros((sup, sup))
    for i, row in enumerate(_vgg_points(sup)):
        for j, (x, y) in enumerate(row):
            px = c * x - s * y
            py = s * x + c * y
            f[i, j] = _g1(3 * scale, px, 0) * _g1(scale, py, order)
    return normalise(f)


def fspecial_gaussian(sup, sigma):
    h = np.zeros((sup, sup))
    for i, row in enumerate(_vgg_points(sup)):
        for j, (x, y) in enumerate(row):
            h[i, j] = math.exp(-(x * x + y * y) / (2 * sigma * sigma))
    h[h < np.finfo(float).eps * h.max()] = 0
    return h / h.sum()


def fspecial_log(sup, sigma):
    g = fspecial_gaussian(sup, sigma)
    h1 = np.zeros((sup, sup))
    for i, row in enumerate(_vgg_points(sup)):
        for j, (x, y) in enumerate(row):
            h1[i, j] = g[i, j] * (x * x + y * y - 2 * sigma**2) / sigma**4
    return h1 - h1.sum() / (sup * sup)


def _vgg_oriented(scales):
    edges, bars = [], []
    for s in scales:
        for k in range(6):
            a = math.pi * k / 6
            edges.append(vgg_makefilter(s, 1, a))
            bars.append(vgg_makefilter(s, 2, a))
    return edges + bars


def vgg_lm(size):
    scalex = [R2**1, R2**2, R2**3] if size == "large" else [1.0, R2, 2.0]
    scales = [R2**1, R2**2, R2**3, R2**4] if size == "large" else [1.0, R2, 2.0, 2 * R2]
    out = _vgg_oriented(scalex)
    for s in scales:
        out += [
            normalise(fspecial_gaussian(SUP, s)),
            normalise(fspecial_log(SUP, s)),
            normalise(fspecial_log(SUP, 3 * s)),
        ]
    return np.stack(out)


def vgg_schmid():
    out = []
    params = [(2, 1), (4, 1), (4, 2), (6, 1), (6, 2), (6, 3), (8, 1), (8, 2), (8, 3), (10, 1), (10, 2), (10, 3)]
    params.append((10, 4))
    for sigma, tau in params:
        f = np.zeros((SUP, SUP))
        for i, row in enumerate(_vgg_points()):
            for j, (x, y) in enumerate(row):
                r = math.sqrt(x * x + y * y)
                f[i, j] = math.cos(r * math.pi * tau / sigma) * math.exp(-r * r / (2 * sigma * sigma))
        out.append(normalise(f))
    return np.stack(out)


def vgg_rfs():
    out = _vgg_oriented([1.0, 2.0, 4.0])
    out += [normalise(fspecial_gaussian(SUP, 10.0)), normalise(fspecial_log(SUP, 10.0))]
    return np.stack(out)


_REF = {}


def reference(name):
    if name not in _REF:
        _REF[name] = {"lm_large": lambda: vgg_lm("large"), "lm_small": lambda: vgg_lm("small")}.get(
            name, {"schmid": vgg_schmid, "rfs": vgg_rfs}.get(name)
        )()
    return _REF[name]


def crop(size=64, r0=90, c0=100):
    img = load_image(default_image_dir() / "camera.png")
    return img[r0 : r0 + size, c0 : c0 + size].astype(np.float64) / 255.0
