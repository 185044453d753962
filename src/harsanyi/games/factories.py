"""Game factories: picklable recipes that build the game of a batch of samples under a model.

The monitor computes, at every checkpoint and for every batch of samples, ``game =
factory.build(model, inputs, targets, rows)`` and then its interactions. Which game that is
(masked inputs, feature components of a layer, ...) is configuration:

* :class:`ModelGame`: ``v(x_S)`` of the model on masked inputs (:func:`model_game`);
* :class:`ComponentGame`: ``v(L)`` with the top-``r`` principal feature components of a layer
  as players (paper C, :func:`component_game`). Its components span all checkpoints, so it is
  fitted first (:meth:`ComponentGame.fit`, the monitor's first pass).

``rows`` are the indices of the batch's samples among all monitored samples (a component game
uses them to pick each sample's fitted mean feature).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np
from torch import nn

from harsanyi.errors import PlayerError
from harsanyi.games.components import (
    FeatureComponents,
    capture_features,
    component_game,
    fit_components,
)
from harsanyi.games.design import SampleDesign
from harsanyi.games.game import Game
from harsanyi.games.model_game import model_game
from harsanyi.games.players import as_players, owner_map
from harsanyi.games.sampled import SampledGame

__all__ = ["ComponentGame", "GameFactory", "ModelGame", "describe_option", "digest"]


def digest(arr: Any) -> str | None:
    """Return a short SHA-256 of an array's bytes, dtype and shape.

    A short SHA-256 of an array's bytes, dtype and shape (``None`` for ``None``): how stored
    configurations name large arrays.

    >>> digest(np.zeros(2)) == digest(np.zeros(2)) != digest(np.zeros(3))
    True
    """
    if arr is None:
        return None
    a = np.ascontiguousarray(np.asarray(arr))
    return hashlib.sha256(a.tobytes() + str((a.dtype, a.shape)).encode()).hexdigest()[:16]


def describe_option(obj: Any) -> Any:
    """Describe an option (player set, baseline, reward, array, callable) in JSON-safe form.

    >>> describe_option("zero"), describe_option(np.zeros(2))["array_sha256"] == digest(np.zeros(2))
    ('zero', True)
    """
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, np.ndarray) or hasattr(obj, "shape"):
        return {"array_sha256": digest(np.asarray(obj))}
    desc = getattr(obj, "describe", None)
    if callable(desc):
        return desc()
    if callable(obj):
        return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"
    if isinstance(obj, (list, tuple)):
        return [describe_option(o) for o in obj]
    return repr(obj)


@runtime_checkable
class GameFactory(Protocol):
    """What the monitor needs of a game: player names, a build step and a JSON description."""

    def player_names(self, sample_shape: tuple[int, ...]) -> list[str]:
        """Return the names of the ``n`` players (samples of ``sample_shape``)."""
        ...

    def build(self, model: nn.Module, inputs: Any, targets: Any, rows: Any
              ) -> Game | SampledGame:
        """Build the game ``(B, 2**n)`` of ``inputs`` under ``model`` (``(B, m)`` if sampled)."""
        ...

    def describe(self) -> dict[str, Any]:
        """JSON-safe description of everything that changes the values (stored configs)."""
        ...


@dataclass
class ModelGame:
    """:func:`model_game` with fixed options.

    :func:`model_game` with fixed options: ``players``, ``baselines``, ``reward``,
    ``batch_size``, ``outside``, ``device`` and ``data`` (for data-dependent baselines).

    With ``budget`` (model calls per sample) the game is sampled: the
    :class:`~harsanyi.games.design.SampleDesign` of ``(n, budget, design_seed, holdout)`` is
    built once, when the players are resolved (:meth:`player_names`), and every
    :meth:`build` evaluates its masks, so every checkpoint of a run sees the same masks.

    >>> import torch
    >>> g = ModelGame(players=[0, 2], reward="logit").build(
    ...     torch.nn.Linear(3, 2), np.ones((1, 3), np.float32), np.array([0]), None)
    >>> g.values.shape
    (1, 4)
    """

    players: Any = "all"
    baselines: Any = "zero"
    reward: Any = "log_odds"
    batch_size: int = 256
    outside: str = "masked"
    device: str | None = None
    data: np.ndarray | None = None
    budget: int | None = None
    design_seed: int = 0
    holdout: float = 0.1
    design: SampleDesign | None = field(default=None, repr=False)

    def player_names(self, sample_shape: tuple[int, ...]) -> list[str]:
        """Resolve the players (``"all"`` columns need the sample shape) and name them.

        With a ``budget``, also build the design (a :class:`~harsanyi.errors.BudgetError`
        names the minimum budget when it is too small).
        """
        self.players = as_players(self.players)
        owner_map(self.players, tuple(sample_shape))
        if self.budget is not None and (self.design is None
                                        or self.design.n != self.players.n):
            self.design = SampleDesign.build(self.players.n, int(self.budget),
                                             seed=int(self.design_seed), holdout=self.holdout)
        return list(self.players.names)

    def build(self, model: nn.Module, inputs: Any, targets: Any, rows: Any = None
              ) -> Game | SampledGame:
        """Build the masked-input game of ``inputs`` (on the design's masks with a budget)."""
        if self.budget is not None and self.design is None:
            self.player_names(tuple(np.shape(inputs)[1:]))
        return model_game(model, inputs, players=self.players, baselines=self.baselines,
                          reward=self.reward, target=targets, batch_size=self.batch_size,
                          device=self.device, outside=self.outside, data=self.data,
                          progress=False,  # the monitor shows its own bar
                          design=self.design)

    def describe(self) -> dict[str, Any]:
        """Describe the options (the data as a digest; the design by its description)."""
        out = {"players": describe_option(self.players),
               "baselines": describe_option(self.baselines),
               "reward": describe_option(self.reward),
               "baseline_data_sha256": digest(self.data),
               "batch_size": self.batch_size, "outside": self.outside}
        if self.budget is not None:
            if self.design is None:
                raise ValueError("the sampled game's design is built with its players: call "
                                 "player_names(sample_shape) first")
            out["sampling"] = self.design.describe()
        return out


@dataclass
class ComponentGame:
    """Paper C's game on the top-``r`` principal feature components of ``layer``.

    ``mean_input`` is ``E[x]`` over the training data (one input, no batch axis): its feature
    under each checkpoint's model gives the baselines ``b_i``. ``mode`` is the PCA's
    (``"pooled"`` or ``"per_sample"``, :func:`fit_components`). ``components`` is set by
    :meth:`fit`; building before fitting raises :class:`~harsanyi.errors.PlayerError`.

    >>> import torch
    >>> from harsanyi.zoo.mlp import MLP
    >>> nets = [MLP(3, 2, 3, 8) for _ in range(3)]
    >>> x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    >>> cg = ComponentGame("feature", r=2, mean_input=x.mean(0)).fit(nets, x)
    >>> cg.build(nets[0], x, None, [0, 1]).values.shape
    (2, 4)
    """

    layer: str
    r: int = 10
    mode: str = "pooled"
    mean_input: np.ndarray | None = None
    reward: Any = "log_odds"
    batch_size: int = 256
    components: FeatureComponents | None = field(default=None, repr=False)

    def player_names(self, sample_shape: tuple[int, ...]) -> list[str]:
        """``c0 .. c{r-1}``."""
        return [f"c{i}" for i in range(self.r)]

    def _mean_feature(self, model: nn.Module) -> np.ndarray:
        if self.mean_input is None:
            raise PlayerError("ComponentGame needs mean_input (E[x] over the training data)")
        xm = np.asarray(self.mean_input)[None]
        return capture_features(model, self.layer, xm, batch_size=self.batch_size)[0]

    def fit(self, models: Iterable[nn.Module], inputs: Any) -> ComponentGame:
        """Run the first pass: fit the top-``r`` principal components over every checkpoint.

        The first pass: the layer's features of ``inputs`` under every model (checkpoint),
        and their top-``r`` principal components. Returns a fitted copy.
        """
        feats = [capture_features(m, self.layer, inputs, batch_size=self.batch_size)
                 for m in models]
        if not feats:
            raise PlayerError("feature components need at least one checkpoint")
        return replace(self, components=fit_components(np.stack(feats), r=self.r,
                                                       mode=self.mode))

    def build(self, model: nn.Module, inputs: Any, targets: Any, rows: Any) -> Game:
        """Build the component game of ``inputs`` (the fitted samples ``rows``) under ``model``."""
        if self.components is None:
            raise PlayerError("the component game is not fitted: call fit() on the models of "
                              "every checkpoint first (the monitor's first pass does)")
        comp = self.components.subset(np.arange(len(inputs)) if rows is None else rows)
        return component_game(model, self.layer, inputs, comp, self._mean_feature(model),
                              target=targets, reward=self.reward, batch_size=self.batch_size)

    def describe(self) -> dict[str, Any]:
        """Describe the options (the mean input as a digest; the components are stored apart)."""
        return {"game": "components", "layer": self.layer, "r": self.r, "mode": self.mode,
                "mean_input_sha256": digest(self.mean_input),
                "reward": describe_option(self.reward), "batch_size": self.batch_size}
