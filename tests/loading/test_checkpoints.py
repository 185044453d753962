"""Checkpoint sources: manifests, plain folders, file formats, key prefixes, factories, errors."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from harsanyi.errors import CheckpointError
from harsanyi.loading import (
    Checkpoint,
    FactorySpec,
    epoch_from_name,
    find_checkpoints,
    load_into,
    read_checkpoint,
    resolve_factory,
)


def _net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_manifest_of_a_zoo_run(trained_run):
    ckpts = find_checkpoints(trained_run["dir"])
    assert [c.epoch for c in ckpts] == list(range(7))
    assert ckpts[2].train_loss == pytest.approx(trained_run["run"].train_losses[2])
    assert ckpts[2].test_loss == pytest.approx(trained_run["run"].test_losses[2])
    assert ckpts[2].path.name == "epoch_0002.pt" and "train_acc" in ckpts[2].extra


def test_plain_folder_formats_and_losses(tmp_path):
    nets = {e: _net(e) for e in (1, 5, 12)}
    torch.save(nets[12].state_dict(), tmp_path / "model_epoch_12.pt")  # plain state dict
    torch.save(nets[5], tmp_path / "epoch=5-step=50.ckpt")  # a whole pickled model
    wrapped = {"state_dict": {f"model.{k}": v for k, v in nets[1].state_dict().items()},
               "train_loss": 0.3, "test_loss": 0.4}
    torch.save(wrapped, tmp_path / "ckpt-epoch1.pth")  # Lightning-like wrapper with prefix
    (tmp_path / "notes.pt").write_bytes(b"")  # no epoch in the name: ignored
    ckpts = find_checkpoints(tmp_path)
    assert [c.epoch for c in ckpts] == [1, 5, 12]
    assert (ckpts[0].train_loss, ckpts[0].test_loss) == (0.3, 0.4)
    assert ckpts[2].train_loss is None
    for ck in ckpts:
        model = load_into(_net(99), ck.path)
        for k, v in model.state_dict().items():
            assert torch.equal(v, nets[ck.epoch].state_dict()[k])
    with pytest.raises(CheckpointError, match="holds pickled objects"):
        read_checkpoint(ckpts[1].path, allow_pickle=False)


def test_bad_folders(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        find_checkpoints(tmp_path / "nope")
    with pytest.raises(CheckpointError, match=r"no checkpoints in .* 'epoch_12.pt'"):
        find_checkpoints(tmp_path)
    torch.save({"w": torch.zeros(1)}, tmp_path / "epoch_3.pt")
    (tmp_path / "sub").mkdir()
    torch.save({"w": torch.zeros(1)}, tmp_path / "sub" / "epoch-3.pt")
    with pytest.raises(CheckpointError, match="two checkpoints for epoch 3"):
        find_checkpoints(tmp_path)
    m = tmp_path / "m"
    m.mkdir()
    (m / "manifest.json").write_text(json.dumps({"epochs": [{"epoch": 0}]}))
    with pytest.raises(CheckpointError, match="entry 0 needs 'epoch' and 'path'"):
        find_checkpoints(m)
    (m / "manifest.json").write_text("{oops")
    with pytest.raises(CheckpointError, match="not readable JSON"):
        find_checkpoints(m)
    (m / "manifest.json").write_text(json.dumps([{"epoch": 1, "path": "a.pt"},
                                                 {"epoch": 1, "path": "b.pt"}]))
    with pytest.raises(CheckpointError, match="epoch 1 is listed twice"):
        find_checkpoints(m)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable torch checkpoint"):
        read_checkpoint(tmp_path / "junk.pt")
    with pytest.raises(CheckpointError, match="does not exist"):
        read_checkpoint(tmp_path / "missing.pt")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(CheckpointError, match="holds no state dict"):
        read_checkpoint(tmp_path / "list.pt")


def test_key_mismatch_names_missing_and_unexpected_keys():
    state = _net(0).state_dict()
    state["extra.weight"] = torch.zeros(1)
    del state["2.bias"]
    with pytest.raises(CheckpointError) as info:
        load_into(_net(1), state, where="ckpt-7")
    msg = str(info.value)
    assert msg.startswith("ckpt-7 does not fit Sequential")
    assert "missing keys [2.bias] (1)" in msg and "unexpected keys [extra.weight] (1)" in msg


def test_epoch_names_and_factories():
    assert epoch_from_name("run_Epoch-0042.pt") == 42
    assert epoch_from_name("step_100.pt") is None
    assert Checkpoint(1) == Checkpoint(1, extra={"a": 1})
    net = FactorySpec("zoo:mlp5", {"in_features": 4, "n_classes": 2, "width": 8}).build()
    assert not net.training and net.in_features == 4
    with pytest.raises(ValueError, match="'module:function' or 'zoo:NAME'"):
        resolve_factory("harsanyi.zoo.mlp")
    with pytest.raises(ValueError, match="cannot import the factory module"):
        resolve_factory("no_such_module_xyz:f")
    with pytest.raises(ValueError, match=r"no attribute .mlp6.; did you mean mlp8, mlp5"):
        resolve_factory("harsanyi.zoo.mlp:mlp6")
    with pytest.raises(TypeError, match=r"not a torch.nn.Module"):
        FactorySpec("builtins:dict").build()
