"""Differentiable torch generators equal to the numpy catalog, and a module that holds their parameters.

The functions :func:`gabor`, :func:`gaussian`, :func:`gaussian_derivative`,
:func:`log` and :func:`dog` (:mod:`~filterbank.parametric.generators`) build
the same kernels as their namesakes in :mod:`filterbank.kernels` (float64:
equal to 1e-12), from tensors, so that gradients reach ``sigma``, ``theta``,
``lambd``, ``gamma``, ``psi``, ... Sizes are plain ints, fixed when the graph
is built, so every shape is static (``torch.compile(fullgraph=True)``,
``torch.export`` and ONNX see constants).

:class:`GaussianGeneratorND` (:mod:`~filterbank.parametric.nd`) does the same for
1-D and 3-D banks of ``gaussian_nd`` / ``log_nd`` kernels (one learnable sigma per
kernel and axis).

:class:`KernelGenerator` (:mod:`~filterbank.parametric.module`) turns a
:class:`~filterbank.FilterBank` built from those families into an ``nn.Module``
whose forward returns the ``(N, kh, kw)`` kernels, with one ``nn.Parameter``
per parameter name (positive ones stored as logarithms: ``log_sigma``, ...).

Both read one table, :data:`~filterbank.parametric.families.TABLE`: per family
its parameters, which are positive, its size rule and its core.
:data:`GENERATORS` looks the generators up by name.

Examples
--------
>>> import torch
>>> sorted(FAMILIES) == GENERATORS.names()
True
>>> gabor(5, 1.5, 0.0, 4.0, dtype=torch.float64).shape
torch.Size([5, 5])
"""

from __future__ import annotations

from .families import FAMILIES, PARAMETERS, POSITIVE
from .generators import GENERATORS, dog, gabor, gaussian, gaussian_derivative, log
from .module import KernelGenerator
from .nd import FAMILIES_ND, GaussianGeneratorND

__all__ = [
    "FAMILIES",
    "FAMILIES_ND",
    "GENERATORS",
    "PARAMETERS",
    "POSITIVE",
    "GaussianGeneratorND",
    "KernelGenerator",
    "dog",
    "gabor",
    "gaussian",
    "gaussian_derivative",
    "log",
]
