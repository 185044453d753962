"""The demo experiment (`harsanyi demo`): end to end on tiny settings, resuming after an
interruption, refusing foreign folders and changed settings, and the digits variant."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from harsanyi.errors import ConfigMismatchError
from harsanyi.report import MARKER, ReportFolderError
from harsanyi.store import RunStore
from harsanyi.workflows.demo import (
    DEMO_MARKER,
    check_out_dir,
    demo_config,
    epoch_schedule,
    measurement_groups,
    run_demo,
    select_samples,
    tabular_task,
    train_stage,
)
from harsanyi.workflows.demo_digits import cell_boxes, variance_cells

QUICK = demo_config(quick=True)
SCHEDULE = epoch_schedule(QUICK.epochs, QUICK.checkpoints)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "report"
    messages: list[str] = []
    return run_demo(out, QUICK, workers=1, progress=False, echo=messages.append), messages


def test_quick_demo_end_to_end(quick_run):
    res, messages = quick_run
    assert res.index == res.out / "index.html" and res.index.is_file()
    assert (res.out / MARKER).is_file() and (res.out / DEMO_MARKER).is_file()
    assert [m[:5] for m in messages] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    store = RunStore.open(res.out / "run")
    assert store.completed() == SCHEDULE == [0, 1, 3, 6]
    assert store.n == QUICK.players and store.players[:2] == ["radius", "texture"]
    assert store.samples["split"] == ["train"] * 3 + ["test"] * 3
    for name in ("theory.npz", "groups.npz", "decay_spindle.npz", "boundaries.json"):
        assert (res.out / "run" / "analysis" / name).is_file(), name
    assert len(res.findings) == 3
    assert res.findings[0].startswith("Phase boundary: ")
    assert res.findings[1].startswith("Fitted σ² (epochs ")
    assert res.findings[2].startswith("Five groups (mean count among each sample's top 10)")
    counts = res.groups.counts()
    assert sum(counts.values()) == pytest.approx(10.0)  # every tracked interaction is classified
    html = res.index.read_text()
    assert "breast cancer" in html and "sparsity bound" in html
    assert res.stats["monitor_checkpoints_written"] == len(SCHEDULE)
    assert not res.stats["training_reused"]
    bounds = json.loads((res.out / "run" / "analysis" / "boundaries.json").read_text())
    if res.phases.boundary_epoch is not None:
        assert f"epoch {bounds['phase_boundary']}" in res.findings[0]


def test_rerun_after_interruption_resumes(quick_run):
    res, _ = quick_run
    store = RunStore.open(res.out / "run")
    last = store.completed()[-1]
    kept = store.path / "ckpt" / f"{0:06d}" / "zarr.json"
    before_mtime = kept.stat().st_mtime_ns
    before = store.read(last).arrays
    shutil.rmtree(store.path / "ckpt" / f"{last:06d}")  # the run was killed during the last one
    res.index.unlink()                                   # ... before the report was written
    again = run_demo(res.out, QUICK, workers=1, progress=False)
    assert again.index.is_file()
    assert again.stats["training_reused"]
    assert again.stats["monitor_checkpoints_written"] == 1
    assert again.stats["monitor_checkpoints_skipped"] == len(SCHEDULE) - 1
    assert kept.stat().st_mtime_ns == before_mtime  # finished checkpoints were not rewritten
    after = RunStore.open(res.out / "run").read(last).arrays
    for name in ("values", "and_values", "or_values"):
        np.testing.assert_allclose(after[name], before[name], rtol=0, atol=1e-9)
    assert again.findings[0] == res.findings[0]


def test_other_settings_in_the_same_folder_are_refused(quick_run):
    res, _ = quick_run
    with pytest.raises(ConfigMismatchError, match=r"samples \(stored 3, now 4\)"):
        run_demo(res.out, demo_config(quick=True, samples=4), workers=1, progress=False)


def test_a_foreign_folder_is_refused_unless_forced(tmp_path):
    (tmp_path / "thesis.tex").write_text("keep me")
    with pytest.raises(ReportFolderError, match="is not a harsanyi report or demo"):
        run_demo(tmp_path, QUICK, workers=1, progress=False)
    assert not (tmp_path / DEMO_MARKER).exists() and not (tmp_path / "run").exists()
    check_out_dir(tmp_path, QUICK, force=True)
    assert json.loads((tmp_path / DEMO_MARKER).read_text())["config"]["epochs"] == QUICK.epochs
    assert (tmp_path / "thesis.tex").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ReportFolderError, match="not a folder"):
        check_out_dir(tmp_path / "file", QUICK)


def test_incomplete_training_is_redone_identically(tmp_path):
    task = tabular_task(QUICK)
    assert not train_stage(tmp_path, task.dataset, task.model, task.train_config, False)
    first = torch.load(tmp_path / "checkpoints" / "epoch_0006.pt", weights_only=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["complete"] = False                    # killed before the end
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    task = tabular_task(QUICK)                      # a fresh process rebuilds the model
    assert not train_stage(tmp_path, task.dataset, task.model, task.train_config, False)
    again = torch.load(tmp_path / "checkpoints" / "epoch_0006.pt", weights_only=True)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert train_stage(tmp_path, task.dataset, task.model, task.train_config, False)


def test_players_and_samples():
    groups, names = measurement_groups(tabular_task(QUICK).dataset.feature_names)
    assert len(groups) == 10 and all(len(g) == 3 for g in groups)
    assert sorted(j for g in groups for j in g) == list(range(30))
    assert names[0] == "radius" and groups[0] == [0, 10, 20]
    ds = tabular_task(QUICK).dataset
    s = select_samples(ds, 5, seed=1)
    assert s["inputs"].shape == (10, 30) and s["targets"][5:] == ds.y_test[s["index"][5:]].tolist()
    assert select_samples(ds, 5, seed=1)["index"] == s["index"]
    with pytest.raises(ValueError, match="asked for 999 train samples; the dataset has 426"):
        select_samples(ds, 999, seed=0)


def test_digit_patches():
    x = np.zeros((3, 1, 8, 8))
    x[:, 0, 2:6, 2:6] = np.arange(3)[:, None, None]  # the centre varies, the border does not
    assert variance_cells(x, 4) == [5, 6, 9, 10]
    assert cell_boxes([5, 15]) == [(2, 2, 4, 4), (6, 6, 8, 8)]


def test_digits_quick_demo_with_components(tmp_path):
    cfg = demo_config("digits", quick=True, epochs=4, checkpoints=3)
    res = run_demo(tmp_path / "digits", cfg, workers=2, progress=False)  # components beside
    html = res.index.read_text()
    assert "patch-maps" in html and "VGG-11" in html
    assert (res.out / "components" / "index.html").is_file()
    comp = RunStore.open(res.out / "components_run")
    assert comp.players == [f"c{i}" for i in range(cfg.players)]
    assert comp.completed() == [0, 1, 4] == RunStore.open(res.out / "run").completed()
    assert comp.read_array("directions").shape[0] == cfg.players
    assert "components/index.html" in html


def test_quick_demo_on_the_canonical_split(quick_run, tmp_path):
    """The default demo runs on the canonical split ("auto" at n <= 10); a vertex run of the
    same training (reused) finds the same LP optima, and each report names its selection."""
    res, _ = quick_run
    store = RunStore.open(res.out / "run")
    assert store.config["solver_options"] == {"selection": "canonical", "epsilon": 0.01}
    meta = store.read(store.completed()[-1]).attrs["metadata"]
    assert meta["selection"] == "canonical"
    out = tmp_path / "vertex"
    out.mkdir()
    shutil.copytree(res.out / "train", out / "train")
    vertex = run_demo(out, demo_config(quick=True, selection="vertex"), workers=1,
                      progress=False, force=True)
    assert vertex.stats["training_reused"]
    stored = RunStore.open(out / "run")
    assert stored.config["solver_options"] == {}  # a vertex run records no selection
    other = stored.read(store.completed()[-1]).attrs["metadata"]
    assert other["selection"] == "vertex"
    np.testing.assert_allclose(meta["lp_optimum"], other["lp_optimum"], rtol=1e-6)
    assert "Tracking quality (vertex split)" in vertex.index.read_text()
    assert "Tracking quality (canonical split)" in res.index.read_text()
    assert sum(res.groups.counts().values()) == pytest.approx(10.0)
