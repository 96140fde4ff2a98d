"""The families that have a torch generator, in one table read by the generators and by :class:`KernelGenerator`.

Each :class:`Family` says what the torch generator of one catalog family needs:
its learnable parameters, which of them are positive (stored as logarithms),
which may be absent and then copy another one (``sigma_y`` copies ``sigma``),
whether its size must be odd, which spec values fix the graph (derivative
orders, the inner grid of ``dog``), and the core that computes the kernels.
Nothing else in :mod:`filterbank.parametric` dispatches on a family's name.

Examples
--------
>>> TABLE["gabor"].params
('sigma', 'theta', 'lambd', 'gamma', 'psi')
>>> sorted(TABLE["gaussian"].positive), TABLE["gaussian"].odd
(['sigma', 'sigma_y'], False)
>>> FAMILIES["log"], "lambd" in POSITIVE
(('sigma',), True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from ..kernels.gaussian import _TRUNCATE
from . import _cores

__all__ = ["FAMILIES", "PARAMETERS", "POSITIVE", "TABLE", "Family", "attr_name"]

Tensors = Mapping[str, torch.Tensor]


def _no_static(args: Mapping[str, Any]) -> tuple[Any, ...]:
    return ()


@dataclass(frozen=True)
class Family:
    """What the torch generator of one catalog family needs.

    Attributes
    ----------
    name : str
        The catalog family (:func:`filterbank.kernels.get` name).
    params : tuple of str
        Learnable parameters, in the order :data:`FAMILIES` lists them.
    positive : frozenset of str
        Parameters that must stay > 0 (stored as ``log_<name>``).
    odd : bool
        Whether the kernel size must be odd on both axes.
    tied : mapping of str to str
        Optional parameters and the parameter each copies when a spec leaves it
        out (``None``, or 0 for OpenCV's Gaussian): ``{"sigma_y": "sigma"}``.
    static : callable
        ``static(args) -> tuple``: the spec values that fix the graph (not
        learnable), from the spec's bound arguments (defaults applied).
    core : callable
        ``core(h, w, static, p) -> Tensor``: the kernels from parameters ``p``
        shaped ``(..., 1, 1)`` (every name of ``params`` present).
    """

    name: str
    params: tuple[str, ...]
    positive: frozenset[str]
    odd: bool
    core: Callable[[int, int, tuple[Any, ...], Tensors], torch.Tensor]
    tied: Mapping[str, str] = field(default_factory=dict)
    static: Callable[[Mapping[str, Any]], tuple[Any, ...]] = _no_static

    def fill_tied(self, p: Mapping[str, Any]) -> dict[str, Any]:
        """``p`` with every absent tied parameter copied from its source."""
        out = dict(p)
        for name, source in self.tied.items():
            out.setdefault(name, out[source])
        return out

    def generate(self, h: int, w: int, static: tuple[Any, ...], p: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The ``(..., h, w)`` kernels for parameters ``p`` (tied ones may be absent)."""
        return self.core(h, w, static, self.fill_tied(p))


def _dog_inner(args: Mapping[str, Any]) -> tuple[int | None]:
    # With ksize=None the catalog samples the narrow Gaussian on its own 4-sigma grid, then zero-pads it.
    if args["ksize"] is not None:
        return (None,)
    return (2 * int(_TRUNCATE * float(args["sigma_low"]) + 0.5) + 1,)


TABLE: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "dog",
            ("sigma_low", "sigma_high"),
            frozenset({"sigma_low", "sigma_high"}),
            odd=True,
            core=lambda h, w, s, p: _cores.dog_core(h, w, s[0], p["sigma_low"], p["sigma_high"]),
            static=_dog_inner,
        ),
        Family(
            "gabor",
            ("sigma", "theta", "lambd", "gamma", "psi"),
            frozenset({"sigma", "lambd", "gamma"}),
            odd=True,
            core=lambda h, w, s, p: _cores.gabor_core(h, w, p["sigma"], p["theta"], p["lambd"], p["gamma"], p["psi"]),
        ),
        Family(
            "gaussian",
            ("sigma", "sigma_y"),
            frozenset({"sigma", "sigma_y"}),
            odd=False,
            core=lambda h, w, s, p: _cores.gaussian_core(h, w, p["sigma"], p["sigma_y"]),
            tied={"sigma_y": "sigma"},
        ),
        Family(
            "gaussian_derivative",
            ("sigma", "sigma_y", "theta"),
            frozenset({"sigma", "sigma_y"}),
            odd=True,
            core=lambda h, w, s, p: _cores.gd_core(h, w, s[0], s[1], p["sigma"], p["sigma_y"], p["theta"]),
            tied={"sigma_y": "sigma"},
            static=lambda args: (int(args["dx"]), int(args["dy"])),
        ),
        Family(
            "log",
            ("sigma",),
            frozenset({"sigma"}),
            odd=True,
            core=lambda h, w, s, p: _cores.log_core(h, w, p["sigma"]),
        ),
    )
}

#: Learnable parameters of each family that has a torch generator.
FAMILIES: dict[str, tuple[str, ...]] = {name: f.params for name, f in TABLE.items()}
#: Every parameter name, in the order the generator stores them (the order of ``state_dict`` keys).
PARAMETERS: tuple[str, ...] = ("sigma", "sigma_y", "theta", "lambd", "gamma", "psi", "sigma_low", "sigma_high")
#: Parameters that must stay > 0; stored as ``log_<name>``.
POSITIVE: frozenset[str] = frozenset().union(*(f.positive for f in TABLE.values()))

if set(PARAMETERS) != {p for f in TABLE.values() for p in f.params}:  # pragma: no cover - a table edit
    raise AssertionError("PARAMETERS must list every parameter of the families table exactly once")


def attr_name(name: str) -> str:
    """The attribute (and ``state_dict``) name of a parameter: ``log_sigma`` for sigma, ``theta`` for theta.

    Examples
    --------
    >>> attr_name("sigma"), attr_name("theta")
    ('log_sigma', 'theta')
    """
    return f"log_{name}" if name in POSITIVE else name
