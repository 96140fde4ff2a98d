"""``filterbank list``: families and banks with their parameters."""

from __future__ import annotations

from filterbank import banks, kernels
from filterbank.cli import main


def test_list_shows_every_family_with_parameters(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in kernels.names():
        assert f"{name}(" in out
    assert "gabor(ksize, sigma, theta, lambd, gamma=1, psi=1.5708)" in out
    assert "sobel(dx, dy, ksize=3, normalize=False)" in out


def test_list_shows_banks_with_parameters_and_sizes(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "kernel families" in out and "banks" in out
    for name in banks.names():
        assert f"  {name}(" in out
    assert "  lm(size='large')" in out and "[48 kernels, 49x49 at the defaults]" in out
    assert "gabor(sigmas=(2, 4), orientations=4, phases=(0, 1.5708)" in out  # the CLI's own value syntax
    assert "[13 kernels, 49x49 at the defaults]" in out  # schmid
    # the 3-D banks, with their three sizes: 10 jet kernels (orders <= 2) per sigma, 9 directions x 2 phases
    assert "  gaussian_jet3d(max_order=2, sigmas=(1, 2), ksize=None)" in out
    assert "[20 kernels, 17x17x17 at the defaults]" in out
    assert "  gabor3d(orientations=9, sigmas=(2,), phases=(0, 1.5708)" in out
    assert "[18 kernels, 13x13x13 at the defaults]" in out

    assert main(["list", "--kind", "banks", "s*"]) == 0
    out = capsys.readouterr().out
    assert "kernel families" not in out
    assert [
        line.split("(")[0].strip() for line in out.splitlines() if line.startswith("  ") and line[2] != " "
    ] == banks.names("s*")
    assert main(["list", "--kind", "kernels"]) == 0
    out = capsys.readouterr().out
    assert "lm(size" not in out and "sobel(dx, dy" in out
    assert main(["list", "nothing*"]) == 0
    assert "no kernel family or bank matches 'nothing*'" in capsys.readouterr().out
