"""The glue from a run store (``harsanyi.store.RunStore``) to a :class:`RunSummary`, and
``report_from_run``.

From the stored interactions of every checkpoint this computes, per checkpoint, the salient
strength by order ``A^(k)±`` (threshold ``τ_t = 0.03·E_x|v_t(N) − v_t(∅)|``, paper A); the
phase boundary and gap onset (:mod:`harsanyi.dynamics.phases`, default ``PhaseRule``); the five
groups of each sample's top interactions (:func:`harsanyi.dynamics.groups.five_groups`); the
sparsity curves and the matching error at the last checkpoint (paper C); the top interactions.

Analysis results that other commands compute are read, when present, from ``RUN/analysis/``
(plain ``.npz`` files, any writer will do; a missing file becomes a note in the page):

- ``theory.npz``: ``epochs`` (J,), ``real`` (J, n), ``theo`` (J, n), ``sigma2`` (J,),
  optional ``error`` (J,)  — the two-phase fit (``harsanyi theory fit RUN``); or
  ``theory.json``, what ``harsanyi theory fit FOLDER --json FILE`` writes (epochs are read
  from its checkpoint labels);
- ``groups.npz``: ``labels`` (m,) str, ``curves`` (m, K), optional ``counts_by_order`` (5, n),
  optional ``names`` (m,) str — five groups computed elsewhere (``harsanyi theory groups
  RUN``; they replace the ones computed here with the default rule);
- ``decay_spindle.npz``: ``decay`` (K, n), ``spindle`` (K, n), optional ``real`` (K, n)
  (``harsanyi theory disentangle RUN``);
- ``boundaries.json``: ``{"phase_boundary": epoch, "gap_onset": epoch}`` (either optional)
  replacing the detection here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harsanyi.core.orders import members, order_of_masks
from harsanyi.errors import StoreError
from harsanyi.report.style import GROUP_NAMES
from harsanyi.report.summary import DecaySpindle, GroupSummary, RunSummary, TheoryFit
from harsanyi.store.verify import readable_checkpoints

__all__ = ["ANALYSIS_DIR", "MAX_CURVES", "load_summary", "report_from_run"]

ANALYSIS_DIR = "analysis"
#: At most this many tracked curves per group are kept for the figure (all are counted).
MAX_CURVES = 30


def _strength(and_v: np.ndarray, or_v: np.ndarray, tau: float, orders: np.ndarray,
              n: int) -> tuple[np.ndarray, np.ndarray]:
    """``A^(k)±`` averaged over samples: salient (|I| ≥ τ) AND and OR values, ∅ excluded."""
    pos, neg = np.zeros(n), np.zeros(n)
    for arr in (and_v, or_v):
        a = np.where(np.abs(arr) >= tau, arr, 0.0)
        a[:, 0] = 0.0
        p = np.bincount(orders, weights=np.clip(a, 0, None).mean(axis=0), minlength=n + 1)
        q = np.bincount(orders, weights=np.clip(a, None, 0).mean(axis=0), minlength=n + 1)
        pos += p[1:]
        neg += q[1:]
    return pos, neg


def _pooled(and_v: np.ndarray, or_v: np.ndarray) -> np.ndarray:
    """``(samples, 2·2^n − 1)``: all AND (but ∅) and OR interactions side by side."""
    return np.concatenate([and_v[:, 1:], or_v], axis=1)


def _sparsity(and_v: np.ndarray, or_v: np.ndarray) -> np.ndarray:
    mag = np.abs(_pooled(and_v, or_v))
    top = mag.max(axis=1, keepdims=True)
    curves = -np.sort(-mag / np.where(top > 0, top, 1.0), axis=1)
    return curves.mean(axis=0)


def _matching(and_v: np.ndarray, or_v: np.ndarray, values: np.ndarray,
              ) -> tuple[np.ndarray, np.ndarray, float]:
    """Errors ``E_x|v(N) − v̂_α(N)|`` on a log grid of ``α`` and the mean ``α̂`` (10%)."""
    pooled = _pooled(and_v, or_v)
    order = np.argsort(-np.abs(pooled), axis=1, kind="stable")
    ranked = np.take_along_axis(pooled, order, axis=1)
    approx = and_v[:, :1] + np.concatenate([np.zeros((len(pooled), 1)),
                                            np.cumsum(ranked, axis=1)], axis=1)
    err = np.abs(values[:, -1:] - approx)  # (samples, 1 + size): alpha = 0 .. size
    size = pooled.shape[1]
    alphas = np.unique(np.round(np.logspace(0, np.log10(size), 25)).astype(int))
    vn = np.abs(values[:, -1])
    rel_ok = err <= 0.1 * vn[:, None]
    first = np.where(rel_ok.any(axis=1), rel_ok.argmax(axis=1), size)
    alpha_hat = float(first[vn > 0].mean()) if (vn > 0).any() else float("nan")
    return alphas.astype(float), err[:, alphas].mean(axis=0), alpha_hat


def _top_table(and_v: np.ndarray, or_v: np.ndarray, players: list[str], top_k: int,
               samples: int) -> pd.DataFrame:
    n = len(players)
    rows = []
    for b in range(min(samples, and_v.shape[0])):
        pooled = np.concatenate([and_v[b], or_v[b]])
        pooled[0] = 0.0  # ∅ carries v(∅)
        for j in np.argsort(-np.abs(pooled), kind="stable")[:top_k]:
            if pooled[j] == 0.0:
                continue
            kind, mask = ("and", j) if j < 2**n else ("or", j - 2**n)
            sep = " & " if kind == "and" else " | "
            who = members(int(mask), n)
            rows.append({"sample": b, "kind": kind, "players": sep.join(players[i] for i in who),
                         "order": len(who), "value": float(pooled[j]), "mask": int(mask)})
    return pd.DataFrame(rows, columns=["sample", "kind", "players", "order", "value", "mask"])


def _thin(labels: np.ndarray, curves: np.ndarray, counts_by_order: Any = None,
          names: np.ndarray | None = None, per_sample: int | None = None) -> GroupSummary:
    """All curves are counted; at most :data:`MAX_CURVES` per group are kept for drawing."""
    labels = np.asarray(labels).astype(str)
    keep = np.sort(np.concatenate([np.flatnonzero(labels == g)[:MAX_CURVES]
                                   for g in [*GROUP_NAMES, *sorted(set(labels) -
                                                                   set(GROUP_NAMES))]]))
    return GroupSummary(list(labels[keep]), np.asarray(curves)[keep], counts_by_order,
                        None if names is None else [str(x) for x in np.asarray(names)[keep]],
                        totals={g: int((labels == g).sum()) for g in GROUP_NAMES},
                        per_sample=per_sample)


def _groups(and_k: np.ndarray, or_k: np.ndarray, epochs: list[int], n: int,
            top: int) -> GroupSummary:
    """Five groups of each sample's ``top`` interactions over the ``(K, B, 2^n)`` stacks."""
    from harsanyi.dynamics.groups import five_groups

    res = five_groups(and_k, or_k, k=top, epochs=np.asarray(epochs))
    cbo = res.counts_by_order()[:, 1:]
    counts = np.zeros((len(GROUP_NAMES), n))
    counts[:, : min(n, cbo.shape[1])] = cbo[:, :n]
    return _thin(res.labels.reshape(-1), res.curves.reshape(-1, len(epochs)), counts,
                 per_sample=res.labels.shape[0])


def _npz(path: Path) -> dict[str, np.ndarray] | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise StoreError(f"analysis file {path} cannot be read ({exc})") from exc


def _theory_json(path: Path) -> TheoryFit:
    """The JSON written by ``harsanyi theory fit --json``; epochs are read from the checkpoint
    labels (their last integer, e.g. ``"000012"`` or ``"epoch_12.npz"`` -> 12)."""
    try:
        doc = json.loads(path.read_text())
        labels = [str(c) for c in doc["checkpoints"]]
        epochs = [float(re.findall(r"\d+", c)[-1]) for c in labels]
        return TheoryFit(epochs, doc["real"], doc["theo"], doc["sigma2"], doc.get("error"))
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise StoreError(f"analysis file {path} is not a theory fit written by "
                         f"`harsanyi theory fit --json` ({type(exc).__name__}: {exc})") from exc


def _load_analysis(run: Path, k: int, n: int, notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    base = run / ANALYSIS_DIR
    th = _npz(base / "theory.npz")
    if th is not None and th["real"].shape[-1] != n:
        notes.append(f"The stored theory fit has {th['real'].shape[-1]} orders, the run has "
                     f"n={n}; recompute it.")
    elif th is not None:
        out["theory"] = TheoryFit(th["epochs"], th["real"], th["theo"], th["sigma2"],
                                  th.get("error"))
    elif (base / "theory.json").is_file():
        out["theory"] = _theory_json(base / "theory.json")
    gr = _npz(base / "groups.npz")
    if gr is not None:
        if gr["curves"].shape[1] == k:
            out["groups"] = _thin(gr["labels"], gr["curves"], gr.get("counts_by_order"),
                                  gr.get("names"))
        else:
            notes.append(f"The stored group curves cover {gr['curves'].shape[1]} checkpoints "
                         f"but the run has {k}; recompute them.")
    ds = _npz(base / "decay_spindle.npz")
    if ds is not None:
        if ds["decay"].shape == (k, n):
            out["decay_spindle"] = DecaySpindle(ds["decay"], ds["spindle"], ds.get("real"))
        else:
            notes.append(f"The stored decay/spindle parts have shape {ds['decay'].shape}, "
                         f"the run needs {(k, n)}; recompute them.")
    bpath = base / "boundaries.json"
    if bpath.is_file():
        try:
            out["boundaries"] = json.loads(bpath.read_text())
        except ValueError as exc:
            raise StoreError(f"analysis file {bpath} is not valid JSON ({exc})") from exc
    return out


def load_summary(run_dir: str | Path, *, ratio: float = 0.03, top_k: int = 10,
                 top_samples: int = 3, group_top: int = 100) -> RunSummary:
    """Read a run store and its analysis results into a :class:`RunSummary`.

    ``ratio``: salient threshold ``τ_t = ratio·E_x|v_t(N) − v_t(∅)|``; ``top_k`` interactions
    of the first ``top_samples`` samples go to the table; ``group_top`` interactions per
    sample are sorted into the five groups. Raises :class:`~harsanyi.errors.StoreError` if
    ``run_dir`` is not a run store or holds no finished checkpoint.
    """
    from harsanyi.dynamics.phases import gap_onset, phase_boundary
    from harsanyi.store import RunStore

    run = Path(run_dir)
    store = RunStore.open(run)
    epochs = readable_checkpoints(store)  # damaged ones skipped with a warning
    if not epochs:
        raise StoreError(f"the run store {run} has no finished checkpoint yet; run "
                         f"`harsanyi monitor` to fill it")
    n, players = store.n, store.players
    orders = order_of_masks(n)
    pos, neg = np.zeros((len(epochs), n)), np.zeros((len(epochs), n))
    sparsity: dict[str, np.ndarray] = {}
    keep = {0, len(epochs) // 2, len(epochs) - 1}
    and_k, or_k = [], []
    for t, e in enumerate(epochs):
        arr = store.read(e).arrays
        v, a, o = arr["values"], arr["and_values"], arr["or_values"]
        tau = ratio * float(np.mean(np.abs(v[:, -1] - v[:, 0])))
        pos[t], neg[t] = _strength(a, o, tau, orders, n)
        if t in keep:
            sparsity[f"epoch {e}"] = _sparsity(a, o)
        and_k.append(a)
        or_k.append(o)
    alphas, errors, alpha_hat = _matching(a, o, v)
    losses = store.losses(epochs)
    notes: list[str] = []
    extra = _load_analysis(run, len(epochs), n, notes)
    groups = extra.get("groups") or _groups(np.stack(and_k), np.stack(or_k), epochs, n,
                                            group_top)
    s = RunSummary(epochs=np.asarray(epochs, dtype=np.float64), players=players, name=run.name,
                   config={**store.config, "samples": v.shape[0]},
                   train_loss=losses["train_loss"], test_loss=losses["test_loss"],
                   strength_pos=pos, strength_neg=neg, theory=extra.get("theory"),
                   groups=groups, decay_spindle=extra.get("decay_spindle"),
                   sparsity_curves=sparsity, matching_alphas=alphas, matching_errors=errors,
                   alpha_hat=None if np.isnan(alpha_hat) else alpha_hat,
                   top_interactions=_top_table(a, o, players, top_k, top_samples), notes=notes)
    t_star = phase_boundary(s.real_distribution())
    s.phase_boundary = None if t_star is None else float(s.epochs[t_star])
    if s.has_losses and np.isfinite(s.train_loss).all() and np.isfinite(s.test_loss).all():
        t_gap = gap_onset(s.train_loss, s.test_loss)
        s.gap_onset = None if t_gap is None else float(s.epochs[t_gap])
    bounds = extra.get("boundaries", {})
    s.phase_boundary = bounds.get("phase_boundary", s.phase_boundary)
    s.gap_onset = bounds.get("gap_onset", s.gap_onset)
    return s


def report_from_run(run_dir: str | Path, out_dir: str | Path, force: bool = False) -> Path:
    """Write the HTML report of a run store to ``out_dir``; returns ``out_dir/index.html``.

    Parts without results (no theory fit, no groups...) are reported in the page with the
    command that computes them.

    >>> import tempfile, harsanyi as hs
    >>> from harsanyi.store import RunStore
    >>> run = RunStore.create(tempfile.mkdtemp() + "/run", {"q_bound": 0.0}, players=["a", "b"])
    >>> for e, x in enumerate([1.0, 2.0, 3.0]):
    ...     _ = run.write_interactions(e, hs.mobius([[0.0, x, 1.0, 3.0 * x]]),
    ...                                train_loss=1 / (1 + e), test_loss=1.0)
    >>> report_from_run(run.path, tempfile.mkdtemp() + "/report").name
    'index.html'
    """
    from harsanyi.report.sections import report_from_summary

    return report_from_summary(load_summary(run_dir), out_dir, force, run=str(run_dir))
