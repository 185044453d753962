"""Paper C's five groups of each sample's strongest interactions over a run (our rule)."""

from __future__ import annotations

import numpy as np

from harsanyi.analysis.folder import GroupsRecord
from harsanyi.analysis.guard import exhaustive
from harsanyi.core.orders import members
from harsanyi.dynamics.groups import FiveGroups, GroupRule, five_groups
from harsanyi.errors import TheoryInputError
from harsanyi.store import RunArrays, Split

__all__ = ["analyse_groups", "groups_record"]


def analyse_groups(arr: RunArrays, *, k: int = 100, rule: GroupRule | None = None,
                   split: Split = "all") -> FiveGroups:
    """Classify each sample's top interactions of a run into paper C's five groups.

    Paper C's five groups of each sample's top ``k`` interactions over the checkpoints
    (:func:`harsanyi.dynamics.groups.five_groups`, our decision rule).

    >>> from harsanyi.analysis.example import example_store
    >>> res = analyse_groups(example_store().arrays(), k=5)
    >>> res.labels.shape, sum(res.counts().values())
    ((4, 5), 5.0)
    """
    sub = exhaustive(arr, "the five groups over 2**n interactions (use sampled_groups)"
                     ).select(split)
    if sub.epochs.size < 2:
        raise TheoryInputError("the five groups need at least 2 checkpoints; the store has "
                               f"{sub.epochs.size}")
    return five_groups(sub.and_values, sub.or_values, k=k, rule=rule, epochs=sub.epochs)


def groups_record(res: FiveGroups, players: list[str]) -> GroupsRecord:
    """Return what ``groups.npz`` stores.

    What ``groups.npz`` stores: one curve per tracked interaction, named like
    ``"x0: AND a & b"``, and the mean count per sample of each group at orders ``1..n``.

    >>> from harsanyi.analysis.example import example_store
    >>> arr = example_store().arrays()
    >>> rec = groups_record(analyse_groups(arr, k=2), arr.players)
    >>> rec.curves.shape, rec.counts_by_order.shape, rec.per_sample
    ((8, 6), (5, 4), 4)
    """
    B, kk = res.labels.shape
    names = []
    for b in range(B):
        for r in range(kk):
            kind, sep = ("OR", " | ") if res.kinds[b, r] else ("AND", " & ")
            who = sep.join(players[i] for i in members(int(res.masks[b, r])))
            names.append(f"x{b}: {kind} {who}")
    return GroupsRecord(labels=res.labels.reshape(-1).astype(str),
                        curves=res.curves.reshape(B * kk, -1),
                        counts_by_order=res.counts_by_order(),
                        names=np.asarray(names), per_sample=B)
