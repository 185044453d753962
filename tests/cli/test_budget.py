"""``--budget`` of ``harsanyi explain`` and ``harsanyi monitor``; the report of a sampled run."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import typer
from cli_app import command_app
from typer.testing import CliRunner

from harsanyi.cli.explain import explain
from harsanyi.cli.grammar import CLIError, parse_budget
from harsanyi.cli.monitor import monitor
from harsanyi.cli.report import report
from harsanyi.store import RunStore

N = 24
PLANTED = '''
import torch

class Planted(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        g = (1.5 * x[:, 3] * x[:, 7] - (1 - (1 - x[:, 1]) * (1 - x[:, 2]) * (1 - x[:, 9]))
             + 0.8 * x[:, 5] + 0.6 * x[:, 20] * x[:, 22] * x[:, 23])
        return torch.stack([torch.zeros_like(g), self.w * g], dim=1)

def planted():
    return Planted()
'''


@pytest.fixture
def app() -> typer.Typer:
    return command_app(explain=explain, monitor=monitor, report=report)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "planted.py").write_text(PLANTED)
    np.save(tmp_path / "x.npy", np.ones((4, N), np.float32))
    np.save(tmp_path / "y.npy", np.ones(4, np.int64))
    ck = tmp_path / "ck"
    ck.mkdir()
    for t in range(3):
        torch.save({"w": torch.tensor(1.0 + t / 2)}, ck / f"epoch_{t}.pt")
    return tmp_path


def run(app, *args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_parse_budget():
    assert parse_budget("2k") == 2000 and parse_budget("2,000") == 2000
    assert parse_budget(None) is None
    with pytest.raises(CLIError, match="number of model calls"):
        parse_budget("lots")


def test_explain_with_a_budget_prints_the_certificate_and_saves(app, files):
    out = files / "out"
    res = run(app, "explain", "--data", files / "x.npy", "--factory",
              f"{files / 'planted.py'}:planted", "--reward", "logit", "--target", "1",
              "--budget", "400", "--design-seed", "3", "--q-bound", "0.02", "--out", out)
    assert res.exit_code == 0, res.output
    assert "sampled: 400 masks" in res.output and "held-out R²" in res.output
    doc = json.loads((out / "interactions.json").read_text())
    top = {(e["kind"], tuple(e["indices"])) for e in doc["results"][0]["top"][:4]}
    assert top == {("and", (3, 7)), ("or", (1, 2, 9)), ("and", (5,)), ("and", (20, 22, 23))}
    assert doc["metadata"]["design"]["seed"] == 3 and doc["metadata"]["design"]["m"] == 400


def test_explain_with_a_budget_and_the_canonical_split(app, files):
    res = run(app, "explain", "--data", files / "x.npy", "--factory",
              f"{files / 'planted.py'}:planted", "--reward", "logit", "--target", "1",
              "--budget", "400", "--q-bound", "0.02", "--selection", "canonical",
              "--epsilon", "0.02")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "canonical split (ε = 0.02, order weight p = 2): L1" in text and "LP optimum" in text
    res = run(app, "explain", "--data", files / "x.npy", "--factory",
              f"{files / 'planted.py'}:planted", "--reward", "logit", "--target", "1",
              "--budget", "400", "--q-bound", "0.02", "--selection", "canonical",
              "--order-weight", "0")
    assert res.exit_code == 0, res.output
    assert "order weight p = 0)" in " ".join(res.output.split())


@pytest.mark.parametrize(("args", "said"), [
    (["--order-weight", "1"], "--order-weight applies with --budget only"),
    (["--budget", "400", "--order-weight", "-1"], "--order-weight must be a finite number")])
def test_a_bad_order_weight_is_a_one_line_error(app, files, args, said):
    res = run(app, "explain", "--data", files / "x.npy", "--factory",
              f"{files / 'planted.py'}:planted", "--reward", "logit", *args)
    assert res.exit_code == 2 and said in " ".join(res.output.split())


def test_budget_below_the_minimum_is_a_one_line_error(app, files):
    res = run(app, "explain", "--data", files / "x.npy", "--factory",
              f"{files / 'planted.py'}:planted", "--reward", "logit", "--budget", "50")
    assert res.exit_code == 2
    assert "below the minimum of 98 model calls" in res.output and "pass budget >= 98" in \
        res.output


def test_help_says_what_the_budget_is(app):
    for cmd in ("explain", "monitor"):
        res = CliRunner().invoke(app, [cmd, "--help"], terminal_width=200)
        text = " ".join(res.output.split())
        assert "--budget" in text and "minimum is 4n+2" in text, cmd


def test_monitor_with_a_budget_then_its_report(app, files):
    args = ["monitor", files / "ck", "--out", files / "run", "--factory",
            f"{files / 'planted.py'}:planted", "--train-data", files / "x.npy", "--labels",
            files / "y.npy", "--train-samples", "0-2", "--test-samples", "none",
            "--reward", "logit", "--budget", "300", "--executor", "serial", "--no-progress"]
    res = run(app, *args)
    assert res.exit_code == 0, res.output
    assert "sampled: masks per sample" in res.output
    store = RunStore.open(files / "run")
    assert store.sampled and store.completed() == [0, 1, 2]
    assert store.config["sampling"]["m"] == 300
    res = run(app, *args[:-5], "--budget", "300", "--design-seed", "1", "--executor",
              "serial", "--no-progress", "--resume")
    assert res.exit_code == 2 and "--design-seed" in res.output
    res = run(app, "report", files / "run", "--out", files / "rep")
    assert res.exit_code == 0, res.output
    html = (files / "rep" / "index.html").read_text()
    assert "Sampled run: 300 masks per sample" in html
    assert "Skipped: this run is sampled" in html
    top = (files / "rep" / "tables" / "top-interactions-top-interactions.csv").read_text()
    assert top.splitlines()[0].startswith("epoch,sample,kind") and "x20 &amp;" not in top


def test_max_order_caps_the_atoms_and_needs_a_budget(app, files):
    base = ["explain", "--data", files / "x.npy", "--factory", f"{files / 'planted.py'}:planted",
            "--reward", "logit", "--target", "1", "--q-bound", "0.02"]
    res = run(app, *base, "--budget", "400", "--max-order", "3")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "certified optimal on the fit masks over every atom of order <= 3" in text
    res = run(app, *base, "--max-order", "3")
    assert res.exit_code == 2 and "--max-order applies with --budget only" in res.output
    res = run(app, *base, "--budget", "400", "--max-order", "0")
    assert res.exit_code == 2 and "--max-order must be at least 1" in res.output


def test_monitor_passes_max_order_to_the_sparse_extraction(app, files):
    res = run(app, "monitor", files / "ck", "--out", files / "run", "--factory",
              f"{files / 'planted.py'}:planted", "--train-data", files / "x.npy", "--labels",
              files / "y.npy", "--train-samples", "0-0", "--test-samples", "none", "--reward",
              "logit", "--budget", "300", "--max-order", "3", "--executor", "serial",
              "--no-progress")
    assert res.exit_code == 0, res.output
    store = RunStore.open(files / "run")
    assert store.config["solver_options"]["max_order"] == 3
    assert store.read(0).attrs["metadata"]["max_order"] == 3
