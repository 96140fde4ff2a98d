"""Every Examples section in the package runs and prints what its docstring says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import filterbank

MODULES = sorted(["filterbank"] + [m.name for m in pkgutil.walk_packages(filterbank.__path__, prefix="filterbank.")])


@pytest.mark.parametrize("name", MODULES)
def test_module_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed (run doctest -v)"


def test_every_public_module_has_examples() -> None:
    # Modules with public functions but no Examples would make the test above vacuous for them.
    bare = []
    for name in MODULES:
        module = importlib.import_module(name)
        if name.rsplit(".", 1)[-1].startswith("_") or name in ("filterbank", "filterbank.kernels"):
            continue
        if doctest.DocTestFinder().find(module) and not any(t.examples for t in doctest.DocTestFinder().find(module)):
            bare.append(name)
    assert not bare, f"modules without a single example: {bare}"
