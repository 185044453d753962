"""``harsanyi explain``: the top AND-OR interactions of a saved model on some samples.

Register with ``app.command("explain")(explain)``. The parsers (:func:`parse_players`,
:func:`parse_indices`, :func:`load_data`, :func:`load_model`) are plain functions, reusable and
tested on their own.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import warnings
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import torch
import typer

from harsanyi.errors import HarsanyiError
from harsanyi.games.players import Columns, Groups, Patches, Players, Tokens

__all__ = ["explain", "load_data", "load_model", "parse_indices", "parse_players"]

PLAYERS_HELP = "Player spec, e.g. columns:all, patches:grid=8x8,n=10 (syntax above)."


class CLIError(Exception):
    """A user error of the command line: printed as one line, exit code 2."""


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
            lo, hi = (int(v) for v in parts[0].split("-"))
            if hi < lo:
                raise CLIError(f"range {parts[0]!r} is empty")
            groups.extend([[i] for i in range(lo, hi + 1)])
            continue
        group: list[int] = []
        for part in parts:
            if _is_range(part):
                lo, hi = (int(v) for v in part.split("-"))
                group.extend(range(lo, hi + 1))
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


def parse_players(spec: str, column_names: list[str] | None = None) -> Players:
    """Build a player set from the command line's spec string (syntax in ``explain --help``).

    >>> parse_players("patches:grid=4x4,cells=0,3:3").names
    ['patch(0,0)', 'patch(3,3)']
    >>> parse_players("columns:0,2+3").names
    ['x0', 'x2+x3']
    """
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
    if kind == "groups":
        return _parse_groups(body.strip())
    raise CLIError(f"unknown player kind {kind!r}: use columns, patches, tokens or groups")


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


def load_data(path: Path) -> tuple[np.ndarray | torch.Tensor, list[str] | None]:
    """Load samples from a ``.npy``, ``.csv`` or ``.pt`` file.

    Samples from ``.npy``, ``.csv`` (a header line gives column names) or ``.pt`` (a tensor,
    a ``(inputs, labels)`` pair, or a dict with ``inputs``/``x``/``data``).
    """
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"data file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return np.load(path, allow_pickle=False), None
    if suffix == ".csv":
        first = path.read_text().splitlines()[0].split(",")
        try:
            [float(v) for v in first]
            header = None
        except ValueError:
            header = [v.strip() for v in first]
        arr = np.loadtxt(path, delimiter=",", skiprows=1 if header else 0, ndmin=2)
        return arr, header
    if suffix in (".pt", ".pth"):
        obj = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(obj, dict):
            for key in ("inputs", "x", "data"):
                if key in obj:
                    return obj[key], None
            raise CLIError(f"{path} holds a dict without an 'inputs', 'x' or 'data' entry")
        if isinstance(obj, (tuple, list)):
            obj = obj[0]
        if not isinstance(obj, torch.Tensor):
            raise CLIError(f"{path} does not hold a tensor")
        return obj, None
    raise CLIError(f"unsupported data format {suffix!r}: use .npy, .csv or .pt")


def load_model(
    model: Path | None, factory: str | None, state_dict: Path | None
) -> torch.nn.Module:
    """Load a model from TorchScript, ``torch.export`` or a factory with a state dict.

    A TorchScript file (``torch.jit.save``; ``.pt2``: ``torch.export.save``), or
    ``factory()`` (``module:function`` or ``file.py:function``) with an optional state dict
    (a plain dict, or a checkpoint with a ``state_dict`` entry).
    """
    if (model is None) == (factory is None):
        raise CLIError("give either --model FILE (TorchScript) or --factory module:function")
    if model is not None:
        if not Path(model).is_file():
            raise CLIError(f"model file {model} does not exist")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                if Path(model).suffix == ".pt2":
                    return torch.export.load(str(model)).module()
                return torch.jit.load(str(model), map_location="cpu")
        except Exception as exc:
            kind = "an exported program" if Path(model).suffix == ".pt2" else "TorchScript"
            raise CLIError(f"cannot load {model} as {kind} ({str(exc).splitlines()[0]}); "
                           "for a state dict use --factory module:function --state-dict FILE")\
                from exc
    mod_name, sep, fn_name = str(factory).rpartition(":")
    if not sep or not mod_name or not fn_name:
        raise CLIError(f"--factory must be module:function; got {factory!r}")
    try:
        if mod_name.endswith(".py"):
            if not Path(mod_name).is_file():
                raise CLIError(f"factory file {mod_name} does not exist")
            spec = importlib.util.spec_from_file_location("_harsanyi_factory", mod_name)
            module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            spec.loader.exec_module(module)  # type: ignore[union-attr]
        else:
            module = importlib.import_module(mod_name)
    except ImportError as exc:
        raise CLIError(f"cannot import {mod_name}: {exc}") from exc
    fn = getattr(module, fn_name, None)
    if not callable(fn):
        raise CLIError(f"{mod_name} has no function {fn_name!r}")
    net = fn()
    if state_dict is not None:
        if not Path(state_dict).is_file():
            raise CLIError(f"state dict file {state_dict} does not exist")
        sd = torch.load(state_dict, map_location="cpu", weights_only=True)
        if isinstance(sd, dict) and "state_dict" in sd:
            sd = sd["state_dict"]
        try:
            net.load_state_dict(sd)
        except RuntimeError as exc:
            raise CLIError(f"the state dict does not fit the model: "
                           f"{str(exc).splitlines()[0]} {str(exc).splitlines()[-1].strip()}")\
                from exc
    return net


def _targets(target: str | None, rows: list[int]) -> Any:
    if target is None or target.strip().lower() in ("", "pred", "prediction"):
        return None
    if target.lstrip("-").isdigit():
        return int(target)
    labels, _ = load_data(Path(target))
    labels = np.asarray(labels).reshape(-1)
    if max(rows) >= len(labels):
        raise CLIError(f"the labels file has {len(labels)} entries; sample {max(rows)} requested")
    return labels[rows].astype(np.int64)


def _baseline(text: str, data: Any) -> tuple[Any, Any]:
    """Return the baseline argument of model_game (and data for 'mean')."""
    t = text.strip()
    if t.lower() == "mean":
        return "mean", np.asarray(data, dtype=np.float64)
    if t.endswith((".npy", ".csv", ".pt")):
        arr, _ = load_data(Path(t))
        return np.asarray(arr, dtype=np.float64), None
    try:
        return float(t), None
    except ValueError:
        return t, None


def _run(model: Path | None, factory: str | None, state_dict: Path | None, data: Path,
         samples: str, players: str, baseline: str, reward: str, target: str | None,
         q_bound: float, solver: str, top_k: int, batch_size: int, outside: str,
         subtract_empty: bool, device: str | None, out: Path | None) -> None:
    import harsanyi as hs
    from harsanyi.games.model_game import model_game

    arr, header = load_data(data)
    n_rows = len(arr)
    rows = list(range(n_rows)) if samples.strip() == "all" else [
        i for g in parse_indices(samples) for i in g]
    bad = [r for r in rows if not 0 <= r < n_rows]
    if bad:
        raise CLIError(f"sample {bad[0]} is out of range: {data} has {n_rows} samples")
    player_set = parse_players(players, header)
    net = load_model(model, factory, state_dict).eval()
    if device:
        net = net.to(device)
    inputs = arr[rows] if isinstance(arr, torch.Tensor) else torch.as_tensor(arr[rows])
    base, base_data = _baseline(baseline, arr)
    game = model_game(net, inputs, player_set, baselines=base, reward=reward,
                      target=_targets(target, rows), batch_size=batch_size, device=device,
                      outside=outside, subtract_empty=subtract_empty, data=base_data,
                      progress=None)
    game.metadata["samples"] = rows
    if solver == "mobius":
        inter = hs.mobius(game)
    else:
        try:
            inter = hs.and_or(game, q_bound=q_bound, solver=solver)
        except ImportError as exc:
            raise CLIError(f"solver {solver!r} is not available ({exc}); try --solver mobius")\
                from exc
    _report(inter, rows, top_k, out)


def _report(inter: Any, rows: list[int], top_k: int, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    results = []
    targets = inter.metadata.get("target") or [None] * len(rows)
    for b, row in enumerate(rows):
        top = inter.get_top_k(top_k, sample=b)
        residual = float(np.asarray(inter.residual)[b])
        v = inter.values[b]
        table = Table(title=Text(f"sample {row} (target {targets[b]})"),
                      caption=Text(f"v(∅) = {v[0]:.4g}, v(N) = {v[-1]:.4g}, "
                                   f"matching residual {residual:.2e}"))
        for col in ("#", "kind", "players", "order", "value"):
            table.add_column(col, justify="right" if col in ("#", "order", "value") else "left")
        entries = []
        for rank, (kind, members, value) in enumerate(top, 1):
            names = [inter.players[i] for i in members]
            entries.append({"kind": kind, "players": names, "indices": list(members),
                            "order": len(members), "value": value})
            table.add_row(str(rank), kind, Text((" & " if kind == "and" else " | ").join(names)),
                          str(len(members)), f"{value:+.4g}")
        console.print(table)
        results.append({"sample": row, "target": targets[b], "v_empty": float(v[0]),
                        "v_full": float(v[-1]), "residual": residual, "top": entries})
    if out is not None:
        out = Path(out)
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


def explain(
    data: Annotated[Path, typer.Option("--data", "-d", help="Samples: .npy, .csv (header = "
                                       "column names) or .pt.")],
    model: Annotated[Path | None, typer.Option(
        "--model", "-m", help="TorchScript model file (.pt2: torch.export program).")]
    = None,
    factory: Annotated[str | None, typer.Option(
        "--factory", help="module:function or file.py:function returning the model.")] = None,
    state_dict: Annotated[Path | None, typer.Option(
        "--state-dict", help="State dict (or checkpoint with 'state_dict') for --factory.")]
    = None,
    samples: Annotated[str, typer.Option(help="Rows of the data: '0', '0,3,5-7' or 'all'.")]
    = "0",
    players: Annotated[str, typer.Option(help=PLAYERS_HELP)] = "columns:all",
    baseline: Annotated[str, typer.Option(
        help="zero | mean (of the data file) | center | tau=<τ> | token=<id> | a number | "
             "an .npy file.")]
    = "zero",
    reward: Annotated[str, typer.Option(
        help="log_odds | log_odds_original | logit | prob | output.")] = "log_odds",
    target: Annotated[str | None, typer.Option(
        help="Class index, a labels file (.npy/.csv/.pt, indexed like the data), or omitted "
             "for the model's prediction.")] = None,
    q_bound: Annotated[float, typer.Option(help="Relative bound of the noise term q.")] = 0.02,
    solver: Annotated[str, typer.Option(
        help="fast | exact | sgd (AND-OR split) or mobius (AND-only, no q).")] = "fast",
    top_k: Annotated[int, typer.Option(help="Interactions shown per sample.")] = 10,
    batch_size: Annotated[int, typer.Option(help="Masked inputs per forward pass.")] = 256,
    outside: Annotated[str, typer.Option(
        help="Elements of no player: masked or present.")] = "masked",
    subtract_empty: Annotated[bool, typer.Option(help="Use v(x_S) - v(x_∅).")] = False,
    device: Annotated[str | None, typer.Option(help="cpu, cuda, cuda:1, ...")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write interactions.json, interactions.csv and interactions.npz here.")] = None,
) -> None:
    """Explain a model's output on some samples by its top AND-OR interactions.

    Masks every subset of the players, runs the model on the 2^n masked
    inputs, splits the game into sparse AND and OR interactions and prints
    the strongest ones with the universal-matching residual.

    Player specs (--players):

      columns:all | columns:0,3,5-7 | columns:age+sex,income
        (a+b makes one player of columns a and b; CSV header names work)

      patches:grid=8x8,n=10,seed=0,region=6x6
        (n random cells of the central region of the grid)

      patches:grid=8x8,cells=9,10,3:4   (flat index or row:col)

      tokens:0-9   (positions; the model is called as model(inputs_embeds=...))

      groups:FILE.json   (a list of index lists, or an object with
        "groups", "axis" and "names")

      groups:0-99;100-199;axis=-1   (index groups along an axis of a sample)
    """
    try:
        _run(model, factory, state_dict, data, samples, players, baseline, reward, target,
             q_bound, solver, top_k, batch_size, outside, subtract_empty, device, out)
    except (CLIError, HarsanyiError, ValueError, OSError, KeyError, ImportError,
            json.JSONDecodeError) as exc:
        message = " ".join(str(exc).split())
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code=2) from None

