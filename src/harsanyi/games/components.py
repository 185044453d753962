"""Principal feature components of a layer as players (paper C): the component game.

Features ``f^(1..K)`` of an input at ``K`` checkpoints are read from a named layer with a
forward hook. PCA gives directions ``q_1..q_r`` and the decomposition
``f^(k) = f̄ + Σ_i f_i + ε`` with ``f_i = q_i q_iᵀ (f^(k) − f̄)``, ``f̄ = (1/K) Σ_k f^(k)``.
The masked feature ``f_L = f̄ + Σ_{i∈L} f_i + Σ_{i∉L} b_i`` (``ε`` dropped), with baselines
``b_i = q_i q_iᵀ (f|_{E[x]} − f̄)`` from the feature of the mean training input (at the same
checkpoint, [RECON]), is written back into the layer's output by a hook so that the upper
layers ``g`` run unchanged: ``v(L) = reward(g(f_L))``.

PCA is pooled over samples and checkpoints (``mode="pooled"``, shared directions; the
recommended reading, [RECON]) or per sample over its ``K`` features (``mode="per_sample"``,
the literal text; rank ≤ K − 1, so it needs ``K ≥ r + 1``).

The game itself (:func:`component_game`) needs fitted components; across a training run they
are fitted by the monitor's first pass over the checkpoints
(:class:`harsanyi.games.component_factory.ComponentGame`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from harsanyi.errors import PlayerError, ShapeError
from harsanyi.games.evaluate import evaluate_masked, unmasked_outputs
from harsanyi.games.game import Game
from harsanyi.games.rewards import resolve_target, reward_from_outputs

__all__ = [
    "FeatureComponents",
    "capture_features",
    "component_accuracy",
    "component_attribution",
    "component_game",
    "find_layer",
    "fit_components",
    "interaction_attribution",
]


def find_layer(model: nn.Module, name: str) -> nn.Module:
    """Return the sub-module called ``name``.

    The sub-module called ``name`` (as in ``model.named_modules()``); an unknown name raises
    :class:`~harsanyi.errors.PlayerError` listing close matches.

    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    >>> type(find_layer(net, "1")).__name__
    'ReLU'
    """
    modules = dict(model.named_modules())
    if name in modules and name != "":
        return modules[name]
    names = [n for n in modules if n]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.4)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    raise PlayerError(f"{type(model).__name__} has no layer named {name!r}{hint} "
                      f"(layers: {shown})")


def _device_of(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _tensor(x: Any, model: nn.Module) -> torch.Tensor:
    t = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(np.array(x))
    p = next(model.parameters(), None)
    if p is not None and t.is_floating_point():
        t = t.to(p.dtype)
    return t.to(_device_of(model))


@contextmanager
def _hook(layer: nn.Module, fn: Callable[[nn.Module, Any, Any], Any]) -> Any:
    handle = layer.register_forward_hook(fn)
    try:
        yield
    finally:
        handle.remove()


def capture_features(model: nn.Module, layer: str, inputs: Any, *,
                     batch_size: int = 256) -> np.ndarray:
    """Return the flattened outputs of ``layer`` for ``inputs``: float64 ``(B, m)`` (eval mode).

    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> capture_features(net, "1", np.ones((4, 2), np.float32)).shape
    (4, 3)
    """
    module = find_layer(model, layer)
    x = _tensor(inputs, model)
    out: list[torch.Tensor] = []

    def grab(_m: nn.Module, _i: Any, o: Any) -> None:
        out.append(o.detach().reshape(o.shape[0], -1).to("cpu", torch.float64))

    was = model.training
    model.eval()
    try:
        with _hook(module, grab), torch.inference_mode():
            for s in range(0, len(x), batch_size):
                model(x[s: s + batch_size])
    finally:
        model.train(was)
    return torch.cat(out).numpy()


@dataclass
class FeatureComponents:
    """Top-``r`` principal directions of a layer's features over checkpoints.

    ``directions``: ``(r, m)`` (pooled) or ``(B, r, m)`` (per sample), unit rows ``q_i``;
    ``mean``: ``f̄`` per sample ``(B, m)``; ``eigenvalues``: variance along each direction
    (``(r,)`` or ``(B, r)``); ``spectrum``: all eigenvalues (descending, paper C's Fig. 2).
    """

    directions: np.ndarray
    mean: np.ndarray
    eigenvalues: np.ndarray
    spectrum: np.ndarray
    mode: str

    @property
    def r(self) -> int:
        """Number of components."""
        return int(self.directions.shape[-2])

    def _q(self) -> np.ndarray:
        return self.directions if self.directions.ndim == 3 else self.directions[None]

    def subset(self, rows: Any) -> FeatureComponents:
        """Return the components of the fitted samples ``rows`` only (same directions when pooled).

        >>> comp = FeatureComponents(np.eye(2)[:1], np.arange(6.0).reshape(3, 2), np.ones(1),
        ...                          np.ones(2), "pooled")
        >>> comp.subset([2]).mean.tolist()
        [[4.0, 5.0]]
        """
        idx = np.asarray(rows, dtype=np.int64).reshape(-1)
        per_sample = self.directions.ndim == 3
        return FeatureComponents(self.directions[idx] if per_sample else self.directions,
                                 self.mean[idx],
                                 self.eigenvalues[idx] if per_sample else self.eigenvalues,
                                 self.spectrum[idx] if per_sample else self.spectrum, self.mode)

    def coefficients(self, features: np.ndarray) -> np.ndarray:
        """``q_iᵀ (f − f̄)`` for features ``(B, m)`` of the fitted samples: ``(B, r)``."""
        f = np.asarray(features, dtype=np.float64)
        if f.shape != self.mean.shape:
            raise ShapeError(f"features have shape {f.shape}; expected {self.mean.shape}")
        return np.einsum("brm,bm->br", np.broadcast_to(self._q(), (len(f), *self._q().shape[1:])),
                         f - self.mean)

    def masked(self, coef: np.ndarray, base: np.ndarray, masks: np.ndarray,
               rows: np.ndarray) -> np.ndarray:
        """``f_L = f̄ + Σ_i [i∈L] a_i q_i + [i∉L] β_i q_i`` for item rows ``(sample, mask)``."""
        bits = ((masks[:, None] >> np.arange(self.r)) & 1).astype(np.float64)
        c = bits * coef[rows] + (1 - bits) * base[rows]
        q = self._q()
        q_rows = q[0][None] if q.shape[0] == 1 else q[rows]
        return self.mean[rows] + np.einsum("kr,krm->km", c,
                                           np.broadcast_to(q_rows, (len(rows), *q.shape[1:])))


def fit_components(features: Any, r: int = 10, mode: str = "pooled") -> FeatureComponents:
    """Fit the principal components of features over checkpoints (PCA).

    PCA of features ``(K, B, m)`` (checkpoints, samples, feature size), centred per sample
    over checkpoints (``f − f̄``). Each direction's largest entry is made positive.

    >>> rng = np.random.default_rng(0)
    >>> f = np.zeros((12, 4, 3)); f[..., 0] = 5 * rng.normal(size=(12, 4))
    >>> f[..., 1] = 0.1 * rng.normal(size=(12, 4))
    >>> comp = fit_components(f, r=1)
    >>> comp.directions.round(2).tolist(), comp.mean.shape
    ([[1.0, 0.0, 0.0]], (4, 3))
    """
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 3:
        raise ShapeError(f"features must be (K checkpoints, B samples, m); got {f.shape}")
    K, B, m = f.shape
    if mode not in ("pooled", "per_sample"):
        raise ValueError(f"mode must be 'pooled' or 'per_sample'; got {mode!r}")
    if r < 1 or r > m:
        raise PlayerError(f"r={r} components of a {m}-dimensional feature: need 1 <= r <= {m}")
    mean = f.mean(axis=0)
    centred = f - mean
    if mode == "per_sample":
        if r + 1 > K:
            raise PlayerError(
                f"per-sample PCA of K={K} checkpoints has rank <= K-1 = {K - 1}; r={r} "
                f"components need at least r+1 = {r + 1} checkpoints (use mode='pooled' or a "
                "smaller r)"
            )
        dirs, eig, spec = zip(*(_pca(centred[:, b], r) for b in range(B)), strict=True)
        return FeatureComponents(np.stack(dirs), mean, np.stack(eig), np.stack(spec), mode)
    q, eig, spec = _pca(centred.reshape(K * B, m), r)
    return FeatureComponents(q, mean, eig, spec, mode)


def _pca(x: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    q = vt[:r].copy()
    sign = np.sign(q[np.arange(len(q)), np.abs(q).argmax(axis=1)])
    q *= np.where(sign == 0, 1.0, sign)[:, None]
    spec = s**2 / max(len(x), 1)
    eig = np.zeros(r)
    eig[: min(r, len(spec))] = spec[:r]
    return q, eig, spec


def _replace_hook(layer_shape: list[tuple[int, ...]], state: dict[str, torch.Tensor]) -> Any:
    def hook(_m: nn.Module, _i: Any, o: torch.Tensor) -> torch.Tensor:
        layer_shape[:] = [tuple(o.shape[1:])]
        return state["f"].reshape(o.shape).to(dtype=o.dtype, device=o.device)
    return hook


def component_game(
    model: nn.Module, layer: str, inputs: Any, components: FeatureComponents,
    baseline_feature: Any, *, target: Any = None, reward: Any = "log_odds",
    batch_size: int = 256,
) -> Any:
    """Build the game ``v(L) = reward(g(f_L))`` on the ``2**r`` subsets of components.

    ``inputs`` are the fitted samples (same order as ``components.mean``);
    ``baseline_feature`` ``(m,)`` is ``f|_{E[x]}`` (the feature of the mean training input,
    from this model). ``target``: class per sample (default: prediction on the raw input).
    Returns a :class:`harsanyi.Game` ``(B, 2**r)`` with players ``c0..c{r-1}``.

    >>> torch.manual_seed(0) and None
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    >>> f = np.stack([capture_features(net, "1", x + e) for e in (0.0, 0.5, 1.0)])
    >>> comp = fit_components(f, r=2)
    >>> g = component_game(net, "1", x + 1.0, comp, capture_features(net, "1", x.mean(0)[None])[0])
    >>> g.values.shape, g.players
    ((2, 4), ['c0', 'c1'])
    """
    module = find_layer(model, layer)
    x = _tensor(inputs, model)
    feats = capture_features(model, layer, x, batch_size=batch_size)
    coef = components.coefficients(feats)
    base_f = np.asarray(baseline_feature, dtype=np.float64).reshape(-1)
    if base_f.shape != feats.shape[1:]:
        raise ShapeError(f"baseline_feature has {base_f.size} entries; the layer has "
                         f"{feats.shape[1]}")
    base = components.coefficients(np.broadcast_to(base_f, feats.shape))
    r, size, B = components.r, 2**components.r, len(x)
    was = model.training
    model.eval()
    state: dict[str, torch.Tensor] = {}
    try:
        full = unmasked_outputs(lambda b, _rows: model(b), x, batch_size)
        targets = resolve_target(target, full, reward)

        def make_batch(idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
            rows, masks = np.divmod(idx, size)
            f_l = components.masked(coef, base, masks, rows)
            rows_t = torch.as_tensor(rows, device=x.device)
            return torch.as_tensor(f_l, device=x.device), rows_t

        def forward(batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
            f_l, rows_t = batch
            state["f"] = f_l
            z = model(x.index_select(0, rows_t))
            return reward_from_outputs(z, targets.index_select(0, rows_t), reward)

        with _hook(module, _replace_hook([], state)):
            values = evaluate_masked(forward, make_batch, B * size, batch_size)
    finally:
        model.train(was)
    meta = {"source": "component_game", "layer": layer, "r": r, "mode": components.mode,
            "reward": reward if isinstance(reward, str) else "callable",
            "target": [int(t) for t in targets.tolist()]}
    return Game(values.reshape(B, size), players=[f"c{i}" for i in range(r)], metadata=meta)


def component_accuracy(
    model: nn.Module, layer: str, inputs: Any, labels: Any, components: FeatureComponents,
    *, batch_size: int = 256,
) -> tuple[float, float]:
    """Compare accuracy with the raw feature and with its top components (paper C, Table 1).

    Paper C's Table 1: accuracy with the raw feature ``f`` and with the top-``r``
    components ``f' = f̄ + Σ_{i≤r} f_i`` written back into the layer.

    >>> torch.manual_seed(0) and None
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    >>> comp = fit_components(np.stack([capture_features(net, "1", x)] * 2), r=4)
    >>> raw, top = component_accuracy(net, "1", x, np.zeros(5, int), comp)
    >>> raw == top
    True
    """
    module = find_layer(model, layer)
    x = _tensor(inputs, model)
    y = np.asarray(labels).reshape(-1)
    feats = capture_features(model, layer, x, batch_size=batch_size)
    coef = components.coefficients(feats)
    rows = np.arange(len(x))
    f_top = components.masked(coef, coef, np.full(len(x), 2**components.r - 1), rows)
    was = model.training
    model.eval()
    state: dict[str, torch.Tensor] = {}
    try:
        with torch.inference_mode():
            raw = torch.cat([model(x[s: s + batch_size]) for s in range(0, len(x), batch_size)])
            with _hook(module, _replace_hook([], state)):
                outs = []
                for s in range(0, len(x), batch_size):
                    state["f"] = torch.as_tensor(f_top[s: s + batch_size], device=x.device)
                    outs.append(model(x[s: s + batch_size]))
                top = torch.cat(outs)
    finally:
        model.train(was)
    acc = [float((o.argmax(1).cpu().numpy() == y).mean()) for o in (raw, top)]
    return acc[0], acc[1]


def component_attribution(
    model: nn.Module, layer: str, inputs: Any, components: FeatureComponents,
    *, reference: Any = 0.0,
) -> np.ndarray:
    """Attribute each component to the input (gradient × input).

    Gradient × input attribution of each component on the input: for component ``i``,
    ``(x − x_ref) ⊙ ∇_x [q_iᵀ (f(x) − f̄)]``. Returns ``(B, r, *input_shape)``.

    >>> net = nn.Sequential(nn.Linear(3, 3))
    >>> comp = FeatureComponents(np.eye(3)[:1], np.zeros((1, 3)), np.ones(1), np.ones(3),
    ...                          "pooled")
    >>> maps = component_attribution(net, "0", np.ones((1, 3), np.float32), comp)
    >>> np.allclose(maps[0, 0], net[0].weight[0].detach().numpy())
    True
    """
    module = find_layer(model, layer)
    x = _tensor(inputs, model).clone().requires_grad_(True)
    ref = _tensor(np.broadcast_to(np.asarray(reference, dtype=np.float32),
                                  tuple(x.shape)), model)
    grabbed: dict[str, torch.Tensor] = {}

    def grab(_m: nn.Module, _i: Any, o: torch.Tensor) -> None:
        grabbed["f"] = o.reshape(o.shape[0], -1)

    q = torch.as_tensor(components._q(), dtype=x.dtype, device=x.device)
    mean = torch.as_tensor(components.mean, dtype=x.dtype, device=x.device)
    was = model.training
    model.eval()
    maps = []
    try:
        with _hook(module, grab), torch.enable_grad():
            model(x)
            proj = torch.einsum("brm,bm->br", q.expand(len(x), -1, -1), grabbed["f"] - mean)
            for i in range(components.r):
                (g,) = torch.autograd.grad(proj[:, i].sum(), x, retain_graph=True)
                maps.append(((x - ref) * g).detach())
    finally:
        model.train(was)
    return torch.stack(maps, dim=1).to("cpu", torch.float64).numpy()


def interaction_attribution(maps: np.ndarray, mask: int) -> np.ndarray:
    """Sum the attribution maps of an interaction's components (paper C, Fig. 8).

    Attribution map of an interaction ``S`` (bitmask): the sum of its components' maps
    (paper C, Fig. 8). ``maps`` ``(B, r, ...)`` -> ``(B, ...)``.

    >>> interaction_attribution(np.arange(6.0).reshape(1, 3, 2), 0b101).tolist()
    [[4.0, 6.0]]
    """
    maps = np.asarray(maps)
    idx = [i for i in range(maps.shape[1]) if (int(mask) >> i) & 1]
    if int(mask) >> maps.shape[1]:
        raise ValueError(f"mask {mask:#b} names components beyond r={maps.shape[1]}")
    return maps[:, idx].sum(axis=1)
