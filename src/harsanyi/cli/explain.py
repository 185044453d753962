"""``harsanyi explain``: the top AND-OR interactions of a saved model on some samples.

Register with ``app.command("explain")(explain)``. Players, samples and data follow the
command line's one grammar (:mod:`harsanyi.cli.grammar`, :mod:`harsanyi.cli.data`).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import torch
import typer
from rich.console import Console
from torch import nn

from harsanyi.cli.data import read_table
from harsanyi.cli.explain_output import top_table, write_outputs
from harsanyi.cli.explain_sparse import report_sparse
from harsanyi.cli.grammar import (
    BUDGET_HELP,
    DESIGN_SEED_HELP,
    EPSILON_HELP,
    MAX_ORDER_HELP,
    ORDER_WEIGHT_HELP,
    PLAYERS_SYNTAX,
    SAMPLES_SYNTAX,
    SELECTION_HELP,
    CLIError,
    parse_budget,
    parse_players,
    parse_samples,
    parse_sparse_options,
    split_options,
)
from harsanyi.errors import HarsanyiError
from harsanyi.extract import and_or, mobius
from harsanyi.extract.sparse_result import SparseInteractions
from harsanyi.games.model_game import model_game
from harsanyi.loading import FactorySpec, load_into

__all__ = ["explain", "load_model"]

PLAYERS_HELP = "Player spec, e.g. columns:all, patches:grid=8x8,n=10 (syntax above)."


def load_model(model: Path | None, factory: str | None, state_dict: Path | None) -> nn.Module:
    """Load a model from TorchScript, ``torch.export`` or a factory with a state dict.

    A TorchScript file (``torch.jit.save``; ``.pt2``: ``torch.export.save``), or the model
    built by ``factory`` (``file.py:fn``, ``module:fn`` or ``zoo:NAME``, see
    :mod:`harsanyi.loading.factories`) with an optional checkpoint loaded into it.
    """
    if (model is None) == (factory is None):
        raise CLIError("give either --model FILE (TorchScript) or --factory file.py:function")
    if model is not None:
        return _load_program(Path(model))
    net = FactorySpec(str(factory)).build()
    if state_dict is not None:
        load_into(net, state_dict)
    return net


def _load_program(model: Path) -> nn.Module:
    if not model.is_file():
        raise CLIError(f"model file {model} does not exist")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if model.suffix == ".pt2":
                return torch.export.load(str(model)).module()
            return torch.jit.load(str(model), map_location="cpu")
    except Exception as exc:
        kind = "an exported program" if model.suffix == ".pt2" else "TorchScript"
        raise CLIError(f"cannot load {model} as {kind} ({str(exc).splitlines()[0]}); "
                       "for a state dict use --factory file.py:function --state-dict FILE")\
            from exc


def _targets(target: str | None, rows: list[int]) -> Any:
    if target is None or target.strip().lower() in ("", "pred", "prediction"):
        return None
    if target.lstrip("-").isdigit():
        return int(target)
    labels = np.asarray(read_table(target).X).reshape(-1)
    if max(rows) >= len(labels):
        raise CLIError(f"the labels file has {len(labels)} entries; sample {max(rows)} requested")
    return labels[rows].astype(np.int64)


def _baseline(text: str, data: Any) -> tuple[Any, Any]:
    """Return the baseline argument of model_game (and data for 'mean')."""
    t = text.strip()
    if t.lower() == "mean":
        return "mean", np.asarray(data, dtype=np.float64)
    if t.endswith((".npy", ".csv", ".pt")):
        return np.asarray(read_table(t).X, dtype=np.float64), None
    try:
        return float(t), None
    except ValueError:
        return t, None


def _run(model: Path | None, factory: str | None, state_dict: Path | None, data: Path,
         samples: str, players: str, baseline: str, reward: str, target: str | None,
         split: dict[str, Any], top_k: int, batch_size: int, outside: str,
         subtract_empty: bool, device: str | None, out: Path | None, seed: int,
         sampling: tuple[int | None, int] = (None, 0)) -> None:
    """Explain ``samples``; ``split``: ``q_bound``, ``solver``, ``selection``, ``epsilon``.

    ``sampling``: ``(budget, design seed)``; with a budget the game is sampled and the sparse
    AND-OR path runs (``q_bound``, ``selection``, ``epsilon``, ``max_order`` and
    ``order_weight`` apply).
    """
    solver = split["solver"]
    table = read_table(data)
    arr = table.X
    rows = parse_samples(samples, len(arr), seed=seed)
    if not rows:
        raise CLIError("no samples selected: give --samples (e.g. 0, 0-3 or random:4)")
    player_set = parse_players(players, table.names)
    net = load_model(model, factory, state_dict).eval()
    if device:
        net = net.to(device)
    inputs = arr[rows] if isinstance(arr, torch.Tensor) else torch.as_tensor(arr[rows])
    base, base_data = _baseline(baseline, arr)
    game = model_game(net, inputs, player_set, baselines=base, reward=reward,
                      target=_targets(target, rows), batch_size=batch_size, device=device,
                      outside=outside, subtract_empty=subtract_empty, data=base_data,
                      progress=None, budget=sampling[0],
                      design=None if sampling[0] is None else sampling[1])
    game.metadata["samples"] = rows
    if sampling[0] is not None:
        if solver == "mobius":
            raise CLIError("--solver mobius needs all 2^n masks; drop --budget")
        sparse = and_or(game, q_bound=split["q_bound"],
                        **{k: split[k] for k in ("selection", "epsilon", "max_order",
                                                 "order_weight") if k in split})
        assert isinstance(sparse, SparseInteractions)  # a sampled game gives a sparse result
        report_sparse(sparse, rows, top_k, out)
        return
    if solver == "mobius":
        inter = mobius(game)
    else:
        try:
            inter = and_or(game, **split)
        except ImportError as exc:
            raise CLIError(f"solver {solver!r} is not available ({exc}); try --solver mobius")\
                from exc
    _report(inter, rows, top_k, out)


def _split_note(inter: Any, b: int) -> str:
    """``", canonical split: L1 … (LP optimum …)"`` for an AND-OR result, else ``""``."""
    selection, optimum = inter.metadata.get("selection"), inter.metadata.get("lp_optimum")
    if selection is None or optimum is None:
        return ""
    return (f", {selection} split: L1 {float(inter.objective[b]):.4g} "
            f"(LP optimum {float(optimum[b]):.4g})")


def _report(inter: Any, rows: list[int], top_k: int, out: Path | None) -> None:
    console = Console()
    results = []
    targets = inter.metadata.get("target") or [None] * len(rows)
    for b, row in enumerate(rows):
        residual = float(np.asarray(inter.residual)[b])
        v = inter.values[b]
        table, entries = top_table(
            inter, b, top_k, f"sample {row} (target {targets[b]})",
            f"v(∅) = {v[0]:.4g}, v(N) = {v[-1]:.4g}, "
            f"matching residual {residual:.2e}{_split_note(inter, b)}")
        console.print(table)
        results.append({"sample": row, "target": targets[b], "v_empty": float(v[0]),
                        "v_full": float(v[-1]), "residual": residual, "top": entries})
    if out is not None:
        write_outputs(Path(out), inter, rows, top_k, results, console)


def explain(
    data: Annotated[Path, typer.Option("--data", "-d", help="Samples: .npy, .npz, .csv "
                                       "(header = column names) or .pt.")],
    model: Annotated[Path | None, typer.Option(
        "--model", "-m", help="TorchScript model file (.pt2: torch.export program).")]
    = None,
    factory: Annotated[str | None, typer.Option(
        "--factory", help="file.py:function, module:function or zoo:NAME building the model "
        "(resolved from the current folder).")] = None,
    state_dict: Annotated[Path | None, typer.Option(
        "--state-dict", help="State dict (or checkpoint with 'state_dict') for --factory.")]
    = None,
    samples: Annotated[str, typer.Option(help=f"Rows of the data: {SAMPLES_SYNTAX}.")]
    = "0",
    seed: Annotated[int, typer.Option(help="Seed of random:N sample choices.")] = 0,
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
    selection: Annotated[str, typer.Option(help=SELECTION_HELP)] = "auto",
    epsilon: Annotated[float, typer.Option(help=EPSILON_HELP)] = 0.01,
    top_k: Annotated[int, typer.Option(help="Interactions shown per sample.")] = 10,
    batch_size: Annotated[int, typer.Option(help="Masked inputs per forward pass.")] = 256,
    outside: Annotated[str, typer.Option(
        help="Elements of no player: masked or present.")] = "masked",
    subtract_empty: Annotated[bool, typer.Option(help="Use v(x_S) - v(x_∅).")] = False,
    device: Annotated[str | None, typer.Option(help="cpu, cuda, cuda:1, ...")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write interactions.json, interactions.csv and interactions.npz here.")] = None,
    budget: Annotated[str | None, typer.Option(help=BUDGET_HELP)] = None,
    design_seed: Annotated[int, typer.Option(help=DESIGN_SEED_HELP)] = 0,
    max_order: Annotated[int | None, typer.Option(help=MAX_ORDER_HELP)] = None,
    order_weight: Annotated[float | None, typer.Option(help=ORDER_WEIGHT_HELP)] = None,
) -> None:
    """Explain a model's output on some samples by its top AND-OR interactions.

    Masks every subset of the players, runs the model on the 2^n masked
    inputs, splits the game into sparse AND and OR interactions and prints
    the strongest ones with the universal-matching residual. With --budget B
    only B masked inputs per sample are evaluated (16 to 64 players) and each
    table says the held-out R^2 and what the certificate covers.

    Examples
    --------
      harsanyi explain --data X.csv --factory model.py:build --state-dict w.pt

      harsanyi explain --data X.npy --model net.ts --samples random:4 --players columns:0-9

      harsanyi explain --data X32.npy --model net.ts --budget 2000 --q-bound 0.02

    {players}
    """
    try:
        calls = parse_budget(budget)
        split = {"q_bound": q_bound, "solver": solver,
                 **split_options(selection, epsilon),
                 **parse_sparse_options(max_order, order_weight, calls)}
        _run(model, factory, state_dict, data, samples, players, baseline, reward, target,
             split, top_k, batch_size, outside, subtract_empty, device, out, seed,
             (calls, design_seed))
    except (CLIError, HarsanyiError, ValueError, OSError, KeyError, ImportError,
            json.JSONDecodeError) as exc:
        message = " ".join(str(exc).split())
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code=2) from None


explain.__doc__ = (explain.__doc__ or "").replace(
    "{players}", PLAYERS_SYNTAX.replace("\n", "\n    "))
