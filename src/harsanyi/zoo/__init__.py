"""Models, datasets and a training loop for demos and reproductions of the interaction papers.

>>> from harsanyi import zoo
>>> ds = zoo.get_dataset("breast_cancer", label_noise=0.05)
>>> net = zoo.get_model("mlp5", dataset=ds, seed=0)
>>> net(torch.from_numpy(ds.X_test[:2])).shape
torch.Size([2, 2])
"""

import torch  # noqa: F401  (used by the doctest above)

from harsanyi.zoo.convnets import VGG11, ResNet20
from harsanyi.zoo.datasets import (
    Dataset,
    add_label_noise,
    load_breast_cancer,
    load_digits,
    load_wine,
    split_and_standardize,
)
from harsanyi.zoo.loaders import DataFormatError, load_adult, load_cifar10, load_mnist, read_idx
from harsanyi.zoo.mlp import MLP
from harsanyi.zoo.mnist5k import load_mnist5k
from harsanyi.zoo.pointnet import PointNet
from harsanyi.zoo.recipes import OverfittingRecipe, overfitting_recipe, run_recipe
from harsanyi.zoo.registry import (
    get_dataset,
    get_model,
    list_datasets,
    list_models,
    load_model,
)
from harsanyi.zoo.sst2 import Vocabulary, load_sst2, tokenize
from harsanyi.zoo.synthetic import DEFAULT_FORMULA, AndOrFormula, make_and_or_task
from harsanyi.zoo.text import LSTMClassifier, TextCNN
from harsanyi.zoo.training import (
    TrainConfig,
    TrainRun,
    evaluate,
    load_checkpoint,
    read_manifest,
    train,
)

__all__ = [
    "DEFAULT_FORMULA",
    "MLP",
    "VGG11",
    "AndOrFormula",
    "DataFormatError",
    "Dataset",
    "LSTMClassifier",
    "OverfittingRecipe",
    "PointNet",
    "ResNet20",
    "TextCNN",
    "TrainConfig",
    "TrainRun",
    "Vocabulary",
    "add_label_noise",
    "evaluate",
    "get_dataset",
    "get_model",
    "list_datasets",
    "list_models",
    "load_adult",
    "load_breast_cancer",
    "load_checkpoint",
    "load_cifar10",
    "load_digits",
    "load_mnist",
    "load_mnist5k",
    "load_model",
    "load_sst2",
    "load_wine",
    "make_and_or_task",
    "overfitting_recipe",
    "read_idx",
    "read_manifest",
    "run_recipe",
    "split_and_standardize",
    "tokenize",
    "train",
]
