"""`harsanyi demo` through typer's CliRunner, and the theory commands on a run store
(`harsanyi theory fit|sparsity|groups|disentangle RUN`) on a planted two-phase store."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from harsanyi.cli import theory as theory_cli
from harsanyi.cli.demo import demo
from harsanyi.cli.theory_store import register
from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import mobius
from harsanyi.dynamics.groups import five_groups
from harsanyi.extract.matching import reconstruct
from harsanyi.store import RunStore
from harsanyi.theory import TwoPhaseModel, fit_two_phase, sparsity_table
from harsanyi.theory import from_store as fs

runner = CliRunner()
ENV = {"COLUMNS": "220"}
N = 5
EPOCHS = np.arange(12) * 2  # 0, 2, ..., 22
SIGMA2 = np.concatenate([[np.nan, np.nan], np.logspace(0, -4, 9), [0.0]])  # phase 2 from t=2


def _planted(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """AND/OR interactions (K, 4 samples, 2**N): spindle-shaped noise at t = 0, 1, then
    ŵ = M̂(σ²_t) w* with decreasing σ² (paper A's second phase)."""
    orders = order_of_masks(N)
    w_and = np.zeros((4, 2**N))
    for k, count in ((1, 4), (2, 3), (3, 2)):
        for x in range(4):
            sel = rng.choice(np.flatnonzero(orders == k), count, replace=False)
            w_and[x, sel] = rng.uniform(0.5, 1.0, count) * rng.choice([-1, 1], count)
    w_and[:, 0] = 0.3
    w_or = 0.3 * np.roll(w_and, 1, axis=1)
    w_or[:, orders <= 1] = 0.0
    model = TwoPhaseModel(N)
    a = np.empty((12, 4, 2**N))
    o = np.empty_like(a)
    a[2:], o[2:] = model.w_hat(w_and, SIGMA2[2:]), model.w_hat(w_or, SIGMA2[2:])
    for t in (0, 1):
        a[t] = rng.normal(size=(4, 2**N)) * 0.05 * np.sqrt(2.0**orders)
        o[t] = rng.normal(size=(4, 2**N)) * 0.05 * np.sqrt(2.0**orders)
        o[t][:, orders <= 1] = 0.0
    return a, o


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    a, o = _planted(np.random.default_rng(0))
    path = tmp_path_factory.mktemp("store") / "run"
    st = RunStore.create(path, {"planted": True}, players=[f"p{i}" for i in range(N)],
                         samples={"split": ["train", "train", "test", "test"]})
    train = 1.0 / (1.0 + EPOCHS)
    gap = np.where(np.arange(12) <= 4, 0.0, 0.5 * (np.arange(12) - 4))  # grows after t = 4
    for t, e in enumerate(EPOCHS):
        v = reconstruct(a[t], o[t])
        z = np.zeros_like(v)
        st.write_checkpoint(int(e), {"values": v, "and_values": a[t], "or_values": o[t],
                                     "gamma": z, "q": z, "bound": z[:, 0],
                                     "residual": z[:, 0], "objective": z[:, 0]},
                            {"train_loss": train[t], "test_loss": train[t] + gap[t]})
    return st


def test_read_run_stacks_and_splits(store):
    arr = fs.read_run(store.path, split="test")
    assert arr.and_values.shape == (12, 2, 2**N) and arr.split.tolist() == ["test", "test"]
    assert arr.epochs.tolist() == EPOCHS.tolist()
    assert fs.read_run(store.path, split="auto").split.tolist() == ["test", "test"]
    assert fs.read_run(store.path).and_values.shape[1] == 4
    with pytest.raises(ValueError, match="split must be"):
        fs.read_run(store.path, split="val")
    assert fs.is_run_store(store.path) and not fs.is_run_store(store.path / "ckpt")


def test_phases_find_planted_boundary_and_onset(store):
    res = fs.phases_run(store.path)
    assert res.boundary_epoch == EPOCHS[2]          # spindle noise, then phase 2 from t = 2
    assert res.onset_epoch == EPOCHS[5]             # the gap grows after t = 4
    doc = json.loads((store.path / "analysis" / "boundaries.json").read_text())
    assert doc["phase_boundary"] == 4 and doc["gap_onset"] == 10 and doc["distance"] == 6


def test_fit_run_is_the_array_fit_from_the_boundary(store):
    fit = fs.fit_run(store.path, start="boundary")
    arr = fs.read_run(store.path, split="test")
    ref = fit_two_phase(arr.and_values[2:], arr.or_values[2:], arr.values[2:])
    assert np.allclose(fit.sigma2, ref.sigma2)
    assert fit.checkpoints[0] == "epoch_4" and len(fit.checkpoints) == 10
    assert np.all(np.diff(fit.sigma2) <= 0) and fit.sigma2[0] > 100 * fit.sigma2[-2]
    with np.load(store.path / "analysis" / "theory.npz") as z:
        assert z["epochs"].tolist() == EPOCHS[2:].tolist()
        assert np.allclose(z["sigma2"], fit.sigma2) and z["real"].shape == (10, N)
    late = fs.fit_run(store.path, start=15, save=False)
    assert late.checkpoints[0] == "epoch_16"
    with pytest.raises(ValueError, match="no checkpoint at or after epoch 99"):
        fs.fit_run(store.path, start=99)


def test_sparsity_run_uses_the_moebius_of_the_values(store):
    res = fs.sparsity_run(store.path, epoch=22)
    last = store.read(22).arrays
    ref = sparsity_table(mobius(last["values"]), last["values"])
    assert res.summary == ref.summary
    stored_and = fs.sparsity_run(store.path, interactions="and", split="test")
    assert stored_and.summary["samples"] == 2
    with pytest.raises(ValueError, match="epoch 7 is not stored"):
        fs.sparsity_run(store.path, epoch=7)


def test_groups_and_disentangle_write_report_files(store):
    res = fs.groups_run(store.path, k=6)
    arr = fs.read_run(store.path)
    ref = five_groups(arr.and_values, arr.or_values, k=6)
    assert (res.labels == ref.labels).all()
    with np.load(store.path / "analysis" / "groups.npz") as z:
        assert z["curves"].shape == (4 * 6, 12) and z["counts_by_order"].shape == (5, N)
        assert z["names"][0].startswith("x0: ") and len(z["labels"]) == 24
        assert np.isclose(z["counts_by_order"].sum(), 6.0)  # 6 per sample, over all orders
    ds = fs.disentangle_run(store.path)
    assert ds.decay.shape == ds.spindle.shape == ds.real.shape == (12, N)
    share = ds.spindle.sum(1) / (ds.spindle.sum(1) + ds.decay.sum(1))
    assert share[0] > 0.5 > share[-1]  # noise at initialisation, decay-shaped at the end
    assert (store.path / "analysis" / "decay_spindle.npz").is_file()


@pytest.fixture(scope="module")
def theory_app():
    app = typer.Typer()
    app.add_typer(theory_cli.app, name="theory")
    register(theory_cli.app)
    return app


def test_theory_commands_on_a_store(store, theory_app, tmp_path):
    def invoke(*args):
        return runner.invoke(theory_app, ["theory", *map(str, args)], env=ENV)

    res = invoke("fit", store.path, "--grid-points", 41, "--json", tmp_path / "f.json")
    assert res.exit_code == 0, res.output
    assert "epoch_4" in res.output and "epoch_2 " not in res.output
    assert "theory.npz" in res.output
    payload = json.loads((tmp_path / "f.json").read_text())
    assert np.all(np.diff(payload["sigma2"]) <= 0)
    res = invoke("fit", store.path, "--start", "first", "--no-save", "--grid-points", 21)
    assert res.exit_code == 0 and "epoch_0" in res.output and "saved" not in res.output
    res = invoke("fit", store.path, "--start", "soon")
    assert res.exit_code == 2 and "--start" in res.output
    res = invoke("sparsity", store.path, "--per-sample")
    assert res.exit_code == 0, res.output
    assert "sparsity bound" in res.output and "per sample" in res.output
    res = invoke("sparsity", store.path, "--epoch", 7)
    assert res.exit_code == 2 and "not stored" in res.output
    res = invoke("groups", store.path, "--k", 5)
    assert res.exit_code == 0 and "reliable" in res.output, res.output
    res = invoke("disentangle", store.path, "--decay", "exp")
    assert res.exit_code == 0 and "spindle share" in res.output, res.output
    res = invoke("groups", tmp_path)
    assert res.exit_code == 2 and "not a run store" in res.output


def test_fit_on_a_folder_still_uses_the_file_command(theory_app, tmp_path):
    a, o = _planted(np.random.default_rng(1))
    for t in range(2, 12):
        np.savez(tmp_path / f"epoch_{t}.npz", and_values=a[t], or_values=o[t],
                 values=reconstruct(a[t], o[t]))
    res = runner.invoke(theory_app, ["theory", "fit", str(tmp_path), "--grid-points", "21"],
                        env=ENV)
    assert res.exit_code == 0, res.output
    assert "epoch_11" in res.output and not (tmp_path / "analysis").exists()


def test_demo_command_quick_prints_report_and_findings(tmp_path):
    app = typer.Typer()
    app.command("demo")(demo)
    app.command("other")(lambda: None)
    out = tmp_path / "rep"
    res = runner.invoke(app, ["demo", "--out", str(out), "--quick", "--workers", "1",
                              "--no-progress"], env=ENV)
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[-4] == f"Report: {out / 'index.html'}"
    assert lines[-3].startswith("Phase boundary: ")
    assert lines[-2].startswith("Fitted σ² (epochs ")
    assert lines[-1].startswith("Five groups (mean count among each sample's top 10): ")
    assert (out / "index.html").is_file()
    res = runner.invoke(app, ["demo", "--out", str(out), "--quick", "--epochs", "7"], env=ENV)
    assert res.exit_code == 2 and "epochs (stored 6, now 7)" in res.output
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "x"), "--task", "audio"], env=ENV)
    assert res.exit_code == 2 and "task must be one of" in res.output
