"""Look up zoo models and datasets by name: ``get_model("mlp5", ...)``, ``get_dataset(...)``."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from harsanyi.errors import StoreError
from harsanyi.zoo import (
    convnets,
    datasets,
    loaders,
    mlp,
    mnist5k,
    pointnet,
    sst2,
    synthetic,
    text,
)
from harsanyi.zoo.datasets import Dataset
from harsanyi.zoo.training import load_checkpoint, read_manifest

__all__ = [
    "DATASETS",
    "MODELS",
    "get_dataset",
    "get_model",
    "list_datasets",
    "list_models",
    "load_model",
]

MODELS: dict[str, Callable[..., nn.Module]] = {
    "mlp5": mlp.mlp5,
    "mlp8": mlp.mlp8,
    "resnet20": convnets.resnet20,
    "vgg11": convnets.vgg11,
    "textcnn": text.TextCNN,
    "lstm": text.LSTMClassifier,
    "pointnet": pointnet.PointNet,
}

DATASETS: dict[str, Callable[..., Dataset]] = {
    "digits": datasets.load_digits,
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "and_or": synthetic.make_and_or_task,
    "mnist": loaders.load_mnist,
    "mnist5k": mnist5k.load_mnist5k,
    "cifar10": loaders.load_cifar10,
    "adult": loaders.load_adult,
    "sst2": sst2.load_sst2,
}

_ALIASES = {"census": "adult", "income": "adult", "census_income": "adult",
            "breastcancer": "breast_cancer", "cancer": "breast_cancer", "andor": "and_or",
            "synthetic": "and_or", "cnn": "textcnn", "lstm3": "lstm", "cifar": "cifar10"}


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "").replace(" ", "")


def _resolve(name: str, table: dict[str, Any], what: str) -> str:
    k = _key(name)
    candidates = {_key(n).replace("_", ""): n for n in table}
    k2 = _ALIASES.get(k, _ALIASES.get(k.replace("_", ""), k))
    if k2 in table:
        return k2
    if k2.replace("_", "") in candidates:
        return candidates[k2.replace("_", "")]
    close = difflib.get_close_matches(name.lower(), list(table), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise KeyError(f"unknown {what} {name!r}; known {what}s: {', '.join(sorted(table))}.{hint}")


def list_models() -> list[str]:
    """Names accepted by :func:`get_model`.

    >>> list_models()
    ['lstm', 'mlp5', 'mlp8', 'pointnet', 'resnet20', 'textcnn', 'vgg11']
    """
    return sorted(MODELS)


def list_datasets() -> list[str]:
    """Names accepted by :func:`get_dataset`.

    >>> 'breast_cancer' in list_datasets()
    True
    """
    return sorted(DATASETS)


def _from_dataset(name: str, ds: Dataset, kw: dict[str, Any]) -> None:
    """Fill the input/output sizes of model ``name`` from a dataset (explicit kwargs win)."""
    kw.setdefault("n_classes", ds.n_classes)
    if name in ("mlp5", "mlp8"):
        kw.setdefault("in_features", ds.n_features)
    elif name in ("resnet20", "vgg11"):
        if len(ds.input_shape) != 3:
            raise ValueError(f"{name} needs images (N, C, H, W); {ds.name} has inputs "
                             f"{ds.input_shape} (use as_image=True for digits)")
        kw.setdefault("in_channels", ds.input_shape[0])
        kw.setdefault("image_size", ds.input_shape[1])
    elif name in ("textcnn", "lstm"):
        vocab = ds.metadata.get("vocab")
        if vocab is None:
            raise ValueError(f"{name} needs a text dataset with a vocabulary; {ds.name} has none")
        kw.setdefault("vocab_size", len(vocab))
        kw.setdefault("pad_id", vocab.pad_id)
    elif name == "pointnet":
        kw.setdefault("in_dim", ds.input_shape[-1])


def get_model(name: str, *, dataset: Dataset | None = None, seed: int | None = None,
              **kw: Any) -> nn.Module:
    """Build a zoo model by name (``list_models()``), case and dashes ignored (``"MLP-5"``).

    ``dataset`` fills the input size and number of classes; ``seed`` makes the initial weights
    reproducible without touching the global RNG. The name and keyword arguments are kept in
    ``model.zoo_spec`` (saved in training manifests, used to rebuild the model).

    >>> net = get_model("MLP-5", in_features=4, n_classes=2, width=8, seed=0)
    >>> net.zoo_spec["name"], net(torch.zeros(1, 4)).shape
    ('mlp5', torch.Size([1, 2]))
    >>> bool(torch.equal(net.body[0].weight, get_model("mlp5", in_features=4, n_classes=2,
    ...                                                width=8, seed=0).body[0].weight))
    True
    """
    key = _resolve(name, MODELS, "model")
    if dataset is not None:
        _from_dataset(key, dataset, kw)
    factory = MODELS[key]
    try:
        inspect.signature(factory).bind(**kw)
    except TypeError as exc:
        sig = inspect.signature(factory)
        raise TypeError(f"get_model({key!r}): {exc}; signature {sig}") from exc
    if seed is None:
        model = factory(**kw)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = factory(**kw)
    spec_kw = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    model.zoo_spec = {"name": key, "kwargs": spec_kw, "seed": seed}
    return model


def get_dataset(name: str, *, label_noise: float = 0.0, noise_seed: int = 0,
                **kw: Any) -> Dataset:
    """Load a zoo dataset by name.

    Names: ``list_datasets()``. On-disk ones need their path (``root=`` for mnist/cifar10,
    ``train_path=`` for adult/sst2).

    ``label_noise`` flips that fraction of the training labels to another class (seeded by
    ``noise_seed``; see :func:`harsanyi.zoo.datasets.add_label_noise`).

    >>> ds = get_dataset("breast-cancer", label_noise=0.05)
    >>> ds.name, int(ds.flipped.sum())
    ('breast_cancer', 21)
    """
    key = _resolve(name, DATASETS, "dataset")
    factory = DATASETS[key]
    try:
        inspect.signature(factory).bind(**kw)
    except TypeError as exc:
        sig = inspect.signature(factory)
        raise TypeError(f"get_dataset({key!r}): {exc}; signature {sig}") from exc
    ds = factory(**kw)
    if label_noise:
        ds = ds.with_label_noise(label_noise, seed=noise_seed)
    return ds


def load_model(run_dir: str | Path, epoch: int | None = None) -> nn.Module:
    """Rebuild the zoo model of a training run and load a checkpoint.

    Rebuild the zoo model of a training run (from the manifest's ``model`` entry) and load
    the checkpoint of ``epoch`` (the last one when omitted); returned in eval mode.

    Works for models made with :func:`get_model`; for other models, build the model yourself
    and call :func:`harsanyi.zoo.training.load_checkpoint`.
    """
    spec = read_manifest(run_dir)["model"]
    if "name" not in spec:
        raise StoreError(
            f"the run in {run_dir} trained a {spec.get('class', '?')} not made by zoo.get_model; "
            "build it yourself and use zoo.load_checkpoint"
        )
    model = get_model(spec["name"], **spec.get("kwargs", {}))
    return load_checkpoint(model, run_dir, epoch=epoch).eval()
