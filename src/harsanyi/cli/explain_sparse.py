"""``harsanyi explain --budget B``: print and save the sparse result of a sampled game.

The game is evaluated on the ``B`` masks of a seeded design (``--design-seed``) and split by
:func:`harsanyi.and_or` into sparse AND and OR interactions
(:class:`~harsanyi.extract.sparse_result.SparseInteractions`, docs/sampled-runs.md). Each
sample's table says how many masks were evaluated, the held-out R² and what the certificate
covers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from harsanyi.cli.explain_output import top_table, write_outputs
from harsanyi.extract.sparse_result import SparseInteractions

__all__ = ["certificate_line", "report_sparse", "selection_note"]


def certificate_line(inter: SparseInteractions, b: int) -> str:
    """Return one line: masks evaluated, held-out R² and what sample ``b``'s certificate covers.

    >>> import numpy as np
    >>> I = SparseInteractions(np.eye(2, dtype=bool)[:1], [False], [[1.0]], np.zeros(1),
    ...                        np.zeros(1), np.array([0.99]), np.zeros(1),
    ...                        metadata={"design": {"m": 200, "fit": 176},
    ...                                  "certificate": [{"optimal": True, "outside_candidates":
    ...                                                   {"would_enter": 0, "exact": True}}],
    ...                                  "max_order": 4})
    >>> line = certificate_line(I, 0); line[:52]
    'sampled: 200 masks (176 fit), held-out R² 0.9900; ce'
    >>> line[52:]
    'rtified optimal on the fit masks over every atom of order <= 4'
    >>> I.metadata["certificate"] = [{"optimal": False, "stop": "max_pivots", "outside_candidates":
    ...     {"would_enter": 3, "exact": True}, "pool": {"says": "no split ... raise max_order"}}]
    >>> certificate_line(I, 0)[50:]
    'NOT certified optimal (stop: max_pivots): 3 atoms of order <= 4 outside the LP would \
still enter (exact pricing); no split ... raise max_order'
    """
    design = inter.metadata.get("design") or {}
    certs = inter.metadata.get("certificate") or []
    cert = certs[b] if b < len(certs) else {}
    out = cert.get("outside_candidates") or {}
    r2 = float(inter.holdout_r2.reshape(-1)[b])
    order = inter.metadata.get("max_order", "max_order")
    head = (f"sampled: {design.get('m', '?')} masks ({design.get('fit', '?')} fit), "
            f"held-out R² {r2:.4f}; ")
    if cert.get("optimal"):
        body = ("certified optimal on the fit masks over every atom of order <= "
                f"{order}" if out.get("exact", True) else
                f"certified optimal on the fit masks over the atoms of order <= {order} that "
                "its truncated pricing examined")
    else:
        body = f"NOT certified optimal (stop: {cert.get('stop', '?')})"
        if out:
            body += (f": {int(out.get('would_enter', 0))} atoms of order <= {order} outside the "
                     "LP would still enter "
                     f"({'exact' if out.get('exact') else 'truncated'} pricing)")
    pool = cert.get("pool") or {}
    if pool.get("says"):  # the whole pool of atoms: infeasible, or not solved
        body += f"; {pool['says']}"
    return head + body + selection_note(inter, b)


def selection_note(inter: SparseInteractions, b: int) -> str:
    """Return the note on sample ``b``'s canonical split, ``""`` for the vertex.

    The split's L1 norm against the LP optimum, or why the vertex was kept.

    >>> import numpy as np
    >>> I = SparseInteractions(np.eye(2, dtype=bool)[:1], [False], [[1.0]], np.zeros(1),
    ...                        np.zeros(1), metadata={"epsilon": 0.01, "order_weight": 2.0,
    ...                            "selection_info": [{"selection": "canonical",
    ...                                                "lp_optimum": 2.0, "objective": 2.02}]})
    >>> selection_note(I, 0)
    '; canonical split (ε = 0.01, order weight p = 2): L1 2.02 for an LP optimum of 2'
    """
    infos = inter.metadata.get("selection_info") or []
    info = infos[b] if b < len(infos) else {}
    if "skipped" in info:
        return f"; canonical split skipped: {info['skipped']}"
    if info.get("selection") != "canonical":
        return ""
    weight = inter.metadata.get("order_weight")
    norm = "" if weight is None else f", order weight p = {weight:g}"
    return (f"; canonical split (ε = {inter.metadata.get('epsilon')}{norm}): L1 "
            f"{info['objective']:.4g} for an LP optimum of {info['lp_optimum']:.4g}")


def report_sparse(inter: SparseInteractions, rows: list[int], top_k: int,
                  out: Path | None) -> None:
    """Print each sample's top atoms with its certificate line; save them to ``out``."""
    console = Console()
    results: list[dict[str, Any]] = []
    targets = inter.metadata.get("target") or [None] * len(rows)
    for b, row in enumerate(rows):
        line = certificate_line(inter, b)
        table, entries = top_table(
            inter, b, top_k, f"sample {row} (target {targets[b]})",
            f"{line}; fit residual {float(inter.residual.reshape(-1)[b]):.2e}")
        console.print(table)
        results.append({"sample": row, "target": targets[b], "certificate": line,
                        "holdout_r2": float(inter.holdout_r2.reshape(-1)[b]), "top": entries})
    if out is not None:
        write_outputs(Path(out), inter, rows, top_k, results, console)
