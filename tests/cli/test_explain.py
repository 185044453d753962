"""``harsanyi explain`` end to end on saved models, and its one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import typer
from cli_app import command_app
from typer.testing import CliRunner

import harsanyi as hs
from harsanyi.cli.explain import explain
from harsanyi.cli.grammar import parse_indices, parse_players
from harsanyi.games import Columns, model_game

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")

FACTORY = '''
import torch

def make():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))

class Text(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.emb = torch.nn.Embedding(12, 4)
        self.head = torch.nn.Linear(4, 2)

    def get_input_embeddings(self):
        return self.emb

    def forward(self, input_ids=None, inputs_embeds=None):
        return self.head(torch.tanh(inputs_embeds).sum(1))

def text():
    return Text()

def points():
    torch.manual_seed(2)
    return torch.nn.Sequential(torch.nn.Conv1d(3, 8, 1), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(8 * 12, 2))
'''


@pytest.fixture
def app() -> typer.Typer:
    return command_app(explain=explain)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "fac.py").write_text(FACTORY)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    torch.save(net.state_dict(), tmp_path / "sd.pt")
    torch.jit.save(torch.jit.script(net.eval()), str(tmp_path / "model.ts"))
    x = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    rows = "\n".join(",".join(f"{v:.6f}" for v in r) for r in x)
    (tmp_path / "x.csv").write_text("age,sex,income,debt,kids\n" + rows + "\n")
    return tmp_path, net.eval(), x


def run(app, *args):
    return CliRunner().invoke(app, ["explain", *map(str, args)])


def test_torchscript_npy_mobius_writes_json_csv_npz(app, files):
    tmp, net, x = files
    out = tmp / "out"
    res = run(app, "--model", tmp / "model.ts", "--data", tmp / "x.npy", "--samples", "0,2",
              "--solver", "mobius", "--top-k", "4", "--out", out)
    assert res.exit_code == 0, res.output
    flat = " ".join(res.stdout.split())
    assert "sample 2 (target" in flat and "matching residual" in flat
    summary = json.loads((out / "interactions.json").read_text())
    assert summary["samples"] == [0, 2] and len(summary["results"]) == 2
    game = model_game(net, torch.as_tensor(x[[0, 2]]), Columns("all"))
    want = hs.mobius(game).get_top_k(4, sample=1)
    got = summary["results"][1]["top"]
    assert [(t["kind"], tuple(t["indices"])) for t in got] == [(k, m) for k, m, _ in want]
    assert np.allclose([t["value"] for t in got], [v for _, _, v in want], atol=1e-6)
    assert summary["results"][1]["residual"] <= 1e-9
    csv = (out / "interactions.csv").read_text().splitlines()
    assert csv[0] == "sample,kind,mask,players,order,value" and csv[-1].startswith("2,")
    loaded = hs.Interactions.load(out / "interactions.npz")
    assert loaded.and_values.shape == (2, 32)


def test_factory_state_dict_csv_names_and_groups(app, files):
    tmp = files[0]
    res = run(app, "--factory", f"{tmp / 'fac.py'}:make", "--state-dict", tmp / "sd.pt",
              "--data", tmp / "x.csv", "--players", "columns:age+sex,income,3-4",
              "--baseline", "mean", "--solver", "mobius", "--out", tmp / "o")
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp / "o" / "interactions.json").read_text())
    assert summary["players"] == ["age+sex", "income", "debt", "kids"]
    assert summary["metadata"]["baseline"] == "mean"


def test_token_and_group_players(app, tmp_path):
    (tmp_path / "fac.py").write_text(FACTORY)
    np.save(tmp_path / "ids.npy", np.array([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]))
    res = run(app, "--factory", f"{tmp_path / 'fac.py'}:text", "--data", tmp_path / "ids.npy",
              "--players", "tokens:0-2,4", "--samples", "all", "--solver", "mobius",
              "--out", tmp_path / "t")
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "t" / "interactions.json").read_text())
    assert summary["players"] == ["tok0", "tok1", "tok2", "tok4"]
    assert all(r["residual"] <= 1e-9 for r in summary["results"])
    torch.save(torch.randn(3, 3, 12), tmp_path / "pc.pt")
    (tmp_path / "parts.json").write_text(json.dumps(
        {"groups": [[0, 1, 2], [3, 4], [8, 9, 10, 11]], "names": ["wing", "tail", "nose"]}))
    res = run(app, "--factory", f"{tmp_path / 'fac.py'}:points", "--data", tmp_path / "pc.pt",
              "--players", f"groups:{tmp_path / 'parts.json'}", "--baseline", "center",
              "--solver", "mobius", "--outside", "present")
    assert res.exit_code == 0, res.output
    assert "wing" in res.stdout


def test_and_or_solver_or_a_clear_message(app, files):
    tmp = files[0]
    res = run(app, "--model", tmp / "model.ts", "--data", tmp / "x.npy", "--solver", "exact",
              "--q-bound", "0.0", "--out", tmp / "e")
    try:
        from harsanyi.extract.solvers import solve  # noqa: F401
    except ImportError:
        assert res.exit_code == 2 and "try --solver mobius" in res.stderr
        return
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp / "e" / "interactions.json").read_text())
    assert summary["results"][0]["residual"] <= 1e-9


def test_canonical_selection_is_stated_with_the_lp_optimum(app, files):
    tmp = files[0]
    common = ("--model", tmp / "model.ts", "--data", tmp / "x.npy", "--samples", "0,1")
    canon = run(app, *common, "--selection", "canonical", "--epsilon", "0.05", "--out",
                tmp / "c")
    vertex = run(app, *common, "--selection", "vertex", "--out", tmp / "v")
    auto = run(app, *common, "--out", tmp / "a")  # the default: canonical at n <= 12
    assert canon.exit_code == 0 and vertex.exit_code == 0, canon.output + vertex.output
    assert auto.exit_code == 0, auto.output

    def said(res):  # the table's caption wraps with the table's width
        return " ".join(res.stdout.split())
    assert "canonical split: L1" in said(canon) and "vertex split: L1" in said(vertex)
    assert "canonical split: L1" in said(auto)
    c = json.loads((tmp / "c" / "interactions.json").read_text())["metadata"]
    v = json.loads((tmp / "v" / "interactions.json").read_text())["metadata"]
    a = json.loads((tmp / "a" / "interactions.json").read_text())["metadata"]
    assert (c["selection"], c["epsilon"], v["selection"]) == ("canonical", 0.05, "vertex")
    assert (a["selection"], a["epsilon"]) == ("canonical", 0.01)
    np.testing.assert_allclose(c["lp_optimum"], v["lp_optimum"], rtol=1e-7)  # one optimum
    split = hs.Interactions.load(tmp / "c" / "interactions.npz")
    l1 = np.abs(split.and_values[:, 1:]).sum(-1) + np.abs(split.or_values).sum(-1)
    np.testing.assert_allclose(l1, 1.05 * np.array(c["lp_optimum"]), rtol=1e-6)


@pytest.mark.parametrize("args, message", [
    (["--model", "missing.ts", "--data", "{tmp}/x.npy"], "model file missing.ts does not exist"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/nope.npy"], "data file"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--players", "pixels:3"],
     "unknown player kind 'pixels'"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--players", "columns:0,9"],
     "uses index 9, outside 0..4"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--samples", "7"],
     "sample 7 is out of range"),
    (["--factory", "no_such_module_xyz:make", "--data", "{tmp}/x.npy"], "cannot import"),
    (["--model", "{tmp}/model.ts", "--factory", "a:b", "--data", "{tmp}/x.npy"],
     "give either --model FILE"),
    (["--model", "{tmp}/x.npy", "--data", "{tmp}/x.npy"], "cannot load"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--target", "7"],
     "target 7 (sample 0) is out of range"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--players", "patches:grid=8x8"],
     "patch players need images"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--baseline", "median"],
     "unknown baseline 'median'"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--players", "patches:grid=8y8"],
     "grid must be R or RxC; got '8y8'"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--selection", "centre"],
     "unknown selection 'centre'; choose one of ('auto', 'canonical', 'vertex')"),
    (["--model", "{tmp}/model.ts", "--data", "{tmp}/x.npy", "--selection", "canonical",
      "--epsilon", "-1"], "epsilon must be a finite number >= 0"),
])
def test_errors_are_one_line_with_nonzero_exit(app, files, args, message):
    tmp = files[0]
    res = run(app, *[a.format(tmp=tmp) for a in args], "--solver", "mobius")
    assert res.exit_code == 2
    assert message in res.stderr
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("error: ")
    assert "Traceback" not in res.output


def test_help_documents_the_player_syntax(app):
    res = CliRunner().invoke(app, ["explain", "--help"])
    assert res.exit_code == 0
    flat = " ".join(res.stdout.split())
    assert "columns:all" in flat and "tokens:0-9" in flat and "groups:FILE.json" in flat


def test_spec_parsers():
    assert parse_indices("0-2,5+7") == [[0], [1], [2], [5, 7]]
    p = parse_players("patches:grid=8x8,n=10,seed=0,region=6x6")
    assert p.n == 10 and all(1 <= r <= 6 and 1 <= c <= 6 for r, c in p.cells)
    g = parse_players("groups:0-3;4,6;axis=0")
    assert g.groups == [(0, 1, 2, 3), (4, 6)] and g.axis == 0
    assert parse_players("tokens:1,3").names == ["tok1", "tok3"]


def test_labels_file_as_target(app, files):
    tmp = files[0]
    np.save(tmp / "y.npy", np.array([0, 1, 2, 1, 0, 2]))
    res = run(app, "--model", tmp / "model.ts", "--data", tmp / "x.npy", "--samples", "1-2",
              "--target", tmp / "y.npy", "--solver", "mobius", "--out", tmp / "l")
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp / "l" / "interactions.json").read_text())
    assert [r["target"] for r in summary["results"]] == [1, 2]
