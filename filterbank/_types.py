"""Type aliases shared by the public signatures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import numpy as np
import numpy.typing as npt
import torch

if TYPE_CHECKING:  # pragma: no cover - FilterBank sits above this layer; the alias names it lazily
    from .bank import FilterBank

__all__ = ["OPENCV_DFT_TAPS", "ArrayLike", "KernelLike"]

#: Anything numpy turns into an array of numbers.
ArrayLike = npt.ArrayLike

#: A kernel ``(kh, kw)`` or a bank ``(N, kh, kw)``: a numpy array (or nested lists), a tensor, or a FilterBank.
KernelLike = Union[np.ndarray, torch.Tensor, "FilterBank", npt.ArrayLike]

#: ``cv2.filter2D`` switches from its direct sum to a DFT from this many kernel taps (``kh * kw``).
OPENCV_DFT_TAPS: int = 130
