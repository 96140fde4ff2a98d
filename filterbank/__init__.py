"""filterbank: OpenCV-exact hand-crafted filters as PyTorch layers.

Generate classical kernels exactly as OpenCV and SciPy define them
(:mod:`filterbank.kernels`), apply them with ``cv2.filter2D`` semantics on CPU
or CUDA (:func:`filter2d`), and put them into ``nn.Conv2d`` layers, frozen or
trainable (:class:`FilterConv2d`, :func:`inject`). Signals and volumes likewise:
:func:`filter1d` / :func:`filter3d`, :class:`FilterConv1d` / :class:`FilterConv3d`,
:mod:`filterbank.banks3d`, injection into ``nn.Conv1d`` / ``nn.Conv3d``.
"""

from __future__ import annotations

from . import banks, banks3d, borders, kernels, parametric
from ._device import exact_fp32
from ._errors import (
    BorderError,
    DTypeError,
    FilterbankError,
    ParameterError,
    ShapeError,
    UnknownNameError,
)
from ._threads import set_threads
from .bank import FilterBank
from .functional import filter1d, filter2d, filter3d
from .inject import bake, export_plain, freeze, inject, inject_model, param_groups, unfreeze
from .layers import FilterConv1d, FilterConv2d, FilterConv3d
from .plan.measure import set_planner

__version__ = "0.1.0"

__all__ = [
    "BorderError",
    "DTypeError",
    "FilterBank",
    "FilterConv1d",
    "FilterConv2d",
    "FilterConv3d",
    "FilterbankError",
    "ParameterError",
    "ShapeError",
    "UnknownNameError",
    "__version__",
    "bake",
    "banks",
    "banks3d",
    "borders",
    "exact_fp32",
    "export_plain",
    "filter1d",
    "filter2d",
    "filter3d",
    "freeze",
    "inject",
    "inject_model",
    "kernels",
    "param_groups",
    "parametric",
    "set_planner",
    "set_threads",
    "unfreeze",
]
