"""The training loop: checkpoints + manifest, callback, determinism, reloading; the registry."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from harsanyi import zoo
from harsanyi.errors import CheckpointError, StoreError
from harsanyi.zoo.recipes import overfitting_summary


@pytest.fixture(scope="module")
def task() -> zoo.Dataset:
    return zoo.make_and_or_task(400, seed=0)


def _mlp(ds: zoo.Dataset, seed: int = 0) -> torch.nn.Module:
    return zoo.get_model("mlp5", dataset=ds, width=16, seed=seed)


def test_checkpoint_per_epoch_and_manifest(tmp_path: Path, task: zoo.Dataset) -> None:
    calls = []

    def callback(model, epoch, train_loss, test_loss):  # the monitor's signature
        assert not model.training
        calls.append((epoch, train_loss, test_loss, model(torch.ones(1, 10)).detach().clone()))

    run = zoo.train(_mlp(task), task, tmp_path / "run", epochs=4, lr=0.05, batch_size=32,
                    callback=callback)
    files = sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir())
    assert files == [f"epoch_{e:04d}.pt" for e in range(5)]
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["complete"] and manifest["model"]["name"] == "mlp5"
    assert manifest["model"]["kwargs"] == {"width": 16, "n_classes": 2, "in_features": 10}
    assert manifest["config"]["epochs"] == 4 and manifest["dataset"]["n_train"] == 300
    recs = manifest["epochs"]
    assert [r["epoch"] for r in recs] == [0, 1, 2, 3, 4] == run.epochs
    for r in recs:
        assert (tmp_path / "run" / r["path"]).is_file()
        assert all(np.isfinite(r[k]) for k in ("train_loss", "test_loss", "train_acc", "test_acc"))
        assert 0 <= r["train_acc"] <= 1
    assert recs[0]["train_loss_running"] is None and recs[1]["train_loss_running"] > 0
    # the callback ran once per recorded epoch with the recorded losses
    assert [c[0] for c in calls] == [0, 1, 2, 3, 4]
    assert [c[1] for c in calls] == [r["train_loss"] for r in recs]
    assert [c[2] for c in calls] == [r["test_loss"] for r in recs]
    # reloading a checkpoint reproduces the outputs the model gave at that epoch
    for epoch in (0, 2, 4):
        fresh = zoo.load_checkpoint(_mlp(task, seed=99), tmp_path / "run", epoch=epoch).eval()
        torch.testing.assert_close(fresh(torch.ones(1, 10)), calls[epoch][3], rtol=0, atol=0)
    rebuilt = zoo.load_model(tmp_path / "run", epoch=2)
    torch.testing.assert_close(rebuilt(torch.ones(1, 10)), calls[2][3], rtol=0, atol=0)
    last = zoo.load_checkpoint(_mlp(task, seed=5), run.checkpoint(4)).eval()
    loss, acc = zoo.evaluate(last, torch.from_numpy(task.X_test), torch.from_numpy(task.y_test))
    assert loss == pytest.approx(recs[-1]["test_loss"], rel=1e-6)
    assert acc == recs[-1]["test_acc"]


def test_training_loss_goes_down_on_an_easy_task(task: zoo.Dataset) -> None:
    run = zoo.train(_mlp(task), task, None, epochs=15, lr=3e-3, optimizer="adam", batch_size=32)
    assert run.train_losses[-1] < 0.5 * run.train_losses[0]
    assert run.test_losses[-1] < run.test_losses[0]
    assert run.records[-1]["test_acc"] > 0.9
    with pytest.raises(StoreError, match="without out_dir"):
        run.checkpoint(1)


def test_deterministic_given_seed(task: zoo.Dataset) -> None:
    def weights(seed: int) -> list[torch.Tensor]:
        model = _mlp(task, seed=0)
        zoo.train(model, task, None, epochs=2, lr=0.05, batch_size=16, seed=seed)
        return [p.detach().clone() for p in model.parameters()]

    a, b, c = weights(1), weights(1), weights(2)
    torch.set_num_threads(1)
    zoo.train(_mlp(task), task, None, epochs=1, num_threads=2)
    assert torch.get_num_threads() == 1  # restored
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(torch.equal(x, y) for x, y in zip(a, c, strict=True))


def test_text_and_image_models_train(tmp_path: Path) -> None:
    path = tmp_path / "s.tsv"
    path.write_text("".join(f"{'good great' if i % 2 else 'bad awful'} film {i}\t{i % 2}\n"
                            for i in range(24)))
    ds = zoo.load_sst2(path, test_fraction=0.25)
    net = zoo.get_model("textcnn", dataset=ds, embed_dim=8, channels=4, hidden=8, seed=0)
    run = zoo.train(net, ds, None, epochs=3, lr=1e-2, optimizer="adam", batch_size=8)
    assert np.isfinite(run.train_losses).all() and run.train_losses[-1] < run.train_losses[0]
    img = zoo.load_digits(as_image=True)
    img = zoo.Dataset(img.X_train[:64], img.y_train[:64], img.X_test[:32], img.y_test[:32],
                      class_names=img.class_names)
    net = zoo.get_model("resnet20", dataset=img, width=0.25, seed=0)
    run = zoo.train(net, img, tmp_path / "img", epochs=1, lr=0.05, batch_size=32)
    assert np.isfinite(run.test_losses).all() and len(run.epochs) == 2


def test_training_errors(tmp_path: Path, task: zoo.Dataset) -> None:
    zoo.train(_mlp(task), task, tmp_path, epochs=0)
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        zoo.train(_mlp(task), task, tmp_path, epochs=0)
    zoo.train(_mlp(task), task, tmp_path, epochs=0, overwrite=True)
    with pytest.raises(TypeError, match=r"unknown training settings \['epoch'\]"):
        zoo.train(_mlp(task), task, None, epoch=3)
    with pytest.raises(ValueError, match="optimizer must be 'sgd' or 'adam'"):
        zoo.TrainConfig(optimizer="rmsprop")
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        zoo.train(_mlp(task), task, None, epochs=2, lr=1e12, batch_size=8)
    with pytest.raises(CheckpointError, match="does not fit MLP"):
        zoo.load_checkpoint(zoo.get_model("mlp5", in_features=10, n_classes=3), tmp_path)
    with pytest.raises(KeyError, match=r"no checkpoint for epoch 7 .* epochs are \[0\]"):
        zoo.load_checkpoint(_mlp(task), tmp_path, epoch=7)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(StoreError, match="is not valid JSON"):
        zoo.read_manifest(tmp_path)
    with pytest.raises(StoreError, match="no training manifest"):
        zoo.read_manifest(tmp_path / "elsewhere")


def test_recipe_runs_and_summary(tmp_path: Path) -> None:
    recipe = zoo.overfitting_recipe()
    assert recipe.to_dict()["train"]["epochs"] == 60
    _model, ds, run = zoo.run_recipe(recipe, tmp_path, epochs=3)
    assert run.epochs == [0, 1, 2, 3] and int(ds.flipped.sum()) == 21
    summary = overfitting_summary(run)
    assert summary["best_epoch"] in run.epochs
    with pytest.raises(TypeError, match="unknown recipe fields"):
        zoo.overfitting_recipe(noise=0.1)


# --- registry ------------------------------------------------------------------------------

def test_registry_names_and_errors() -> None:
    assert zoo.list_models() == ["lstm", "mlp5", "mlp8", "pointnet", "resnet20", "textcnn",
                                 "vgg11"]
    assert {"digits", "breast_cancer", "wine", "and_or", "mnist", "mnist5k", "cifar10", "adult",
            "sst2"} == set(zoo.list_datasets())
    for alias in ("MLP-5", "mlp_5", "Mlp5"):
        assert zoo.get_model(alias, in_features=3, n_classes=2).n_layers == 5
    assert zoo.get_model("ResNet-20").n_classes == 10
    with pytest.raises(KeyError, match=r"unknown model 'resnet18'.*known models: lstm, mlp5.*"
                                       r"Did you mean 'resnet20'"):
        zoo.get_model("resnet18")
    with pytest.raises(KeyError, match="unknown dataset 'imagenet'; known datasets: adult"):
        zoo.get_dataset("imagenet")
    with pytest.raises(TypeError, match=r"get_model\('mlp5'\).*signature"):
        zoo.get_model("mlp5", in_features=3, n_classes=2, depth=4)
    with pytest.raises(TypeError, match=r"get_dataset\('mnist'\)"):
        zoo.get_dataset("mnist")
    with pytest.raises(ValueError, match="needs images"):
        zoo.get_model("vgg11", dataset=zoo.load_wine())
    with pytest.raises(ValueError, match="needs a text dataset"):
        zoo.get_model("lstm", dataset=zoo.load_wine())


def test_get_model_seed_does_not_touch_global_rng() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = zoo.get_model("mlp8", in_features=4, n_classes=2, seed=7)
    assert torch.equal(torch.rand(3), expected)
    b = zoo.get_model("mlp8", in_features=4, n_classes=2, seed=7)
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_training_on_cuda_saves_cpu_checkpoints(tmp_path: Path, task: zoo.Dataset) -> None:
    model = _mlp(task)
    run = zoo.train(model, task, tmp_path, epochs=2, lr=0.05, device="cuda")
    assert next(model.parameters()).is_cuda
    state = torch.load(run.checkpoint(2), weights_only=True)
    assert all(v.device.type == "cpu" for v in state.values())
    fresh = zoo.load_checkpoint(_mlp(task, seed=3), run.checkpoint(2)).eval()
    x = torch.from_numpy(task.X_test[:8])
    torch.testing.assert_close(fresh(x), model.eval()(x.cuda()).cpu(), rtol=1e-5, atol=1e-5)
