"""The run store: round trips, plain-zarr readability, atomicity, config checks, corruption."""

from __future__ import annotations

import errno
import json

import numpy as np
import pytest
import zarr

import harsanyi as hs
from harsanyi.errors import ConfigMismatchError, StoreError
from harsanyi.store import RunStore, config_diff, config_hash
from harsanyi.store import writers as writers_mod

CONFIG = {"q_bound": 0.02, "model": {"factory": "m:f", "width": 8}, "samples": [0, 1, 2]}


def _interactions(seed: int, n: int = 3, batch: int = 2) -> hs.Interactions:
    values = np.random.default_rng(seed).normal(size=(batch, 2**n))
    return hs.mobius(values)


def _store(tmp_path, **kw) -> RunStore:
    return RunStore.create(tmp_path / "run", CONFIG, players=["a", "b", "c"],
                           samples={"index": [4, 7], "split": ["train", "test"]}, **kw)


def test_round_trip_and_plain_zarr(tmp_path):
    run = _store(tmp_path, metadata={"seed": 3})
    I0, I1 = _interactions(0), _interactions(1)
    run.write_interactions(1, I0, train_loss=0.5, test_loss=0.6)
    run.write_interactions(0, I1, train_loss=0.9, test_loss=1.0)
    assert run.completed() == [0, 1]
    back = RunStore.open(tmp_path / "run", CONFIG).read_interactions(1)
    np.testing.assert_array_equal(back.and_values, I0.and_values)
    np.testing.assert_array_equal(back.values, I0.values)
    assert back.players == ["a", "b", "c"]
    losses = run.losses()
    np.testing.assert_array_equal(losses["epoch"], [0, 1])
    np.testing.assert_array_equal(losses["train_loss"], [0.9, 0.5])
    assert run.stack("and_values").shape == (2, 2, 8)
    assert run.verify() == [0, 1]
    # readable with plain zarr, layout as documented
    root = zarr.open_group(str(tmp_path / "run"), mode="r")
    assert root.attrs["format"] == "harsanyi.run/1"
    assert root.attrs["config_hash"] == config_hash(CONFIG)
    assert root.attrs["samples"]["index"] == [4, 7]
    assert root.attrs["metadata"]["seed"] == 3
    ck = root["ckpt/000001"]
    assert ck.attrs["complete"] is True and ck.attrs["test_loss"] == 0.6
    np.testing.assert_array_equal(ck["or_values"][...], I0.or_values)
    assert ck["q"].shape == (2, 8) and ck["residual"].shape == (2,)
    assert not (tmp_path / "run" / ".partial").exists()


def test_append_only_and_existing_folder(tmp_path):
    run = _store(tmp_path)
    run.write_interactions(3, _interactions(0))
    with pytest.raises(StoreError, match=r"already stored.*append-only"):
        run.write_interactions(3, _interactions(1))
    with pytest.raises(StoreError, match=r"already exists and is not empty.*--resume"):
        _store(tmp_path)
    # resume=True opens the existing store instead
    again = RunStore.open_or_create(tmp_path / "run", CONFIG, resume=True, players=["a"])
    assert again.completed() == [3]


def test_config_mismatch_names_keys(tmp_path):
    _store(tmp_path)
    other = {**CONFIG, "q_bound": 0.04, "model": {"factory": "m:f", "width": 16}}
    with pytest.raises(ConfigMismatchError) as info:
        RunStore.open(tmp_path / "run", other)
    msg = str(info.value)
    assert "q_bound" in msg and "model.width" in msg and "samples" not in msg
    assert "stored 0.02" in msg and "now 0.04" in msg
    assert isinstance(info.value, StoreError)
    assert config_diff(CONFIG, {**CONFIG, "extra": 1}) == ["extra"]


def test_half_written_checkpoints_are_detected_and_cleaned(tmp_path):
    run = _store(tmp_path)
    run.write_interactions(0, _interactions(0))
    # a leftover of a killed write, and a group without completion marker
    left = tmp_path / "run" / ".partial" / "000001-999-abc"
    left.mkdir(parents=True)
    (left / "zarr.json").write_text("{")
    g = zarr.open_group(str(tmp_path / "run" / "ckpt" / "000002"), mode="w",
                        attributes={"complete": False})
    g.create_array("values", shape=(2, 8), dtype="float64")
    assert run.completed() == [0] and not run.has(2)
    assert {p.name for p in run.incomplete()} == {"000001-999-abc", "000002"}
    with pytest.raises(StoreError, match="not \\(completely\\) stored"):
        run.read(2)
    removed = RunStore.open_or_create(tmp_path / "run", CONFIG, resume=True, players=[])
    assert removed.incomplete() == []
    assert not (tmp_path / "run" / "ckpt" / "000002").exists()
    removed.write_interactions(2, _interactions(2))  # the redo succeeds
    assert removed.completed() == [0, 2]


def test_disk_full_keeps_finished_checkpoints(tmp_path, monkeypatch):
    run = _store(tmp_path)
    I0 = _interactions(0)
    run.write_interactions(0, I0)
    real = writers_mod._write_array
    calls = {"n": 0}

    def flaky(group, name, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(group, name, data)

    monkeypatch.setattr(writers_mod, "_write_array", flaky)
    with pytest.raises(StoreError) as info:
        run.write_interactions(1, _interactions(1))
    assert info.value.errno == errno.ENOSPC
    assert "disk full" in str(info.value) and "1 checkpoints already stored are intact" in str(
        info.value)
    monkeypatch.setattr(writers_mod, "_write_array", real)
    assert run.completed() == [0] and run.incomplete() == []
    np.testing.assert_array_equal(run.read(0, verify=True).arrays["and_values"], I0.and_values)
    run.write_interactions(1, _interactions(1))  # after freeing space the write succeeds
    assert run.completed() == [0, 1]


def test_corrupted_store_raises_store_error(tmp_path):
    run = _store(tmp_path)
    run.write_interactions(0, _interactions(0))
    # garbage chunk bytes: the zstd checksum catches it
    chunk = next((tmp_path / "run" / "ckpt" / "000000" / "and_values" / "c").rglob("*"))
    while chunk.is_dir():
        chunk = next(chunk.iterdir())
    chunk.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(StoreError, match="corrupted: checkpoint 0 cannot be read"):
        run.read(0)
    # a missing array
    (tmp_path / "run2").mkdir()
    run2 = RunStore.create(tmp_path / "run2" / "r", CONFIG, players=["a", "b", "c"])
    run2.write_interactions(0, _interactions(0))
    import shutil

    shutil.rmtree(tmp_path / "run2" / "r" / "ckpt" / "000000" / "gamma")
    with pytest.raises(StoreError, match="corrupted"):
        run2.read(0)
    # a silently modified array fails its checksum
    run3 = RunStore.create(tmp_path / "run3", CONFIG, players=["a", "b", "c"])
    run3.write_interactions(0, _interactions(0))
    arr = zarr.open_array(str(tmp_path / "run3" / "ckpt" / "000000" / "values"), mode="r+")
    arr[0, 0] = 123.0
    with pytest.raises(StoreError, match="'values' of checkpoint 0 fails its checksum"):
        run3.verify()
    # a garbled root
    (tmp_path / "run" / "zarr.json").write_text("{not json")
    with pytest.raises(StoreError, match="corrupted: unreadable"):
        RunStore.open(tmp_path / "run")
    (tmp_path / "run" / "zarr.json").write_text(json.dumps({"attributes": {"format": "x"}}))
    with pytest.raises(StoreError, match="not a harsanyi run"):
        RunStore.open(tmp_path / "run")
    with pytest.raises(StoreError, match="does not exist"):
        RunStore.open(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match=r"zarr.json is missing"):
        RunStore.open(tmp_path / "empty")
