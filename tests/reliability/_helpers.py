"""Helpers shared by the reliability tests."""

from __future__ import annotations

import torch


def direct(x: torch.Tensor, layer: torch.nn.Module) -> torch.Tensor:
    """The output of ``layer`` computed with method='direct' (the plain grouped conv)."""
    saved = layer.method
    layer.method = "direct"
    try:
        return layer(x)
    finally:
        layer.method = saved
