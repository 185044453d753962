"""What the report shows of a run, as plain arrays: :class:`RunSummary` and its parts.

The report is written against this in-memory summary, so that it depends neither on how a run
store or the analysis results are laid out on disk nor on how they are computed: the analyses
(:mod:`harsanyi.analysis`) compute every number once and a workflow fills the summary (e.g.
``harsanyi.workflows.demo_analysis.run_summary``). Every part except the epochs is optional; a
missing part becomes a note in the page saying how to compute it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harsanyi.errors import ShapeError
from harsanyi.metrics import distribution_from_strength, mean_order
from harsanyi.report.figures import default_selection
from harsanyi.report.style import GROUP_NAMES, as_1d, as_2d

__all__ = ["MAX_CURVES", "DecaySpindle", "GroupSummary", "RunSummary", "SampledSummary",
           "TheoryFit"]

#: At most this many tracked curves per group are kept for the figure (all are counted).
MAX_CURVES = 30


@dataclass
class TheoryFit:
    """Paper A's two-phase model matched to the run at ``J`` checkpoints.

    ``epochs`` (J,); ``real`` and ``theo`` (J, n): ``I_real^(k)`` and ``I_theo^(k)(σ²_t)``
    normalised to sum 1; ``sigma2`` (J,) the fitted ``σ²_t``; ``error`` (J,) the distance
    ``‖I_theo − I_real‖₁`` (optional).
    """

    epochs: Any
    real: Any
    theo: Any
    sigma2: Any
    error: Any = None

    def __post_init__(self) -> None:
        self.epochs = as_1d(self.epochs, "theory.epochs")
        j = self.epochs.size
        self.real = as_2d(self.real, "theory.real", (j, None))
        self.theo = as_2d(self.theo, "theory.theo", self.real.shape)
        self.sigma2 = as_1d(self.sigma2, "theory.sigma2", j)
        if self.error is not None:
            self.error = as_1d(self.error, "theory.error", j)


@dataclass
class GroupSummary:
    """The five groups of paper C for the tracked (top) interactions.

    ``labels`` (m,) group of each tracked interaction; ``curves`` (m, K) its value at each
    checkpoint of the run; ``counts_by_order`` (5, n) average count per sample of each group
    (rows in ``GROUP_NAMES`` order) at each order; ``names`` (m,) optional display names of
    the interactions (e.g. ``"AND eye & nose"``); ``totals``: the number of interactions in
    each group when ``labels``/``curves`` are only a subset kept for drawing;
    ``per_sample``: the number of samples the counts come from.
    """

    labels: Sequence[str]
    curves: Any
    counts_by_order: Any = None
    names: Sequence[str] | None = None
    totals: Mapping[str, int] | None = None
    per_sample: int | None = None

    def __post_init__(self) -> None:
        self.labels = [str(g) for g in self.labels]
        self.curves = as_2d(self.curves, "groups.curves", (len(self.labels), None))
        if self.counts_by_order is not None:
            self.counts_by_order = as_2d(self.counts_by_order, "groups.counts_by_order",
                                         (len(GROUP_NAMES), None))
        if self.names is not None and len(self.names) != len(self.labels):
            raise ShapeError(f"groups.names has {len(self.names)} entries for "
                             f"{len(self.labels)} curves")

    def counts(self) -> dict[str, int]:
        """Return the number of tracked interactions in each group.

        Number of tracked interactions in each group (``totals`` when given), in
        ``GROUP_NAMES`` order.

        >>> GroupSummary(["reliable", "betraying", "reliable"], np.zeros((3, 2))).counts()
        {'reliable': 2, 'withdrawn': 0, 'forgotten': 0, 'betraying': 1, 'fluctuating': 0}
        """
        if self.totals is not None:
            return {g: int(self.totals.get(g, 0)) for g in GROUP_NAMES}
        return {g: sum(1 for x in self.labels if x == g) for g in GROUP_NAMES}

    @classmethod
    def thinned(cls, labels: Any, curves: Any, counts_by_order: Any = None,
                names: Any = None, per_sample: int | None = None) -> GroupSummary:
        """Return the summary with at most :data:`MAX_CURVES` curves per group.

        All curves are counted (``totals``); at most :data:`MAX_CURVES` per group are kept
        for drawing.

        >>> g = GroupSummary.thinned(["reliable"] * 40, np.zeros((40, 2)))
        >>> len(g.labels), g.counts()["reliable"]
        (30, 40)
        """
        labels = np.asarray(labels).astype(str)
        groups = [*GROUP_NAMES, *sorted(set(labels) - set(GROUP_NAMES))]
        keep = np.sort(np.concatenate([np.flatnonzero(labels == g)[:MAX_CURVES]
                                       for g in groups]))
        return cls(list(labels[keep]), np.asarray(curves)[keep], counts_by_order,
                   None if names is None else [str(x) for x in np.asarray(names)[keep]],
                   totals={g: int((labels == g).sum()) for g in GROUP_NAMES},
                   per_sample=per_sample)


@dataclass
class DecaySpindle:
    """Paper D's decomposition ``A_real^(m) ≈ A_decay^(m) + A_spindle^(m)`` at each checkpoint.

    ``decay``, ``spindle`` (K, n): strength of each part by order (positive plus negative
    magnitudes) at the run's checkpoints; ``real`` (K, n) the real strength (optional).
    """

    decay: Any
    spindle: Any
    real: Any = None

    def __post_init__(self) -> None:
        self.decay = as_2d(self.decay, "decay_spindle.decay")
        self.spindle = as_2d(self.spindle, "decay_spindle.spindle", self.decay.shape)
        if self.real is not None:
            self.real = as_2d(self.real, "decay_spindle.real", self.decay.shape)


@dataclass
class SampledSummary:
    """What a sampled run (``--budget``) adds to its report.

    ``masks``: masks evaluated per sample and checkpoint (``fit`` of them used to fit);
    ``holdout_r2`` and ``refit_r2`` ``(K, B)``: R² on the held-out masks of each
    checkpoint's extraction and of the union-of-supports refit; ``optimal`` ``(K, B)`` bool:
    the certificate's flag; ``certificate``: one sentence on what it covers; ``skipped``:
    section id → why it is not drawn (it needs all ``2**n`` values).
    """

    masks: int
    fit: int
    holdout_r2: Any
    refit_r2: Any
    optimal: Any
    certificate: str = ""
    skipped: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.holdout_r2 = as_2d(self.holdout_r2, "sampled.holdout_r2")
        self.refit_r2 = as_2d(self.refit_r2, "sampled.refit_r2", self.holdout_r2.shape)
        self.optimal = np.asarray(self.optimal, dtype=bool).reshape(self.holdout_r2.shape)

    def line(self) -> str:
        """Return the report's sentence: sampled with ``m`` masks, and what is certified.

        >>> SampledSummary(200, 176, [[0.9]], [[0.95]], [[True]], "c.").line()[:45]
        'Sampled run: 200 masks per sample and checkpo'
        """
        share = float(self.optimal.mean()) if self.optimal.size else 0.0
        return (f"Sampled run: {self.masks} masks per sample and checkpoint ({self.fit} to "
                f"fit, the rest held out), the same masks at every checkpoint; "
                f"{share:.0%} of the extractions are certified optimal. {self.certificate}")


@dataclass
class RunSummary:
    """Everything the report draws, as arrays over the ``K`` checkpoints and ``n`` orders.

    - ``epochs`` (K,); ``players`` (n names); ``config`` shown in the header; ``name``.
    - ``train_loss``, ``test_loss`` (K,).
    - ``strength_pos``, ``strength_neg`` (K, n): ``A^(k)+`` and ``A^(k)−`` (salient, averaged
      over samples); ``distribution`` (K, n): ``I_real^(k)``, NaN rows where nothing is
      salient (derived from the strengths by :mod:`harsanyi.metrics` when absent).
    - ``phase_boundary`` and ``gap_onset``: epochs (or None); ``selected_epochs``: the
      checkpoints drawn in detail (default: six spread over training).
    - ``theory``, ``groups``, ``decay_spindle``: see :class:`TheoryFit`,
      :class:`GroupSummary`, :class:`DecaySpindle`.
    - ``sparsity_curves``: label → sorted normalised ``|I|``; ``matching_alphas`` (A,) with
      ``matching_errors`` (A,) or label → (A,); ``alpha_hat``.
    - ``top_interactions``: DataFrame with columns ``kind, players, order, value`` (and
      optionally ``mask``, ``sample``); ``image`` with ``patch_boxes`` ((y0, x0, y1, x1) per
      player) to draw the top interactions on the image.
    - ``notes``: extra sentences for the findings box.
    - ``sampled``: a :class:`SampledSummary` for a run on a sampling design (its report skips
      the sections that need all ``2**n`` values, saying why).

    >>> s = RunSummary(epochs=[0, 1], players=["a", "b"], strength_pos=[[1., .5], [2., .5]],
    ...                strength_neg=[[-.5, -.5], [0., -.5]])
    >>> s.n, s.real_distribution().round(3).tolist()
    (2, [[0.6, 0.4], [0.667, 0.333]])
    """

    epochs: Any
    players: Sequence[str]
    name: str = "run"
    config: Mapping[str, Any] = field(default_factory=dict)
    train_loss: Any = None
    test_loss: Any = None
    strength_pos: Any = None
    strength_neg: Any = None
    distribution: Any = None
    phase_boundary: float | None = None
    gap_onset: float | None = None
    selected_epochs: Sequence[float] | None = None
    theory: TheoryFit | None = None
    groups: GroupSummary | None = None
    decay_spindle: DecaySpindle | None = None
    sparsity_curves: Mapping[str, Any] | None = None
    matching_alphas: Any = None
    matching_errors: Any = None
    alpha_hat: float | None = None
    top_interactions: Any = None
    image: Any = None
    patch_boxes: Sequence[tuple[int, int, int, int]] | None = None
    notes: list[str] = field(default_factory=list)
    sampled: SampledSummary | None = None

    def __post_init__(self) -> None:
        self.epochs = as_1d(self.epochs, "epochs")
        self.players = [str(p) for p in self.players]
        k, n = self.epochs.size, len(self.players)
        if k == 0:
            raise ShapeError("a run summary needs at least one checkpoint (epochs is empty)")
        for name in ("train_loss", "test_loss"):
            if getattr(self, name) is not None:
                setattr(self, name, as_1d(getattr(self, name), name, k))
        for name in ("strength_pos", "strength_neg", "distribution"):
            if getattr(self, name) is not None:
                setattr(self, name, as_2d(getattr(self, name), name, (k, n)))
        if (self.strength_pos is None) != (self.strength_neg is None):
            raise ShapeError("give both strength_pos and strength_neg, or neither")
        if self.theory is not None and self.theory.real.shape[1] != n:
            raise ShapeError(f"theory has {self.theory.real.shape[1]} orders, run has n={n}")
        if self.groups is not None:
            if self.groups.curves.shape[1] != k:
                raise ShapeError(f"groups.curves has {self.groups.curves.shape[1]} "
                                 f"checkpoints, run has {k}")
            cbo = self.groups.counts_by_order
            if cbo is not None and cbo.shape[1] != n:
                raise ShapeError(f"groups.counts_by_order has {cbo.shape[1]} orders, n={n}")
        if self.decay_spindle is not None and self.decay_spindle.decay.shape != (k, n):
            raise ShapeError(f"decay_spindle arrays must have shape {(k, n)}, got "
                             f"{self.decay_spindle.decay.shape}")
        if self.matching_alphas is not None:
            self.matching_alphas = as_1d(self.matching_alphas, "matching_alphas")
            if self.matching_errors is None:
                raise ShapeError("matching_alphas is given without matching_errors")
        if self.patch_boxes is not None and len(self.patch_boxes) != n:
            raise ShapeError(f"patch_boxes has {len(self.patch_boxes)} boxes for n={n} players")

    @property
    def n(self) -> int:
        """Number of players (input variables)."""
        return len(self.players)

    @property
    def has_losses(self) -> bool:
        """Whether both loss curves are known (and not all NaN)."""
        return (self.train_loss is not None and self.test_loss is not None
                and bool(np.isfinite(self.train_loss).any())
                and bool(np.isfinite(self.test_loss).any()))

    def real_distribution(self) -> np.ndarray | None:
        """Return ``I_real^(k)(t)`` per checkpoint, ``(K, n)``.

        ``I_real^(k)(t)`` (K, n): ``distribution`` if given, else ``(A+ − A−)`` normalised
        to sum 1 per checkpoint (:func:`harsanyi.metrics.distribution_from_strength`: NaN
        rows where no interaction is salient).
        """
        if self.distribution is not None:
            return self.distribution
        if self.strength_pos is None:
            return None
        return distribution_from_strength(np.abs(self.strength_pos) + np.abs(self.strength_neg))

    def mean_order(self) -> np.ndarray | None:
        """Return the mean order ``k̄(t)`` per checkpoint.

        ``k̄(t) = Σ_k k · I_real^(k)(t)`` (K,), or None without distributions; NaN at a
        checkpoint without any salient interaction.
        """
        d = self.real_distribution()
        return None if d is None else mean_order(d)

    def selection(self, count: int = 6) -> list[float]:
        """Return the epochs drawn in detail.

        The epochs drawn in detail: ``selected_epochs`` or ``count`` spread over training,
        always including the phase boundary when it is a checkpoint.
        """
        if self.selected_epochs is not None:
            return [float(e) for e in self.selected_epochs]
        chosen = default_selection(self.epochs, count)
        pb = self.phase_boundary
        if pb is not None and np.isclose(self.epochs, pb).any() and float(pb) not in chosen:
            if len(chosen) > 2:  # replace the inner epoch closest to the boundary
                inner = [abs(c - pb) for c in chosen[1:-1]]
                chosen[1 + int(np.argmin(inner))] = float(pb)
            else:
                chosen.append(float(pb))
            chosen = sorted(set(chosen))
        return chosen
