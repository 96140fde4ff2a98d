"""``FilterBank`` and what it is made of: the core class, kernel specs, the file format.

- :mod:`filterbank.bank.core`: :class:`FilterBank` (size policy, selection,
  normalisation, resizing, pictures) and :func:`as_bank`;
- :mod:`filterbank.bank.specs`: the JSON specs that regenerate kernels
  (:func:`kernel_from_spec`, :func:`spec_name`, normalisations, the regeneration check);
- :mod:`filterbank.bank.fileformat`: the pickle-free ``.npz`` format (:data:`FORMAT`,
  :data:`FORMAT_VERSION`), written atomically.

Every name that ``filterbank.bank`` had as a module is still importable from here.

Examples
--------
>>> from filterbank.bank import FilterBank, kernel_from_spec
>>> FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}]).names
['sobel_dx1_dy0']
"""

from __future__ import annotations

from .._errors import BankFileError
from .core import FilterBank, as_bank
from .fileformat import FORMAT, FORMAT_VERSION
from .specs import NORMALIZATIONS, VERIFY_RTOL, kernel_from_spec, spec_name

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "NORMALIZATIONS",
    "VERIFY_RTOL",
    "BankFileError",
    "FilterBank",
    "as_bank",
    "kernel_from_spec",
    "spec_name",
]
