"""Theory on a run store: thin adapters from :class:`harsanyi.store.RunStore` to the theory.

A run store holds, per checkpoint ``t``, the values ``v_t(x_S)`` and the AND/OR interactions of
the same samples (``(samples, 2**n)`` each). These functions stack them over checkpoints
(``(K, samples, 2**n)``), call the array functions of :mod:`harsanyi.theory` and
:mod:`harsanyi.dynamics`, and (with ``save=True``) write the results next to the store, in
``RUN/analysis/``, where the report builder (:func:`harsanyi.report.report_from_run`) reads
them:

- ``theory.npz``: ``epochs, real, theo, sigma2, error`` (:func:`fit_run`);
- ``groups.npz``: ``labels, curves, counts_by_order, names`` (:func:`groups_run`);
- ``decay_spindle.npz``: ``decay, spindle, real`` (:func:`disentangle_run`);
- ``boundaries.json``: ``phase_boundary, gap_onset, distance`` (:func:`phases_run`).

Choices that are ours ([RECON]): the two-phase fit matches only the checkpoints from the
detected phase-2 start on (``start="boundary"``; paper A matches phase-2 epochs), on the test
samples when the store has some (paper A uses test samples); the sparsity bound uses the
AND-only Harsanyi interactions of the stored values (``interactions="harsanyi"``, paper E).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from harsanyi.errors import StoreError, TheoryInputError
from harsanyi.store.verify import readable_checkpoints

__all__ = ["ANALYSIS_DIR", "StoreArrays", "is_run_store", "read_run", "phases_run", "fit_run",
           "sparsity_run", "groups_run", "disentangle_run", "DecaySpindleRun"]

ANALYSIS_DIR = "analysis"
Split = Literal["all", "train", "test", "auto"]


def _example_store(n: int = 4, checkpoints: int = 6) -> Any:
    """A tiny planted store for the examples: 2 train + 2 test samples whose interactions move
    from noise to paper A's ``ŵ = M̂(σ²_t) w*`` with decreasing ``σ²_t``; the gap grows late."""
    import tempfile

    from harsanyi.extract.matching import reconstruct
    from harsanyi.store import RunStore
    from harsanyi.theory.two_phase import TwoPhaseModel

    rng = np.random.default_rng(0)
    orders = np.array([bin(m).count("1") for m in range(2**n)])
    w = np.where(orders[None] <= 2, rng.uniform(0.5, 1.0, (4, 2**n)), 0.0)
    sig = np.concatenate([[1e3], np.logspace(0, -4, checkpoints - 1)])
    a = TwoPhaseModel(n).w_hat(w, sig)
    a[0] = rng.normal(size=a[0].shape) * np.sqrt(2.0**orders)
    st = RunStore.create(tempfile.mkdtemp() + "/run", {"example": True},
                         players=[f"p{i}" for i in range(n)],
                         samples={"split": ["train", "train", "test", "test"]})
    for t in range(checkpoints):
        v, z = reconstruct(a[t]), np.zeros((4, 2**n))
        st.write_checkpoint(t, {"values": v, "and_values": a[t], "or_values": z},
                            {"train_loss": 1 / (1 + t), "test_loss": 1 / (1 + t) + 0.1 * t**2})
    return st


def is_run_store(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding a harsanyi run store (``zarr.json`` of its format).

    >>> is_run_store("/nonexistent/run")
    False
    """
    meta = Path(path) / "zarr.json"
    if not meta.is_file():
        return False
    try:
        return json.loads(meta.read_text())["attributes"]["format"] == "harsanyi.run/1"
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _open(run: Any) -> Any:
    from harsanyi.store import RunStore

    return run if isinstance(run, RunStore) else RunStore.open(run)


@dataclass
class StoreArrays:
    """A run store's arrays over its ``K`` finished checkpoints, for a subset of samples.

    ``and_values``, ``or_values``, ``values``: ``(K, B, 2**n)``; ``epochs``, ``train_loss``,
    ``test_loss``: ``(K,)``; ``split``: ``(B,)`` labels of the kept samples; ``players``;
    ``path``: the store folder.
    """

    epochs: np.ndarray
    and_values: np.ndarray
    or_values: np.ndarray
    values: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    split: np.ndarray
    players: list[str]
    path: Path


def read_run(run: Any, split: Split = "all") -> StoreArrays:
    """Stack a run store's checkpoints: ``split`` keeps the ``"train"`` or ``"test"`` samples
    (``"auto"``: the test samples when there are any, else all). ``run`` is a path, a
    :class:`~harsanyi.store.RunStore` or a :class:`StoreArrays` (read once, subset here).

    >>> import tempfile, harsanyi as hs
    >>> from harsanyi.store import RunStore
    >>> st = RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a", "b"],
    ...                      samples={"split": ["train", "test"]})
    >>> for e in (0, 1): _ = st.write_interactions(e, hs.mobius(np.ones((2, 4))), test_loss=e)
    >>> arr = read_run(st.path, split="test")
    >>> arr.and_values.shape, arr.epochs.tolist(), arr.split.tolist()
    ((2, 1, 4), [0, 1], ['test'])
    """
    if isinstance(run, StoreArrays):
        arr = run
    else:
        store = _open(run)
        epochs = readable_checkpoints(store)  # damaged ones skipped with a warning
        if not epochs:
            raise StoreError(f"the run store {store.path} has no finished checkpoint yet")
        recs = [store.read(e).arrays for e in epochs]
        a, o, v = (np.stack([r[k] for r in recs]) for k in ("and_values", "or_values", "values"))
        labels = np.asarray(store.samples.get("split") or ["all"] * a.shape[1])
        if labels.shape != (a.shape[1],):
            raise StoreError(f"the run store {store.path} lists {labels.size} splits for "
                             f"{a.shape[1]} samples")
        losses = store.losses(epochs)
        arr = StoreArrays(np.asarray(epochs), a, o, v, losses["train_loss"],
                          losses["test_loss"], labels, store.players, Path(store.path))
    labels = arr.split
    if split == "auto":
        split = "test" if (labels == "test").any() else "all"
    if split == "all":
        return arr
    if split not in ("train", "test"):
        raise TheoryInputError(f"split must be 'all', 'train', 'test' or 'auto'; got {split!r}")
    keep = labels == split
    if not keep.any():
        raise TheoryInputError(f"the run store {arr.path} has no {split!r} samples "
                               f"(splits: {sorted(set(labels.tolist()))})")
    return replace(arr, and_values=arr.and_values[:, keep], or_values=arr.or_values[:, keep],
                   values=arr.values[:, keep], split=labels[keep])


def _save_npz(path: Path, name: str, **arrays: Any) -> Path:
    folder = path / ANALYSIS_DIR
    folder.mkdir(exist_ok=True)
    out = folder / name
    tmp = folder / f".{name}.tmp.npz"
    np.savez(tmp, **arrays)
    tmp.replace(out)
    return out


def phases_run(run: Any, rule: Any = None, *, save: bool = True,
               boundary_split: str = "test") -> Any:
    """Phase boundary and loss-gap onset of a run (:func:`harsanyi.dynamics.phases.two_phase`,
    our rules); ``save`` writes ``analysis/boundaries.json`` (epochs, and their distance).

    >>> import tempfile, harsanyi as hs
    >>> from harsanyi.store import RunStore
    >>> st = RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a", "b"])
    >>> for e, (x, te) in enumerate([(3.0, 1.0), (0.1, .5), (1.0, .9)]):
    ...     _ = st.write_interactions(e, hs.mobius([[0.0, 1.0, 1.0, 2.0 + x]]),
    ...                               train_loss=1 / (1 + e), test_loss=te)
    >>> res = phases_run(st.path)
    >>> res.boundary_epoch, res.onset_epoch
    (1, 2)
    """
    from harsanyi.dynamics.phases import two_phase

    arr = read_run(run)
    res = two_phase(arr.and_values, arr.or_values, arr.values, epochs=arr.epochs,
                    split=arr.split, train_loss=arr.train_loss, test_loss=arr.test_loss,
                    rule=rule, boundary_split=boundary_split)
    if save:
        folder = arr.path / ANALYSIS_DIR
        folder.mkdir(exist_ok=True)
        doc = {"phase_boundary": res.boundary_epoch, "gap_onset": res.onset_epoch,
               "distance": res.distance, "rule": "harsanyi.dynamics.phases (our rules)"}
        (folder / "boundaries.json").write_text(json.dumps(doc, indent=1))
    return res


def fit_run(
    run: Any,
    *,
    start: int | Literal["boundary", "first"] = "boundary",
    final: int = -1,
    split: Split = "auto",
    and_only: bool = False,
    save: bool = True,
    **options: Any,
) -> Any:
    """Paper A's σ² per checkpoint (:func:`harsanyi.theory.fit_two_phase`) on a run store.

    ``start``: the first epoch matched; ``"boundary"`` = the detected phase-2 start
    (:func:`phases_run`; all checkpoints when none is detected), ``"first"`` = every
    checkpoint. ``final``: index of the checkpoint that defines ``w*`` (default the last).
    ``options`` go to :func:`~harsanyi.theory.fit_two_phase` (``grid``, ``ratio``,
    ``monotone``, ``distance``...). ``save`` writes ``analysis/theory.npz``. Returns the
    :class:`~harsanyi.theory.TwoPhaseFit`; its ``checkpoints`` are ``"epoch_<e>"`` labels.

    >>> fit = fit_run(_example_store(), start="first", save=False)
    >>> fit.checkpoints[:2], bool(fit.sigma2[1] >= fit.sigma2[-1])
    (['epoch_0', 'epoch_1'], True)
    """
    from harsanyi.theory.fit import fit_two_phase

    arr = read_run(run, split)
    K = arr.epochs.size
    if not -K <= final < K:
        raise TheoryInputError(f"final={final} is not a checkpoint index (K={K})")
    if start == "first":
        first = 0
    elif start == "boundary":
        b = phases_run(run if isinstance(run, StoreArrays) else arr.path, save=False).boundary
        first = 0 if b is None else int(b)
    else:
        hits = np.flatnonzero(arr.epochs >= int(start))
        if hits.size == 0:
            raise TheoryInputError(f"no checkpoint at or after epoch {start} (last epoch "
                                   f"{int(arr.epochs[-1])})")
        first = int(hits[0])
    final_abs = final % K
    if final_abs < first:
        raise TheoryInputError(f"the checkpoint defining w* (epoch {arr.epochs[final_abs]}) "
                               f"comes before the first matched one (epoch {arr.epochs[first]})")
    keep = slice(first, None)
    labels = [f"epoch_{int(e)}" for e in arr.epochs[keep]]
    fit = fit_two_phase(arr.and_values[keep], None if and_only else arr.or_values[keep],
                        arr.values[keep], final=final_abs - first, checkpoints=labels,
                        **options)
    if save:
        _save_npz(arr.path, "theory.npz", epochs=arr.epochs[keep].astype(np.float64),
                  real=fit.real, theo=fit.theo, sigma2=fit.sigma2, error=fit.error)
    return fit


def sparsity_run(
    run: Any,
    *,
    epoch: int | None = None,
    split: Split = "all",
    interactions: Literal["harsanyi", "and"] = "harsanyi",
    **options: Any,
) -> Any:
    """Paper E's sparsity bound (:func:`harsanyi.theory.sparsity_table`) at one checkpoint.

    ``epoch``: default the last stored one. ``interactions="harsanyi"`` uses the AND-only
    Harsanyi interactions ``I(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(x_T)`` of the stored values (paper
    E's setting, no noise term); ``"and"`` the stored AND part of the AND-OR split. ``options``
    go to :func:`~harsanyi.theory.sparsity_table` (``tau_ratio``, ``M``, ``vn_threshold``...).

    >>> table = sparsity_run(_example_store(), split="test")
    >>> table.summary["samples"], table.summary["real_mean"] > 0
    (2, True)
    """
    from harsanyi.core.transforms import mobius
    from harsanyi.theory.sparsity_table import sparsity_table

    if isinstance(run, StoreArrays):
        done, where = [int(e) for e in run.epochs], run.path
    else:
        store = _open(run)
        done, where = readable_checkpoints(store), store.path
    if not done:
        raise StoreError(f"the run store {where} has no finished checkpoint yet")
    e = done[-1] if epoch is None else int(epoch)
    if e not in done:
        raise TheoryInputError(f"epoch {e} is not stored in {where}; stored epochs: "
                               f"{done[0]}..{done[-1]} ({len(done)} checkpoints)")
    if isinstance(run, StoreArrays):
        t = done.index(e)
        rec = {"values": run.values[t], "and_values": run.and_values[t]}
        labels = run.split
    else:
        rec = store.read(e).arrays
        labels = np.asarray(store.samples.get("split") or ["all"] * rec["values"].shape[0])
    v = rec["values"]
    if split == "auto":
        split = "test" if (labels == "test").any() else "all"
    keep = np.ones(v.shape[0], bool) if split == "all" else labels == split
    if not keep.any():
        raise TheoryInputError(f"the run store {where} has no {split!r} samples")
    if interactions == "harsanyi":
        I = mobius(v[keep])
    elif interactions == "and":
        I = rec["and_values"][keep]
    else:
        raise TheoryInputError(f"interactions must be 'harsanyi' or 'and'; got {interactions!r}")
    return sparsity_table(I, v[keep], **options)


def _order_counts(counts: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((counts.shape[0], n))
    m = min(counts.shape[1] - 1, n)
    out[:, :m] = counts[:, 1: m + 1]
    return out


def groups_run(run: Any, *, k: int = 100, rule: Any = None, split: Split = "all",
               save: bool = True) -> Any:
    """Paper C's five groups of each sample's top ``k`` interactions over the checkpoints
    (:func:`harsanyi.dynamics.groups.five_groups`, our decision rule). ``save`` writes
    ``analysis/groups.npz`` (one curve per tracked interaction, named ``"AND a & b"``).

    >>> res = groups_run(_example_store(), k=5, save=False)
    >>> res.labels.shape, sum(res.counts().values())
    ((4, 5), 5.0)
    """
    from harsanyi.core.orders import members
    from harsanyi.dynamics.groups import five_groups

    arr = read_run(run, split)
    if arr.epochs.size < 2:
        raise TheoryInputError("the five groups need at least 2 checkpoints; the store has "
                               f"{arr.epochs.size}")
    res = five_groups(arr.and_values, arr.or_values, k=k, rule=rule, epochs=arr.epochs)
    if save:
        B, kk = res.labels.shape
        names = []
        for b in range(B):
            for r in range(kk):
                kind = "OR" if res.kinds[b, r] else "AND"
                sep = " | " if res.kinds[b, r] else " & "
                who = sep.join(arr.players[i] for i in members(int(res.masks[b, r])))
                names.append(f"x{b}: {kind} {who}")
        _save_npz(arr.path, "groups.npz", labels=res.labels.reshape(-1).astype(str),
                  curves=res.curves.reshape(B * kk, -1),
                  counts_by_order=_order_counts(res.counts_by_order(), len(arr.players)),
                  names=np.asarray(names))
    return res


@dataclass
class DecaySpindleRun:
    """:func:`disentangle_run`'s result: per-checkpoint fits and the (K, n) magnitudes."""

    epochs: np.ndarray
    fits: list[Any]
    decay: np.ndarray
    spindle: np.ndarray
    real: np.ndarray


def disentangle_run(run: Any, *, split: Split = "all", tau_ratio: float = 0.0,
                    save: bool = True, **options: Any) -> DecaySpindleRun:
    """Paper D's decay/spindle split (:func:`harsanyi.theory.disentangle`) at each checkpoint.

    ``A^(m),±`` averaged over the samples with threshold ``τ = tau_ratio·E_x|v(N) − v(∅)|``
    (``0``: every interaction, paper D); ``options`` go to ``disentangle`` (``decay``,
    ``decay_grid``, ``spindle_base``, ``weights``). The magnitudes ``|part⁺| + |part⁻|`` per
    order are saved to ``analysis/decay_spindle.npz``.

    >>> res = disentangle_run(_example_store(), save=False)
    >>> res.decay.shape, bool(res.spindle[0].sum() > res.decay[0].sum())  # noise at t = 0
    ((6, 4), True)
    """
    from harsanyi.theory.generalization import disentangle, signed_strength

    arr = read_run(run, split)
    taus = tau_ratio * np.abs(arr.values[..., -1] - arr.values[..., 0]).mean(axis=1)
    pos, neg = signed_strength(arr.and_values, arr.or_values, tau=taus)
    fits, decay, spindle = [], np.zeros_like(pos), np.zeros_like(pos)
    for t in range(arr.epochs.size):
        fit = disentangle(pos[t], neg[t], **options)
        fits.append(fit)
        decay[t] = np.abs(fit.pos.decay_part) + np.abs(fit.neg.decay_part)
        spindle[t] = np.abs(fit.pos.spindle_part) + np.abs(fit.neg.spindle_part)
    real = np.abs(pos) + np.abs(neg)
    if save:
        _save_npz(arr.path, "decay_spindle.npz", decay=decay, spindle=spindle, real=real,
                  epochs=arr.epochs.astype(np.float64))
    return DecaySpindleRun(arr.epochs, fits, decay, spindle, real)
