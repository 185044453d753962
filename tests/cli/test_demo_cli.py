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
from harsanyi.extract.matching import reconstruct
from harsanyi.store import RunStore

runner = CliRunner()
ENV = {"COLUMNS": "220"}


@pytest.fixture(scope="module")
def store(planted_store):
    """The planted two-phase run store of ``tests/conftest.py``."""
    return planted_store


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


def test_fit_on_a_folder_still_uses_the_file_command(theory_app, planted_interactions,
                                                     tmp_path):
    a, o = planted_interactions(np.random.default_rng(1))
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
    # a vertex demo, as every demo folder made before the canonical split became the default
    res = runner.invoke(app, ["demo", "--out", str(out), "--quick", "--workers", "1",
                              "--no-progress", "--selection", "vertex"], env=ENV)
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[-4] == f"Report: {out / 'index.html'}"
    assert lines[-3].startswith("Phase boundary: ")
    assert lines[-2].startswith("Fitted σ² (epochs ")
    assert lines[-1].startswith("Five groups (mean count among each sample's top 10): ")
    assert (out / "index.html").is_file()
    res = runner.invoke(app, ["demo", "--out", str(out), "--quick", "--epochs", "7"], env=ENV)
    assert res.exit_code == 2 and "epochs (stored 6, now 7)" in res.output
    assert "selection" not in res.output  # "auto" takes the folder's own selection
    # rerun with the default selection: it resumes the vertex demo (nothing recomputed)
    res = runner.invoke(app, ["demo", "--out", str(out), "--quick", "--workers", "1",
                              "--no-progress"], env=ENV)
    assert res.exit_code == 0 and " 0 checkpoints computed" in res.output, res.output
    assert RunStore.open(out / "run").config["solver_options"] == {}
    res = runner.invoke(app, ["demo", "--out", str(out), "--quick", "--selection", "canonical"],
                        env=ENV)
    assert res.exit_code == 2 and "selection (stored None, now 'canonical')" in \
        " ".join(res.output.split())
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "y"), "--selection", "centre"],
                        env=ENV)
    assert res.exit_code == 2 and "unknown selection 'centre'" in res.output
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "x"), "--task", "audio"], env=ENV)
    assert res.exit_code == 2 and "task must be one of" in res.output
