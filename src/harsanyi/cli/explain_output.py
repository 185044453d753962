"""What ``harsanyi explain`` prints and saves, for exhaustive and sampled results alike.

One table per sample (its top-k AND and OR interactions) and, with ``--out``, the files
``interactions.json`` (the tables and each sample's notes), ``interactions.csv``
(``to_frame()``, with the sample's row in the data) and ``interactions.npz`` (``save``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["top_table", "write_outputs"]


def top_table(inter: Any, b: int, top_k: int, title: str,
              caption: str) -> tuple[Table, list[dict[str, Any]]]:
    """Return sample ``b``'s top-``top_k`` interactions as a table and JSON-ready entries.

    ``inter``: an :class:`~harsanyi.extract.Interactions` or a
    :class:`~harsanyi.extract.sparse_result.SparseInteractions` (anything with ``players``
    and ``get_top_k(k, sample=b)``).
    """
    table = Table(title=Text(title), caption=Text(caption))
    for col in ("#", "kind", "players", "order", "value"):
        table.add_column(col, justify="right" if col in ("#", "order", "value") else "left")
    entries = []
    for rank, (kind, members, value) in enumerate(inter.get_top_k(top_k, sample=b), 1):
        names = [inter.players[i] for i in members]
        entries.append({"kind": kind, "players": names, "indices": list(members),
                        "order": len(members), "value": value})
        table.add_row(str(rank), kind, Text((" & " if kind == "and" else " | ").join(names)),
                      str(len(members)), f"{value:+.4g}")
    return table, entries


def write_outputs(out: Path, inter: Any, rows: list[int], top_k: int,
                  results: list[dict[str, Any]], console: Console) -> None:
    """Write ``interactions.json``, ``.csv`` and ``.npz`` of ``inter`` to the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {"players": list(inter.players), "samples": rows, "top_k": top_k,
               "metadata": inter.metadata, "results": results}
    (out / "interactions.json").write_text(json.dumps(summary, indent=2, default=str))
    frame = inter.to_frame()
    frame["sample"] = [rows[int(s)] for s in frame["sample"]]
    frame.to_csv(out / "interactions.csv", index=False)
    inter.save(out / "interactions.npz")
    console.print(Text(f"wrote {out / 'interactions.json'}, interactions.csv and "
                       "interactions.npz"))
