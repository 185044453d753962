"""to_shapiq / from_shapiq against shapiq's own converters, and the shapiq example."""

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import harsanyi as hs
from harsanyi.core import or_as_moebius
from harsanyi.extract.indices import k_sii, shapley_taylor, shapley_values

shapiq = pytest.importorskip(
    "shapiq", reason="shapiq is not installed (optional extra: pip install 'harsanyi[shapiq]')"
)
from shapiq.game_theory.moebius_converter import MoebiusConverter  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shapiq_bridge.py"


@pytest.fixture(scope="module")
def split():
    v = np.random.default_rng(5).normal(size=(2, 16))
    return hs.and_or(hs.Game(v, players=["a", "b", "c", "d"]), q_bound=0.05, solver="exact")


def test_moebius_export_matches_our_arrays_and_shapiq_indices(split):
    iv = split.to_shapiq(sample=1)
    assert iv.index == "Moebius" and iv.n_players == 4 and iv.max_order == 4
    m = hs.mobius(split.values[1]).and_values
    assert iv[(0, 2, 3)] == pytest.approx(m[0b1101]) and iv.baseline_value == m[0]
    convert = MoebiusConverter(iv)
    sv, ksii, stii = convert("SV", order=1), convert("k-SII", order=2), convert("STII", order=2)
    assert np.allclose([sv[(i,)] for i in range(4)], shapley_values(split)[1])
    ours_k, ours_st = k_sii(split, 2)[1], shapley_taylor(split, 2)[1]
    for pair, mask in (((0, 1), 0b0011), ((1, 3), 0b1010), ((2,), 0b0100)):
        assert ksii[pair] == pytest.approx(ours_k[mask])
        assert stii[pair] == pytest.approx(ours_st[mask])


def test_with_q_exports_the_split_and_round_trips(split):
    iv = split.to_shapiq(sample=0, include_q=True)
    m = split.and_values[0] + or_as_moebius(split.or_values[0])
    back = hs.Interactions.from_shapiq(iv, players=split.players)
    assert np.allclose(back.and_values, m, atol=1e-12)
    assert np.allclose(back.values, split.values[0] + split.q[0], atol=1e-9)
    assert float(back.residual) < 1e-12 and back.players == ["a", "b", "c", "d"]
    exact = hs.mobius(hs.Game(split.values[0], players=split.players))
    again = hs.Interactions.from_shapiq(exact.to_shapiq(), players=exact.players)
    assert np.array_equal(again.and_values, exact.and_values)  # the Möbius values, bit for bit
    assert np.allclose(again.values, exact.values, atol=1e-12)


def test_from_shapiq_refuses_other_indices(split):
    sv = MoebiusConverter(split.to_shapiq(sample=0))("SV", order=1)
    with pytest.raises(ValueError, match="index='Moebius'"):
        hs.Interactions.from_shapiq(sv)
    with pytest.raises(ValueError, match="pass sample"):
        split.to_shapiq()


def test_the_shapiq_example_runs_and_saves_plots(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), str(tmp_path)])
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    for name in ("shapiq_upset.png", "shapiq_force.png"):
        assert (tmp_path / name).stat().st_size > 5_000
