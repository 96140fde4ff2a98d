"""Compare learned filters with fixed ones: drift, catalog matches, Gabor fits, bank similarity.

Every function accepts a :class:`~filterbank.FilterBank`, a numpy array or a
torch tensor (any dtype, any device; converted once to float64 numpy):

* ``(kh, kw)``: one kernel;
* ``(N, kh, kw)``: ``N`` kernels;
* ``(N, C, kh, kw)``: an ``nn.Conv2d`` weight, ``N`` output channels.

Measures on whole filters (:func:`drift`, :func:`bank_similarity`) flatten a
multi-input-channel weight per output channel: filter ``n`` is the vector
``weight[n].ravel()`` of length ``C * kh * kw``, so its cosine and norm count
every input channel. Measures against 2-D catalog kernels
(:func:`nearest_catalog`, :func:`fit_gabor`, :func:`comparison_figure`) need
one input channel; reduce a ``C > 1`` weight first, for example with
``weight.mean(1)`` (the luminance response of an RGB filter) or
``weight.reshape(-1, kh, kw)`` (every input channel as its own filter).

Similarity conventions:

* :func:`drift` and :func:`bank_similarity` use the plain cosine of the raw
  weights (the DC component counts, a blur and its negation are opposite);
  :func:`bank_similarity` can remove each filter's mean with ``zero_mean=True``.
* :func:`nearest_catalog` and :func:`fit_gabor` compare shapes: each kernel's
  mean is removed and the rest scaled to unit norm, and the match is up to
  sign. A learned filter then matches a catalog kernel whatever its gain and
  DC offset; the squared score is the ``R^2`` of the best fit
  ``a * catalog + b`` to the learned kernel.

The measures live one concern per module: :mod:`~filterbank.analysis.drift`,
:mod:`~filterbank.analysis.dictionary`, :mod:`~filterbank.analysis.nearest`,
:mod:`~filterbank.analysis.similarity`, :mod:`~filterbank.analysis.fit` and
:mod:`~filterbank.analysis.figure`; every name is importable from here.

Examples
--------
>>> from filterbank import kernels
>>> d = drift(kernels.sobel(1, 0), 2 * kernels.sobel(1, 0))
>>> float(d.cosine[0]), float(d.relative_change[0])
(1.0, 1.0)
"""

from __future__ import annotations

from .dictionary import default_dictionary, gabor_dictionary, gaussian_jet_dictionary
from .drift import Drift, drift
from .figure import comparison_figure
from .fit import GaborFit, fit_gabor
from .nearest import CatalogMatch, nearest_catalog
from .similarity import BankMatch, bank_similarity

__all__ = [
    "BankMatch",
    "CatalogMatch",
    "Drift",
    "GaborFit",
    "bank_similarity",
    "comparison_figure",
    "default_dictionary",
    "drift",
    "fit_gabor",
    "gabor_dictionary",
    "gaussian_jet_dictionary",
    "nearest_catalog",
]
