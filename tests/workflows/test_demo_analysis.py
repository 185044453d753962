"""From a run store to the report (the glue of ``harsanyi.workflows.demo_analysis``): planted
interactions, detection rules, analysis files, the phase boundary computed once, the CLI."""

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from harsanyi.analysis import analyse_phases
from harsanyi.cli.report import report
from harsanyi.dynamics.phases import phase_boundary
from harsanyi.errors import StoreError
from harsanyi.extract.matching import reconstruct
from harsanyi.report import MAX_CURVES, is_report_folder
from harsanyi.store import RunStore
from harsanyi.workflows.demo_analysis import load_summary, report_from_run

N = 3
PLAYERS = ["eye", "nose", "mouth"]


def planted_checkpoint(rng, t, samples=2):
    """AND/OR interactions with a few planted large values and small noise; the AND
    interaction {eye, nose} grows steadily over checkpoints ``t`` (a reliable one)."""
    a = rng.normal(0, 0.01, (samples, 2**N))
    o = np.zeros((samples, 2**N))
    a[:, 0] = rng.normal(0, 1, samples)  # v(∅)
    a[:, 0b011] = 1.0 + 0.4 * t + rng.normal(0, 0.01, samples)
    a[:, 0b100] = -1.0
    o[:, 0b101] = rng.normal(0.8, 0.2, samples)
    o[:, 0b111] = -0.3
    # values from universal matching: v(S) = I_and(∅) + Σ_{∅≠T⊆S} I_and(T) + Σ_{T∩S≠∅} I_or(T)
    v = np.zeros_like(a)
    for s in range(2**N):
        v[:, s] = a[:, 0] + sum(a[:, t] for t in range(1, 2**N) if t & s == t) + sum(
            o[:, t] for t in range(1, 2**N) if t & s)
    return v, a, o


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    rng = np.random.default_rng(3)
    run = RunStore.create(tmp_path_factory.mktemp("runs") / "run", {"model": "mlp", "lr": 0.1},
                          players=PLAYERS)
    planted = {}
    for t, e in enumerate([0, 2, 4, 6, 8, 10]):
        v, a, o = planted_checkpoint(rng, t)
        zeros = np.zeros(2)
        run.write_checkpoint(e, {"values": v, "and_values": a, "or_values": o,
                                 "gamma": np.zeros_like(v), "q": np.zeros_like(v),
                                 "bound": zeros, "residual": zeros, "objective": zeros},
                             {"train_loss": 1.0 / (1 + t),
                              "test_loss": 1.0 / (1 + t) + 0.05 + 0.2 * max(0, t - 2)})
        planted[e] = (v, a, o)
    return run, planted


def brute_strength(a, o, tau):
    pos, neg = np.zeros(N), np.zeros(N)
    for arr in (a, o):
        for s in range(1, 2**N):
            k = bin(s).count("1")
            for x in arr[:, s]:
                if abs(x) >= tau:
                    pos[k - 1] += max(x, 0) / arr.shape[0]
                    neg[k - 1] += min(x, 0) / arr.shape[0]
    return pos, neg


def test_strength_by_order_matches_brute_force(store):
    run, planted = store
    s = load_summary(run.path)
    assert s.players == PLAYERS and s.epochs.tolist() == [0, 2, 4, 6, 8, 10]
    for t, e in enumerate(s.epochs):
        v, a, o = planted[int(e)]
        tau = 0.03 * np.mean(np.abs(v[:, -1] - v[:, 0]))
        pos, neg = brute_strength(a, o, tau)
        np.testing.assert_allclose(s.strength_pos[t], pos, atol=1e-12)
        np.testing.assert_allclose(s.strength_neg[t], neg, atol=1e-12)
    assert s.strength_neg[0, 0] <= -1.0 + 0.05  # the planted -1 at {mouth}
    np.testing.assert_allclose(s.train_loss, 1.0 / (1 + np.arange(6)))


def test_matching_sparsity_and_top_table(store):
    run, planted = store
    s = load_summary(run.path)
    v, a, o = planted[10]
    pooled = np.concatenate([a[:, 1:], o], axis=1)
    for j, alpha in enumerate(s.matching_alphas.astype(int)):
        errs = []
        for b in range(2):
            top = np.argsort(-np.abs(pooled[b]), kind="stable")[:alpha]
            errs.append(abs(v[b, -1] - a[b, 0] - pooled[b, top].sum()))
        assert s.matching_errors[j] == pytest.approx(np.mean(errs), abs=1e-12)
    assert s.matching_errors[-1] == pytest.approx(0.0, abs=1e-12)  # all terms: exact matching
    assert 1 <= s.alpha_hat <= 2 * 2**N
    for curve in s.sparsity_curves.values():
        assert curve[0] == pytest.approx(1.0) and np.all(np.diff(curve) <= 0)
    top = s.top_interactions
    first = top[top["sample"] == 0].iloc[0]
    assert first["kind"] == "and" and first["players"] == "eye & nose" and first["order"] == 2
    assert first["value"] == pytest.approx(a[0, 0b011])
    assert "eye | mouth" in set(top["players"])  # an OR interaction, named with "|"


def test_detected_boundaries_and_groups(store):
    run, planted = store
    s = load_summary(run.path)
    # gap = .05, .05, .05, .25, .45, .65: it first exceeds its minimum by 5% of the final gap
    # at the fourth checkpoint (harsanyi.dynamics.phases, default rule)
    assert s.gap_onset == 6.0
    assert s.phase_boundary in s.epochs.tolist()
    g = s.groups
    # every AND subset (7) and every OR subset of order >= 2 (4) of both samples is tracked
    assert sum(g.counts().values()) == 2 * (7 + 4) and g.per_sample == 2
    assert g.curves.shape[1] == 6 and g.counts_by_order.shape == (5, N)
    grow = np.array([planted[e][1][0, 0b011] for e in sorted(planted)])
    row = int(np.argmin(np.abs(g.curves - grow).sum(axis=1)))
    np.testing.assert_allclose(g.curves[row], grow)
    assert g.labels[row] == "reliable"


def test_analysis_files_are_read(store, tmp_path):
    run, _ = store
    base = run.path / "analysis"
    base.mkdir(exist_ok=True)
    try:
        real = np.array([[.7, .2, .1], [.5, .3, .2]])
        np.savez(base / "theory.npz", epochs=[6, 10], real=real, theo=real + 0.01,
                 sigma2=[1e-2, 1e-3])
        np.savez(base / "groups.npz", labels=np.array(["reliable", "withdrawn"]),
                 curves=np.zeros((2, 5)))  # 5 checkpoints, the run has 6
        (base / "boundaries.json").write_text(json.dumps({"phase_boundary": 8}))
        s = load_summary(run.path)
        assert s.theory is not None and s.theory.sigma2.tolist() == [1e-2, 1e-3]
        assert any("5 checkpoints but the run has 6" in note for note in s.notes)
        assert s.groups.totals is not None  # the ill-fitting file is replaced by our groups
        assert s.phase_boundary == 8 and s.gap_onset == 6.0
        np.savez(base / "decay_spindle.npz", decay=np.ones((5, N)), spindle=np.ones((5, N)))
        s = load_summary(run.path)
        assert s.decay_spindle is None
        assert any("the run needs (6, 3)" in note for note in s.notes)
        np.savez(base / "decay_spindle.npz", decay=np.ones((6, N)), spindle=np.zeros((6, N)))
        assert load_summary(run.path).decay_spindle.decay.shape == (6, N)
        np.savez(base / "groups.npz", labels=np.array(["betraying", "withdrawn"]),
                 curves=np.ones((2, 6)), counts_by_order=np.ones((5, N)))
        g = load_summary(run.path).groups
        assert g.labels == ["betraying", "withdrawn"] and g.counts()["betraying"] == 1
        np.savez(base / "groups.npz", labels=np.array(["fluctuating"] * 100 + ["reliable"]),
                 curves=np.arange(101 * 6.0).reshape(101, 6),
                 names=np.array([f"AND {i}" for i in range(101)]))
        g = load_summary(run.path).groups
        assert g.counts()["fluctuating"] == 100 and g.counts()["reliable"] == 1
        assert len(g.labels) == len(g.names) == g.curves.shape[0] == MAX_CURVES + 1
        assert g.names[-1] == "AND 100" and g.curves[-1, 0] == 600.0
    finally:
        for f in base.iterdir():
            f.unlink()
        base.rmdir()


def test_theory_json_from_the_theory_cli_is_read(store):
    run, _ = store
    base = run.path / "analysis"
    base.mkdir(exist_ok=True)
    payload = {"checkpoints": ["000006", "epoch_10.npz"], "sigma2": [1e-1, 1e-3],
               "sigma2_raw": [1e-1, 1e-3], "error": [0.1, 0.05],
               "real": [[.8, .15, .05], [.6, .3, .1]], "theo": [[.8, .15, .05], [.6, .3, .1]],
               "monotone": "isotonic", "distance": "l1"}
    try:
        (base / "theory.json").write_text(json.dumps(payload))
        s = load_summary(run.path)
        assert s.theory.epochs.tolist() == [6.0, 10.0]
        assert s.theory.error.tolist() == [0.1, 0.05]
        (base / "theory.json").write_text(json.dumps({"checkpoints": ["a"]}))
        with pytest.raises(StoreError, match="not a theory fit"):
            load_summary(run.path)
    finally:
        (base / "theory.json").unlink()
        base.rmdir()


def test_not_a_store(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        load_summary(tmp_path / "nothing")
    empty = RunStore.create(tmp_path / "empty", {}, players=["a"])
    with pytest.raises(StoreError, match="no finished checkpoint"):
        load_summary(empty.path)


@pytest.fixture(scope="module")
def cli():
    app = typer.Typer()
    app.command()(report)
    app.command("noop")(lambda: None)  # keep `report` a subcommand, as in the real CLI
    return app


def test_cli_writes_report_and_refuses_foreign_folder(store, cli, tmp_path):
    run, _ = store
    runner = CliRunner()
    out = tmp_path / "rep"
    res = runner.invoke(cli, ["report", str(run.path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Report written to" in res.output and is_report_folder(out)
    html = (out / "index.html").read_text()
    assert f"harsanyi theory fit {run.path}" in html  # no theory results in this store
    assert "eye &amp; nose" in html
    assert len(list((out / "figures").glob("*.pdf"))) >= 3
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "data.csv").write_text("1")
    res = runner.invoke(cli, ["report", str(run.path), "--out", str(foreign)])
    assert res.exit_code == 1 and "is not a harsanyi report" in res.output
    res = runner.invoke(cli, ["report", str(tmp_path / "missing"), "--out", str(out)])
    assert res.exit_code == 1 and "no run store" in res.output


def test_phase_boundary_with_an_all_zero_checkpoint(tmp_path):
    """Five checkpoints, the fourth without any interaction (nothing salient): mean orders
    2, 1.5, 1.25, undefined, 1.5. The boundary is the lowest defined mean order (epoch 2); an
    all-zero row once gave mean order 0 and moved the report's boundary to epoch 3."""
    st = RunStore.create(tmp_path / "run", {}, players=PLAYERS)
    for e, (x, y) in enumerate([(0, 1), (1, 1), (3, 1), (0, 0), (1, 1)]):
        a, o = np.zeros((1, 2**N)), np.zeros((1, 2**N))
        a[0, 0], a[0, 0b001], a[0, 0b011] = 0.5, x, y
        st.write_checkpoint(e, {"values": reconstruct(a, o), "and_values": a, "or_values": o},
                            {"train_loss": 1.0 / (1 + e), "test_loss": 1.0})
    arr = st.arrays()
    res = analyse_phases(arr)
    s = load_summary(st.path)
    assert res.boundary_epoch == 2 and s.phase_boundary == 2.0  # one value, shown by the report
    dist = s.real_distribution()
    assert np.isnan(dist[3]).all() and np.isnan(s.mean_order()[3])
    np.testing.assert_allclose(s.mean_order()[[0, 1, 2, 4]], [2.0, 1.5, 1.25, 1.5])
    assert phase_boundary(dist) == phase_boundary(np.nan_to_num(dist)) == 2
    html = Path(report_from_run(st.path, tmp_path / "rep")).read_text()
    assert "starts at epoch <strong>2</strong>" in html
