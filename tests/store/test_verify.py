"""Checksums, verification, repair and replacement of run stores (no model needed)."""

from __future__ import annotations

import errno
import json
import shutil
import warnings

import numpy as np
import pytest

import harsanyi as hs
import harsanyi.store.writers as writers_mod
from harsanyi.errors import DamagedCheckpointWarning, StoreError
from harsanyi.store import RunStore, readable_checkpoints, repair_store, verify_store
from harsanyi.store.repair import holds_no_results
from harsanyi.store.verify import MANIFEST, schema_version

CONFIG = {"q_bound": 0.0, "model": {"width": 8}}


def _interactions(seed: int):
    v = np.random.default_rng(seed).normal(size=(2, 8))
    return hs.mobius(v)


def _store(path, epochs=range(6)):
    run = RunStore.create(path, CONFIG, players=["a", "b", "c"],
                          samples={"split": ["train", "test"]})
    for e in epochs:
        run.write_interactions(e, _interactions(e), train_loss=1.0 / (e + 1), test_loss=e)
    return run


def _chunk(run, epoch, array="and_values"):
    return run.path / "ckpt" / f"{epoch:06d}" / array / "c" / "0" / "0"


def _flip(path, offset=8, n=8):
    data = bytearray(path.read_bytes())
    for i in range(offset, min(offset + n, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _damage(run):
    """A flipped chunk (1), a garbled checkpoint zarr.json (3), a truncated chunk (4)."""
    _flip(_chunk(run, 1))
    (run.path / "ckpt" / "000003" / "zarr.json").write_text('{"attributes": {"compl')
    chunk = _chunk(run, 4, "values")
    chunk.write_bytes(chunk.read_bytes()[:10])


def _stamps(run):
    return {d.name: (d / "zarr.json").stat().st_mtime_ns for d in (run.path / "ckpt").iterdir()
            if d.is_dir()}


def test_manifests_and_schema_version(tmp_path):
    run = _store(tmp_path / "run", [0, 1])
    assert schema_version(run.attrs) == 2 == schema_version(RunStore.open(run.path).attrs)
    doc = json.loads((run.path / "ckpt" / "000000" / MANIFEST).read_text())
    assert "and_values/c/0/0" in doc["files"] and "zarr.json" in doc["files"]
    assert (run.path / MANIFEST).is_file()
    rep = verify_store(run.path)
    assert rep.ok and rep.good == [0, 1] and rep.bad == {}


def test_verify_names_each_damage_and_repair_moves_only_those(tmp_path):
    run = _store(tmp_path / "run")
    ref = {e: run.read(e).arrays for e in run.completed()}
    _damage(run)
    rep = verify_store(run.path)
    assert rep.good == [0, 2, 5] and sorted(rep.bad) == [1, 3, 4]
    assert "and_values/c/0/0 fails its SHA-256" in rep.bad[1]
    assert "zarr.json" in rep.bad[3]
    assert "values/c/0/0 has 10 bytes instead of" in rep.bad[4]
    # analyses skip them with a warning naming the checkpoint and the repair
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        arr = RunStore.open(run.path).arrays()
    msgs = [str(w.message) for w in caught if w.category is DamagedCheckpointWarning]
    assert [m.split(" of the run store")[0] for m in msgs] == [
        "checkpoint 1", "checkpoint 3", "checkpoint 4"]
    assert all(f"harsanyi store repair {run.path}" in m and "--resume" in m for m in msgs)
    assert arr.epochs.tolist() == [0, 2, 5] and arr.test_loss.tolist() == [0.0, 2.0, 5.0]
    np.testing.assert_array_equal(arr.and_values[1], ref[2]["and_values"])
    before = _stamps(run)
    fixed = repair_store(run.path)
    assert sorted(fixed.moved) == [1, 3, 4]
    for e, dest in fixed.moved.items():  # moved aside, nothing deleted
        assert dest.parent == run.path / "quarantine" and dest.name.startswith(f"{e:06d}-")
        assert (dest / MANIFEST).is_file()
    after = _stamps(run)
    assert after == {k: v for k, v in before.items() if int(k) in (0, 2, 5)}
    assert verify_store(run.path).ok and run.completed() == [0, 2, 5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert readable_checkpoints(run) == [0, 2, 5]
    # the repaired store takes the redone checkpoints back
    for e in (1, 3, 4):
        run.write_interactions(e, _interactions(e), train_loss=1.0 / (e + 1), test_loss=e)
    for e in range(6):
        for k, v in ref[e].items():
            np.testing.assert_allclose(run.read(e, verify=True).arrays[k], v, rtol=0,
                                       atol=1e-12)


def test_resume_repairs(tmp_path):
    run = _store(tmp_path / "run")
    _damage(run)
    again = RunStore.open_or_create(run.path, CONFIG, resume=True, players=["a", "b", "c"])
    assert sorted(again.repaired.moved) == [1, 3, 4] and again.completed() == [0, 2, 5]


def test_root_metadata_is_restored_from_its_copy(tmp_path):
    run = _store(tmp_path / "run", [0])
    good = (run.path / "zarr.json").read_text()
    (run.path / "zarr.json").write_text(good[: len(good) // 2])
    with pytest.raises(StoreError, match=r"store repair .* restores it"):
        RunStore.open(run.path)
    assert "zarr.json" in verify_store(run.path).other
    assert repair_store(run.path).restored == ["zarr.json"]
    assert (run.path / "zarr.json").read_text() == good
    assert RunStore.open(run.path).completed() == [0]
    (run.path / "ckpt" / "zarr.json").write_text("garbage")
    again = RunStore.open_or_create(run.path, CONFIG, resume=True, players=["a", "b", "c"])
    assert again.repaired.restored == ["ckpt/zarr.json"] and verify_store(run.path).ok


def test_stores_without_manifests_still_read_and_verify(tmp_path):
    """Schema 1 (written before manifests): no manifest files, no schema_version."""
    run = _store(tmp_path / "run", [0, 1])
    for m in run.path.rglob(MANIFEST):
        m.unlink()
    root = json.loads((run.path / "zarr.json").read_text())
    del root["attributes"]["schema_version"]
    (run.path / "zarr.json").write_text(json.dumps(root))
    old = RunStore.open(run.path)
    assert schema_version(old.attrs) == 1 and old.completed() == [0, 1]
    assert verify_store(run.path).ok
    _flip(_chunk(run, 1))
    assert list(verify_store(run.path).bad) == [1]
    assert list(repair_store(run.path).moved) == [1]


def test_a_store_without_results_is_replaced(tmp_path):
    run = RunStore.create(tmp_path / "run", CONFIG, players=["a"])
    assert holds_no_results(run.path)
    # a rerun with another configuration, with or without resume, replaces it
    other = {**CONFIG, "q_bound": 0.5}
    new = RunStore.open_or_create(run.path, other, resume=True, players=["a", "b"])
    assert new.config["q_bound"] == 0.5 and new.n == 2
    new = RunStore.open_or_create(run.path, CONFIG, resume=False, players=["a"])
    new.write_interactions(0, hs.mobius([[0.0, 1.0]]))
    assert not holds_no_results(run.path)
    with pytest.raises(StoreError, match="already exists"):
        RunStore.create(run.path, CONFIG, players=["a"])
    # a folder that is not a store is never replaced
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "zarr.json").write_text("{}")
    assert not holds_no_results(tmp_path / "mine")


def test_disk_full_while_writing_the_manifest(tmp_path, monkeypatch):
    run = _store(tmp_path / "run", [0])
    real = writers_mod.write_manifest

    def full(folder):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writers_mod, "write_manifest", full)
    with pytest.raises(StoreError, match="disk full") as info:
        run.write_interactions(1, _interactions(1))
    assert info.value.errno == errno.ENOSPC
    monkeypatch.setattr(writers_mod, "write_manifest", real)
    assert run.completed() == [0] and run.incomplete() == [] and verify_store(run.path).ok
    run.write_interactions(1, _interactions(1))
    assert verify_store(run.path).good == [0, 1]


def test_damaged_run_level_array(tmp_path):
    run = _store(tmp_path / "run", [0])
    run.write_array("directions", np.eye(3))
    _flip(run.path / "extra" / "directions" / "data" / "c" / "0" / "0")
    assert "extra/directions" in verify_store(run.path).other
    assert "extra/directions" in repair_store(run.path).moved
    assert run.read_array("directions") is None and verify_store(run.path).ok
    shutil.rmtree(run.path / "quarantine")
