"""The command line's one grammar for players, index lists and sample choices.

Every command parses these the same way:

* **index lists** ``"0,3+4,6-8"``: comma-separated items, ``a-b`` ranges (inclusive), ``+``
  joins items into one group; column names from a CSV header work too;
* **players** ``KIND:BODY``: ``columns:all``, ``columns:0-9``, ``columns:age+sex,income``,
  ``patches:grid=8x8,n=10,region=6x6,seed=0``, ``patches:grid=8x8,cells=9,10,3:4``,
  ``tokens:0-9``, ``groups:FILE.json`` or ``groups:0-99;100-199;axis=-1``;
* **samples** (rows of a data set): ``all``, an index list ``0,3,5-7``, or ``random:N`` (N rows
  drawn without replacement with the command's ``--seed``, sorted).

Older spellings of ``harsanyi monitor`` (players ``all``, ``0-9``, ``patches:N:GRID:REGION:SEED``;
samples ``N`` meaning N random rows, ``a:b`` ranges) keep working for this release and print a
:class:`FutureWarning` with the new spelling.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.extract.solvers.canonical import check_selection
from harsanyi.games.patches import Patches
from harsanyi.games.players import Columns, Groups, Players, Tokens

__all__ = [
    "BUDGET_HELP",
    "DESIGN_SEED_HELP",
    "EPSILON_HELP",
    "MAX_ORDER_HELP",
    "ORDER_WEIGHT_HELP",
    "PLAYERS_SYNTAX",
    "SAMPLES_SYNTAX",
    "SELECTION_HELP",
    "CLIError",
    "parse_budget",
    "parse_indices",
    "parse_players",
    "parse_samples",
    "parse_sparse_options",
    "split_options",
]

PLAYERS_SYNTAX = """Player specs:

  columns:all | columns:0,3,5-7 | columns:age+sex,income
    (a+b makes one player of columns a and b; CSV header names work)

  patches:grid=8x8,n=10,seed=0,region=6x6
    (n random cells of the central region of the grid)

  patches:grid=8x8,cells=9,10,3:4   (flat index or row:col)

  tokens:0-9   (positions; the model is called as model(inputs_embeds=...))

  groups:FILE.json   (a list of index lists, or an object with
    "groups", "axis" and "names")

  groups:0-99;100-199;axis=-1   (index groups along an axis of a sample)"""

SAMPLES_SYNTAX = "all | 0,3,5-7 (rows) | random:N (N rows drawn with --seed)"

SELECTION_HELP = ("Which optimal AND-OR split: auto (default: canonical up to 12 players, "
                  "vertex above and with --budget), canonical (the unique, stable minimiser "
                  "of ||gamma||^2 + ||q/zeta||^2 among splits within (1 + epsilon) of the L1 "
                  "optimum; 1.6-3.8x the time of vertex at n = 10; docs/selection.md) or "
                  "vertex (the LP vertex the solver ends at). Ignored by sgd and mobius.")
EPSILON_HELP = "Relative slack of the L1 optimum the canonical split may use."
BUDGET_HELP = ("Model calls per sample (per checkpoint for monitor): evaluate B masked inputs "
               "chosen by a seeded design (empty set, all players, singletons, "
               "leave-one-outs, random masks stratified by size, 10% held out to score R^2) "
               "instead of all 2^n, and extract the sparse AND-OR interactions on them "
               "(docs/sampled-runs.md). The minimum is 4n+2 calls (98 at n=24, 258 at n=64; "
               "below it the error names it); a budget >= 2^n (n <= 20) evaluates every mask. "
               "Accepts 2000, 2_000 or 2k. Omit for all 2^n masks.")
MAX_ORDER_HELP = ("Order cap of the atoms of a --budget extraction (default 4): its "
                  "certificate covers every AND and OR atom of order <= it on the fit masks. "
                  "Raise it when the certificate says no split of that order fits. Only "
                  "with --budget (all 2^n masks have every order).")
ORDER_WEIGHT_HELP = ("Exponent p of the norm sum_T |T|^p I_T^2 that the canonical split of a "
                     "--budget extraction minimises (default 2: lower orders win; 0: the "
                     "plain norm, which splits the largest values of trained networks; "
                     "docs/sparse.md 3b). Only with --budget.")
DESIGN_SEED_HELP = ("Seed of the sampling design of --budget: the same seed and budget give "
                    "the same masks (a resumed run must use the stored ones).")


class CLIError(ValueError):
    """A user error of the command line: printed as one line, exit code 2."""


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"{old!r} is an old spelling, accepted in this release only; write {new!r}",
                  FutureWarning, stacklevel=3)


def parse_indices(text: str, names: list[str] | None = None) -> list[list[int]]:
    """Parse player indices like ``"0,3+4,6-8"`` into groups of columns.

    ``"0,3+4,6-8"`` → ``[[0], [3, 4], [6], [7], [8]]``: comma-separated items, ``a-b``
    ranges (inclusive), ``+`` joins items into one group; ``names`` allows column names.

    >>> parse_indices("0,3+4,6-8")
    [[0], [3, 4], [6], [7], [8]]
    >>> parse_indices("age+sex,2", names=["age", "sex", "income"])
    [[0, 1], [2]]
    """
    groups: list[list[int]] = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            raise CLIError(f"empty item in index list {text!r}")
        parts = [p.strip() for p in item.split("+")]
        if len(parts) == 1 and _is_range(parts[0]):
            groups.extend([[i] for i in _range(parts[0])])
            continue
        group: list[int] = []
        for part in parts:
            if _is_range(part):
                group.extend(_range(part))
            elif part.lstrip("-").isdigit():
                group.append(int(part))
            elif names is not None and part in names:
                group.append(names.index(part))
            else:
                raise CLIError(f"{part!r} is not an index, a range a-b or a column name")
        groups.append(group)
    return groups


def _is_range(text: str) -> bool:
    a, sep, b = text.partition("-")
    return bool(sep) and a.isdigit() and b.isdigit()


def _range(text: str) -> range:
    lo, hi = (int(v) for v in text.split("-"))
    if hi < lo:
        raise CLIError(f"range {text!r} is empty")
    return range(lo, hi + 1)


def _keyvals(body: str) -> dict[str, str]:
    """Parse comma-separated ``key=value`` pairs.

    ``"grid=8x8,cells=1,2,n=3"`` → ``{"grid": "8x8", "cells": "1,2", "n": "3"}``: a token
    without ``=`` continues the previous value.
    """
    out: dict[str, str] = {}
    last = None
    for tok in (t.strip() for t in body.split(",")):
        if "=" in tok:
            key, _, value = tok.partition("=")
            last = key.strip().lower()
            out[last] = value.strip()
        elif last is not None and tok:
            out[last] += "," + tok
        elif tok:
            raise CLIError(f"expected key=value in {body!r}, got {tok!r}")
    return out


def _pair(text: str, what: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise CLIError(f"{what} must be R or RxC; got {text!r}")
    return int(parts[0]), int(parts[-1])


_OLD_COLUMNS = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")
_OLD_PATCHES = re.compile(r"^patches:\d+(:\d+){0,3}$")


def _modern(spec: str) -> str:
    """Return the current spelling of an old ``monitor`` player spec (with a FutureWarning)."""
    if spec == "all":
        new = "columns:all"
    elif _OLD_COLUMNS.match(spec):
        new = f"columns:{spec}"
    elif _OLD_PATCHES.match(spec):
        parts = [int(p) for p in spec.split(":")[1:]]
        n, grid, region, seed = (parts + [10, 8, 6, 0][len(parts):])[:4]
        new = f"patches:grid={grid}x{grid},n={n},region={region}x{region},seed={seed}"
    else:
        return spec
    _deprecated(spec, new)
    return new


def parse_players(spec: str, column_names: list[str] | None = None) -> Players:
    """Build a player set from a spec string (syntax in the module docstring).

    >>> parse_players("patches:grid=4x4,cells=0,3:3").names
    ['patch(0,0)', 'patch(3,3)']
    >>> parse_players("columns:0,2+3").names
    ['x0', 'x2+x3']
    """
    spec = _modern(spec.strip())
    kind, sep, body = spec.partition(":")
    kind = kind.strip().lower()
    if not sep:
        raise CLIError(f"player spec {spec!r} must look like KIND:..., e.g. columns:all")
    if kind == "columns":
        if body.strip() == "all":
            return Columns("all", column_names=column_names)
        return Columns(parse_indices(body, column_names), column_names=column_names)
    if kind == "tokens":
        return Tokens(parse_indices(body))
    if kind == "patches":
        return _parse_patches(body, spec)
    if kind == "groups":
        return _parse_groups(body.strip())
    raise CLIError(f"unknown player kind {kind!r}: use columns, patches, tokens or groups")


def _parse_patches(body: str, spec: str) -> Patches:
    kv = _keyvals(body)
    unknown = set(kv) - {"grid", "n", "seed", "region", "cells"}
    if unknown:
        raise CLIError(f"unknown patches option(s) {sorted(unknown)} in {spec!r}")
    grid = _pair(kv.get("grid", "8x8"), "grid")
    if "cells" in kv:
        cells: list[Any] = []
        for c in kv["cells"].split(","):
            r, colon, col = c.partition(":")
            cells.append((int(r), int(col)) if colon else int(r))
        return Patches(cells, grid=grid)
    region = _pair(kv["region"], "region") if "region" in kv else None
    return Patches.random(int(kv.get("n", 10)), grid=grid, region=region,
                          seed=int(kv.get("seed", 0)))


def _parse_groups(body: str) -> Groups:
    if body.endswith(".json"):
        path = Path(body)
        if not path.is_file():
            raise CLIError(f"groups file {path} does not exist")
        spec = json.loads(path.read_text())
        if isinstance(spec, dict):
            return Groups(spec["groups"], axis=int(spec.get("axis", -1)), names=spec.get("names"))
        return Groups(spec)
    axis, groups = -1, []
    for item in (t.strip() for t in body.split(";")):
        if item.startswith("axis="):
            axis = int(item[5:])
        elif item:
            groups.append([i for g in parse_indices(item) for i in g])
    return Groups(groups, axis=axis)


def parse_samples(spec: str, pool: int, *, seed: int = 0, taken: set[int] | None = None,
                  bare_count_is_random: bool = False) -> list[int]:
    """Select rows of a data set: all, a list of indices, or a random sample.

    Rows of a data set of ``pool`` rows: ``all``, an index list, or ``random:N``; ``none``
    (or an empty string) selects nothing. ``taken`` rows are never drawn at random.

    ``bare_count_is_random`` keeps ``harsanyi monitor``'s old spelling (``"16"`` = 16 random
    rows; ``"a:b"`` = rows a..b-1) for one release, with a FutureWarning.

    >>> parse_samples("0,3,5-7", 10), parse_samples("random:3", 10, seed=0)
    ([0, 3, 5, 6, 7], [5, 6, 9])
    >>> parse_samples("all", 3), parse_samples("none", 3)
    ([0, 1, 2], [])
    """
    spec = spec.strip()
    if bare_count_is_random:
        if spec.isdigit():
            new = "none" if spec == "0" else f"random:{spec}"
            _deprecated(spec, new)
            spec = new
        elif re.fullmatch(r"\d*:\d*", spec):
            lo, hi = (int(v) if v else d for v, d in zip(spec.split(":"), (0, pool), strict=True))
            new = f"{lo}-{hi - 1}" if hi > lo else "none"
            _deprecated(spec, new)
            spec = new
    if spec.lower() in ("", "none"):
        return []
    if spec.lower() == "all":
        return list(range(pool))
    if spec.lower().startswith("random:"):
        count = spec.split(":", 1)[1].strip()
        if not count.isdigit():
            raise CLIError(f"random:N needs a count N; got {spec!r}")
        free = np.array(sorted(set(range(pool)) - (taken or set())), dtype=np.int64)
        if int(count) > len(free):
            raise CLIError(f"asked for {count} random samples but only {len(free)} rows are "
                           "available")
        drawn = np.random.default_rng(seed).choice(free, int(count), replace=False)
        return sorted(int(i) for i in drawn)
    rows = [i for g in parse_indices(spec) for i in g]
    bad = [r for r in rows if not 0 <= r < pool]
    if bad:
        raise CLIError(f"sample {bad[0]} is out of range: the data has {pool} rows "
                       f"(0..{pool - 1})")
    return rows


def parse_budget(text: str | None) -> int | None:
    """Parse ``--budget``: ``2000``, ``2_000``, ``2,000`` or ``2k`` model calls; empty: ``None``.

    The minimum for ``n`` players is checked when the design is built
    (:class:`~harsanyi.errors.BudgetError` names it).

    >>> parse_budget("2k"), parse_budget("2_000"), parse_budget(None), parse_budget("none")
    (2000, 2000, None, None)
    """
    if text is None or text.strip().lower() in ("", "none", "all"):
        return None
    t = text.strip().lower().replace("_", "").replace(",", "")
    scale = 1000 if t.endswith("k") else 1
    t = t.removesuffix("k")
    try:
        value = float(t) * scale
    except ValueError:
        raise CLIError(f"--budget must be a number of model calls (e.g. 2000 or 2k); "
                       f"got {text!r}") from None
    if value < 1 or value != int(value):
        raise CLIError(f"--budget must be a positive whole number of model calls; got {text!r}")
    return int(value)


def parse_sparse_options(max_order: int | None, order_weight: float | None,
                         budget: int | None) -> dict[str, Any]:
    """Return the sparse extraction's options of ``--max-order`` and ``--order-weight``.

    Those given (``{}`` when neither is); both apply with ``--budget`` only.

    >>> parse_sparse_options(None, None, None), parse_sparse_options(3, 0.0, 2000)
    ({}, {'max_order': 3, 'order_weight': 0.0})
    >>> parse_sparse_options(3, None, None)
    Traceback (most recent call last):
    ...
    harsanyi.cli.grammar.CLIError: --max-order applies with --budget only: with all 2^n masks \
every order is in the split
    """
    out: dict[str, Any] = {}
    if max_order is not None:
        if budget is None:
            raise CLIError("--max-order applies with --budget only: with all 2^n masks every "
                           "order is in the split")
        if max_order < 1:
            raise CLIError(f"--max-order must be at least 1; got {max_order}")
        out["max_order"] = int(max_order)
    if order_weight is not None:
        if budget is None:
            raise CLIError("--order-weight applies with --budget only: the canonical split of "
                           "all 2^n masks minimises ||gamma||^2 + ||q/zeta||^2")
        if not math.isfinite(order_weight) or order_weight < 0:
            raise CLIError(f"--order-weight must be a finite number >= 0; got {order_weight}")
        out["order_weight"] = float(order_weight)
    return out


def split_options(selection: str, epsilon: float) -> dict[str, Any]:
    """Return the ``and_or`` options of ``--selection``/``--epsilon``, or raise ``CLIError``.

    Spelt out, ``"vertex"`` included: :func:`harsanyi.and_or` resolves ``"auto"`` per game
    (:func:`harsanyi.extract.solvers.canonical.resolve_selection`); ``"sgd"`` ignores both.

    >>> split_options("vertex", 0.01), split_options("auto", 0.05)
    ({'selection': 'vertex', 'epsilon': 0.01}, {'selection': 'auto', 'epsilon': 0.05})
    >>> split_options("centre", 0.01)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    harsanyi.cli.grammar.CLIError: unknown selection 'centre'; choose one of (...)
    """
    try:
        check_selection(selection, epsilon)
    except ValueError as exc:
        raise CLIError(str(exc)) from exc
    return {"selection": selection, "epsilon": float(epsilon)}
