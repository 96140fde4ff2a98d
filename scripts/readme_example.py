"""Run the README's first code example, as a user of the installed package would, and check what it claims.

The first ```python block of README.md is run as written (it loads the packaged sample ``camera``
as ``image_uint8``; the namespace starts with the same image in case a README leaves it out). Then its
comments are checked: ``filter2d`` against ``cv2.filter2D`` with ``BORDER_REFLECT`` (to one grey level),
``FilterConv2d`` against ``filter2d`` (equal), a frozen layer, and the bank in channels 0 and 1 of ``conv1``.
``scripts/check-wheel.sh`` runs it against the installed wheel from an empty folder.

Usage::

    python scripts/readme_example.py [README.md]      # prints "README example: ok" or fails
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from filterbank.images import sample

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def first_python_block(text: str) -> str:
    """The code of the first fenced ```python block of a markdown text."""
    m = _BLOCK.search(text)
    if m is None:
        raise SystemExit("README has no ```python block")
    return m.group(1)


def run_block(code: str) -> dict[str, Any]:
    """Run the example with ``image_uint8`` = the packaged ``camera``; return its namespace."""
    ns: dict[str, Any] = {"image_uint8": sample("camera")}
    exec(compile(code, "README.md (first python block)", "exec"), ns)
    return ns


def check(ns: dict[str, Any]) -> None:
    """Assert what the example's comments say."""
    img, k, out = ns["image_uint8"], ns["k"], ns["out"]
    ref = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)
    assert out.dtype == np.uint8 and out.shape == ref.shape
    worst = int(np.abs(out.astype(np.int16) - ref).max())
    assert worst <= 1, f"filter2d vs cv2.filter2D: {worst} grey levels apart"
    bank, layer, conv1 = ns["bank"], ns["layer"], ns["conv1"]
    x = torch.from_numpy(np.stack([img] * 3)).float()[None] / 255.0
    with torch.no_grad():
        assert torch.equal(layer(x), ns["filter2d"](x, bank)), "FilterConv2d != filter2d"
    assert isinstance(layer, torch.nn.Conv2d) and not layer.weight.requires_grad
    expected = torch.from_numpy(bank.kernels).float() / 3  # in_channels="mean": k / 3 on each of 3 inputs
    assert torch.equal(conv1.weight.detach()[:2], expected[:, None].expand(2, 3, 3, 3))


def main(argv: list[str]) -> int:
    """Run and check the README's first example; print one line; return 0."""
    readme = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "README.md"
    check(run_block(first_python_block(readme.read_text(encoding="utf-8"))))
    print("README example: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
