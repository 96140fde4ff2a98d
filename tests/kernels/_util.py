"""Helpers shared by the kernel tests: an OpenCV reference filter, ramps, and a message matcher."""

from __future__ import annotations

import re

import cv2
import numpy as np

BORDER = cv2.BORDER_REFLECT_101


def filt(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(image, cv2.CV_64F, kernel, borderType=BORDER)


def ramp(shape=(23, 31), axis=1) -> np.ndarray:
    """Unit ramp increasing to the right (axis=1) or downwards (axis=0)."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    return x if axis == 1 else y


def fragments(*parts: str) -> str:
    """A regex matching ``parts`` in order."""
    return ".*".join(re.escape(p) for p in parts)
