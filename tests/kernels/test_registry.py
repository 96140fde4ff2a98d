"""Tests of filterbank.kernels' registry: names, signatures, checked calls, the 0.1 spec names."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from filterbank import kernels as K
from filterbank._errors import DTypeError, UnknownNameError
from filterbank._registry import Registry

REGISTRY_CALLS = {
    "gaussian": {"ksize": (3, 5), "sigma": 1.0},
    "gaussian_1d": {"ksize": 5},
    "gaussian_derivative": {"ksize": 7, "sigma": 1.2, "dx": 0, "dy": 1},
    "sobel": {"dx": 1, "dy": 0, "ksize": 5},
    "scharr": {"dx": 0, "dy": 1},
    "prewitt": {"dx": 1, "dy": 0},
    "laplacian": {"ksize": 3},
    "log": {"ksize": None, "sigma": 1.0},
    "dog": {"ksize": None, "sigma_low": 1.0, "sigma_high": 2.0},
    "gabor": {"ksize": (5, 7), "sigma": 2.0, "theta": 0.3, "lambd": 4.0},
    "box": {"ksize": (2, 3)},
    "average": {"ksize": (2, 3)},
    "disk": {"radius": 2.0},
    "motion": {"length": 7, "angle": 30},
    "fspecial_laplacian": {"alpha": 0.2},
    "unsharp": {"alpha": 0.2},
    "fspecial_log": {"ksize": 5, "sigma": 0.5},
    "vgg_oriented": {"size": 9, "sigma": 1.0, "order": 1, "angle": 0.5},
    "vgg_gaussian": {"size": 9, "sigma": 1.5},
    "vgg_log": {"size": 9, "sigma": 1.5},
    "schmid": {"size": 9, "sigma": 2.0, "tau": 1.0},
    "dct": {"ksize": (3, 4), "u": 1, "v": 2},
    "laws": {"rows": "E5", "cols": "S5"},
    "kirsch": {"direction": "se"},
    "random_kernel": {"n": 3, "ksize": (2, 3), "seed": 5, "kind": "normal", "index": 1},
    "gaussian_nd": {"ksize": None, "sigma": (1.0, 0.8, 1.2), "order": (0, 1, 2)},
    "log_nd": {"ksize": None, "sigma": 1.0, "ndim": 3},
    "sobel_nd": {"ndim": 3, "axis": 1},
    "prewitt_nd": {"ndim": 1, "axis": 0},
    "box_nd": {"ksize": (2, 3, 4)},
    "gabor3d": {"ksize": 7, "sigma": 2.0, "theta": 0.3, "phi": 1.0, "lambd": 4.0},
}

#: The spec family names filterbank 0.1 wrote for the families it kept in ``filterbank.banks``.
LEGACY = {
    "banks.vgg_oriented": "vgg_oriented",
    "banks.vgg_gaussian": "vgg_gaussian",
    "banks.vgg_log": "vgg_log",
    "banks.schmid": "schmid",
    "banks.dct": "dct",
    "banks.laws": "laws",
    "banks.kirsch": "kirsch",
    "banks.random": "random_kernel",
}


def test_registry_get_and_names():
    assert K.names() == sorted(REGISTRY_CALLS)
    assert K.names("gauss*") == ["gaussian", "gaussian_1d", "gaussian_derivative", "gaussian_nd"]
    assert K.names("nothing*") == []
    for name, params in REGISTRY_CALLS.items():
        direct = getattr(K, name)(**params)
        np.testing.assert_array_equal(K.get(name, **params), direct)
        assert isinstance(K.signature(name), inspect.Signature)
    assert set(K.__all__) >= set(REGISTRY_CALLS) | {"get", "names", "signature", "sobel_1d"}


def test_registry_is_the_one_registry_type():
    assert isinstance(K.REGISTRY, Registry)
    assert K.REGISTRY.kind == "kernel family"
    assert K.REGISTRY.names() == K.names()


@pytest.mark.parametrize(("old", "new"), sorted(LEGACY.items()))
def test_legacy_spec_names_are_aliases(old, new):
    params = REGISTRY_CALLS[new]
    np.testing.assert_array_equal(K.get(old, **params), getattr(K, new)(**params))
    assert K.signature(old) == K.signature(new)
    assert old not in K.names()


def test_registry_errors():
    with pytest.raises(UnknownNameError, match=r"`kernel family` must be one of .*'sobl'.*Did you mean 'sobel'"):
        K.get("sobl", dx=1, dy=0)
    with pytest.raises(DTypeError, match=r"kernel family 'gaussian' got an unexpected keyword `sigm`"):
        K.get("gaussian", ksize=3, sigm=1.0)
    with pytest.raises(DTypeError, match=r"kernel family 'gabor' is missing the keyword `lambd`"):
        K.get("gabor", ksize=3, sigma=1.0, theta=0.0)
    with pytest.raises(DTypeError, match=r"`kernel family` must be a str; got 3"):
        K.get(3)
    with pytest.raises(UnknownNameError, match=r"'banks.vgg_orientd'.*Did you mean 'vgg_oriented'"):
        K.get("banks.vgg_orientd", size=3)
    with pytest.raises(DTypeError, match=r"kernel family 'random_kernel' is missing the keyword `index`"):
        K.get("banks.random", n=2, ksize=3, seed=0, kind="normal")
