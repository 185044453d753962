"""The report summary of a sampled run (``harsanyi monitor --budget``).

:func:`sampled_summary` fills a :class:`~harsanyi.report.RunSummary` from a sampled run store:
the losses, the five groups and the top interactions by checkpoint on the curves refitted on
the union of supports (:mod:`harsanyi.analysis.sampled`), the held-out R² of every checkpoint,
and a :class:`~harsanyi.report.SampledSummary` saying how many masks were evaluated and what
the certificate covers. The report then skips, with the reason, the sections that need all
``2**n`` values (:mod:`harsanyi.report.sampled_sections`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harsanyi import analysis as an
from harsanyi.analysis.tracking import split_selection
from harsanyi.errors import HarsanyiError, StoreError
from harsanyi.extract.solvers.canonical import stored_order_weight
from harsanyi.report import GroupSummary, RunSummary, SampledSummary
from harsanyi.store import RunStore
from harsanyi.store.union import SampledRunArrays

__all__ = ["certificate_text", "sampled_summary", "split_phrase", "union_note"]


def certificate_text(store: RunStore, epochs: list[int]) -> str:
    """Return one sentence on what the certificates of the run's extractions cover."""
    fit = int((store.config.get("sampling") or {}).get("fit", 0))
    recs = [store.read(e) for e in epochs]
    order = recs[-1].attrs.get("metadata", {}).get("max_order", "max_order")
    enter = max(int(np.max(r.arrays["would_enter"], initial=0)) for r in recs)
    exact = all(bool(np.all(r.arrays["exact"])) for r in recs)
    if enter == 0 and exact:
        covers = (f"Each certificate covers the {fit} fit masks of the design and every atom of "
                  f"order <= {order} (an exact pricing over all of them found none that would "
                  "still enter), never all 2^n masks.")
    else:
        covers = (f"Each certificate covers the {fit} fit masks of the design and the candidate "
                  f"atoms (the LP's atoms and their neighbours, order <= {order}), never all "
                  f"2^n masks; a last pricing over every atom of order <= {order} found at most "
                  f"{enter} outside the candidates that would still enter "
                  f"({'exact' if exact else 'truncated'} pricing).")
    return (f"{covers} The atoms come from the {split_phrase(store.config)} of each "
            "checkpoint; the curves are least-squares refits on their union.")


def split_phrase(config: dict[str, Any]) -> str:
    """Return which split a sampled run's atoms come from, the canonical one with its norm.

    A canonical run stored before ``order_weight`` existed used the plain norm (``p = 0``).

    >>> split_phrase({"solver_options": {"selection": "canonical", "order_weight": 2.0}})
    'canonical split (order weight p = 2)'
    >>> split_phrase({"solver_options": {"selection": "canonical"}}), split_phrase({})
    ('canonical split (order weight p = 0)', 'vertex split')
    """
    selection = split_selection(config)
    if selection != "canonical":
        return f"{selection} split"
    weight = stored_order_weight(config.get("solver_options"))
    return f"canonical split (order weight p = {weight:g})"


def union_note(arr: SampledRunArrays, fit: int) -> str:
    """Return one sentence on the size of the unions refitted, against the fit masks.

    Least squares with nearly as many atoms as fit masks can fit noise: past half of them the
    sentence says so (a larger budget, or a larger ``q_bound`` for fewer atoms, helps).
    """
    sizes = arr.in_union.sum(axis=1)
    line = (f"Union of supports: {int(np.median(sizes))} atoms per sample (median; at most "
            f"{int(sizes.max())}) refitted on {fit} fit masks at every checkpoint.")
    if sizes.max() > fit / 2:
        line += (" That many atoms for so few masks can fit noise: prefer a larger budget (or "
                 "a larger q_bound, which keeps fewer atoms); the held-out R² of the refit "
                 "tells how much it generalises.")
    return line


def sampled_summary(store: RunStore, *, top_k: int = 10, top_samples: int = 3,
                    group_top: int = 100) -> RunSummary:
    """Build the report summary of the sampled run in ``store`` (see the module docstring).

    ``top_k`` atoms of the first ``top_samples`` samples at every checkpoint go to the table;
    ``group_top`` atoms per sample are sorted into the five groups.
    """
    arr = store.arrays()
    if not isinstance(arr, SampledRunArrays):
        raise StoreError(f"the run store {store.path} is not sampled")
    epochs = [int(e) for e in arr.epochs]
    optimal = np.stack([store.read(e).arrays["optimal"] for e in epochs])
    sampling = store.config.get("sampling") or {}
    notes: list[str] = []
    groups = None
    try:
        gr = an.groups_record(an.sampled_groups(arr, k=group_top), arr.players)
        groups = GroupSummary.thinned(gr.labels, gr.curves, gr.counts_by_order, gr.names,
                                      per_sample=gr.per_sample)
    except (HarsanyiError, ValueError) as exc:
        notes.append(f"The five groups could not be computed: {exc}")
    if arr.epochs.size > 1:
        notes.append(an.sampled_tracking(arr).finding())
    notes.append(union_note(arr, int(sampling.get("fit", 0))))
    sampled = SampledSummary(int(sampling.get("m", 0)), int(sampling.get("fit", 0)),
                             arr.found_r2, arr.holdout_r2, optimal,
                             certificate_text(store, epochs))
    return RunSummary(
        epochs=arr.epochs.astype(np.float64), players=arr.players, name=arr.path.name,
        config={**arr.config, "samples": int(arr.in_union.shape[0])},
        train_loss=arr.train_loss, test_loss=arr.test_loss, groups=groups,
        top_interactions=an.sampled_top_table(arr, top_k, top_samples), notes=notes,
        sampled=sampled)
