"""The analyses of a run on the planted two-phase store of ``tests/conftest.py``: each one is
the array function of its package on the store's arrays, and the stored files follow the
schema of ``harsanyi.analysis.folder``."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from harsanyi import analysis as an
from harsanyi.core.transforms import mobius
from harsanyi.dynamics.groups import five_groups
from harsanyi.errors import TheoryInputError
from harsanyi.theory import fit_two_phase, sparsity_table


@pytest.fixture(scope="module")
def arr(planted_store):
    return planted_store.arrays()


def test_phases_find_planted_boundary_and_onset(arr, tmp_path):
    res = an.analyse_phases(arr)
    assert res.boundary_epoch == arr.epochs[2]          # spindle noise, then phase 2 from t = 2
    assert res.onset_epoch == arr.epochs[5]             # the gap grows after t = 4
    folder = an.AnalysisFolder(tmp_path)
    folder.write_boundaries(an.boundaries_record(res))
    doc = json.loads((tmp_path / "analysis" / "boundaries.json").read_text())
    assert doc["phase_boundary"] == 4 and doc["gap_onset"] == 10 and doc["distance"] == 6


def test_fit_is_the_array_fit_from_the_boundary(arr, tmp_path):
    fit = an.analyse_fit(arr, start="boundary")
    test = arr.select("test")
    ref = fit_two_phase(test.and_values[2:], test.or_values[2:], test.values[2:])
    assert np.allclose(fit.sigma2, ref.sigma2)
    assert fit.checkpoints[0] == "epoch_4" and len(fit.checkpoints) == 10
    assert np.all(np.diff(fit.sigma2) <= 0) and fit.sigma2[0] > 100 * fit.sigma2[-2]
    same = an.analyse_fit(arr, phases=an.analyse_phases(arr))  # the boundary computed once
    assert np.array_equal(same.sigma2, fit.sigma2)
    folder = an.AnalysisFolder(tmp_path)
    folder.write_theory(an.theory_record(fit))
    with np.load(tmp_path / "analysis" / "theory.npz") as z:
        assert z["epochs"].tolist() == arr.epochs[2:].tolist()
        assert np.allclose(z["sigma2"], fit.sigma2) and z["real"].shape == (10, arr.n)
    back = folder.read_theory()
    assert np.array_equal(back.sigma2, fit.sigma2) and np.array_equal(back.theo, fit.theo)
    assert an.analyse_fit(arr, start=15).checkpoints[0] == "epoch_16"
    with pytest.raises(TheoryInputError, match="no checkpoint at or after epoch 99"):
        an.analyse_fit(arr, start=99)
    with pytest.raises(TheoryInputError, match="not a checkpoint index"):
        an.analyse_fit(arr, final=12)


def test_sparsity_uses_the_moebius_of_the_values(arr):
    res = an.analyse_sparsity(arr, epoch=22)
    last = arr.values[-1]
    assert res.summary == sparsity_table(mobius(last), last).summary
    stored_and = an.analyse_sparsity(arr, interactions="and", split="test")
    assert stored_and.summary["samples"] == 2
    with pytest.raises(TheoryInputError, match="epoch 7 is not stored"):
        an.analyse_sparsity(arr, epoch=7)


def test_groups_and_decay_spindle_and_their_files(arr, tmp_path):
    res = an.analyse_groups(arr, k=6)
    ref = five_groups(arr.and_values, arr.or_values, k=6)
    assert (res.labels == ref.labels).all()
    folder = an.AnalysisFolder(tmp_path)
    folder.write_groups(an.groups_record(res, arr.players))
    with np.load(tmp_path / "analysis" / "groups.npz") as z:
        assert z["curves"].shape == (4 * 6, 12) and z["counts_by_order"].shape == (5, arr.n)
        assert z["names"][0].startswith("x0: ") and len(z["labels"]) == 24
        assert np.isclose(z["counts_by_order"].sum(), 6.0)  # 6 per sample, over all orders
    assert folder.read_groups().labels.tolist() == res.labels.reshape(-1).tolist()
    ds = an.analyse_decay_spindle(arr)
    assert ds.decay.shape == ds.spindle.shape == ds.real.shape == (12, arr.n)
    share = ds.spindle.sum(1) / (ds.spindle.sum(1) + ds.decay.sum(1))
    assert share[0] > 0.5 > share[-1]  # noise at initialisation, decay-shaped at the end
    folder.write_decay_spindle(an.decay_spindle_record(ds))
    back = folder.read_decay_spindle()
    assert np.array_equal(back.spindle, ds.spindle) and back.epochs.tolist() == arr.epochs.tolist()


def test_faithfulness_matches_brute_force(arr):
    res = an.analyse_faithfulness(arr)
    a, o, v = arr.and_values[-1], arr.or_values[-1], arr.values[-1]
    pooled = np.concatenate([a[:, 1:], o[:, 1:]], axis=1)
    for alpha, err in zip(res.alphas.astype(int), res.errors, strict=True):
        errs = [abs(v[b, -1] - a[b, 0]
                    - pooled[b, np.argsort(-np.abs(pooled[b]), kind="stable")[:alpha]].sum())
                for b in range(4)]
        assert err == pytest.approx(np.mean(errs), abs=1e-12)
    assert res.alphas[-1] == 2 ** (arr.n + 1) and res.errors[-1] == pytest.approx(0, abs=1e-9)
    assert 1 <= res.alpha_hat <= 2 ** (arr.n + 1)
    assert list(res.sparsity_curves) == ["epoch 0", "epoch 12", "epoch 22"]


def test_analyse_run_computes_each_analysis_once_and_saves(planted_store, tmp_path):
    folder = planted_store.path / "analysis"  # other tests of this session may write here
    before = sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*"))
    res = an.analyse_run(planted_store.arrays(), top_k=4, save=False)
    assert res.notes == [] and sorted((p.name, p.stat().st_mtime_ns)
                                      for p in folder.glob("*")) == before
    assert res.fit.checkpoints[0] == f"epoch_{res.phases.boundary_epoch}"
    assert res.groups.labels.shape == (4, 4) and res.faithfulness is not None
    an.save_analyses(an.Analyses(arrays=replace(res.arrays, path=tmp_path), phases=res.phases,
                                 fit=res.fit))  # only what was computed is written
    assert sorted(p.name for p in (tmp_path / "analysis").iterdir()) == [
        "boundaries.json", "theory.npz"]
    bad = an.analyse_run(tmp_path / "missing")
    assert bad.arrays is None and "could not be read" in bad.notes[0]
