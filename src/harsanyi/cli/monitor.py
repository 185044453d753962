r"""``harsanyi monitor``: interactions of fixed samples at every checkpoint of a training run.

Registered by the main app as ``app.command("monitor")(monitor)``. Example::

    harsanyi monitor runs/mlp5 --out runs/mlp5-interactions --data zoo:breast_cancer \
        --label-noise 0.05 --players columns:0-9 --train-samples random:16 \
        --test-samples random:16 --workers 2

Work runs as (checkpoint × sample batch) tasks on a local process pool by default, on a new
Dask ``LocalCluster`` with ``--workers N``, or on a running Dask scheduler with
``--scheduler tcp://host:port``.

Training and test data are named explicitly (:mod:`harsanyi.cli.data`): ``zoo:NAME`` (default:
the data set of a zoo training run's manifest), one ``.npz``/``.pt`` with ``X_train``,
``y_train``, ``X_test``, ``y_test``, or ``--train-data FILE --test-data FILE``. Test samples are
never drawn from the training data. Players and samples follow :mod:`harsanyi.cli.grammar`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harsanyi.cli.data import Splits, read_splits
from harsanyi.cli.grammar import (
    BUDGET_HELP,
    DESIGN_SEED_HELP,
    EPSILON_HELP,
    MAX_ORDER_HELP,
    ORDER_WEIGHT_HELP,
    PLAYERS_SYNTAX,
    SAMPLES_SYNTAX,
    SELECTION_HELP,
    parse_budget,
    parse_players,
    parse_samples,
    parse_sparse_options,
    split_options,
)
from harsanyi.cli.store import interrupted_message
from harsanyi.dynamics.monitor import Monitor
from harsanyi.errors import HarsanyiError
from harsanyi.loading import FactorySpec

__all__ = ["monitor"]

_ERR = Console(stderr=True)


def _factory_from(checkpoints: Path, factory: str | None, kwargs: str) -> FactorySpec:
    try:
        kw = json.loads(kwargs)
    except ValueError as exc:
        raise ValueError(f"--factory-kwargs is not JSON: {exc}") from exc
    if factory:
        return FactorySpec(factory, kw)
    manifest = checkpoints / "manifest.json"
    if manifest.is_file():
        spec = json.loads(manifest.read_text()).get("model", {})
        if "name" in spec:
            return FactorySpec(f"zoo:{spec['name']}", {**spec.get("kwargs", {}), **kw})
    raise ValueError("give --factory file.py:function (or module:function, zoo:NAME): the "
                     "checkpoint folder has no manifest naming a zoo model")


def _data_from_manifest(checkpoints: Path) -> tuple[str, float, int] | None:
    manifest = checkpoints / "manifest.json"
    if not manifest.is_file():
        return None
    ds = json.loads(manifest.read_text()).get("dataset", {})
    if not ds.get("name"):
        return None
    noise = ds.get("label_noise") or {}
    return f"zoo:{ds['name']}", float(noise.get("fraction", 0.0)), int(noise.get("seed", 0))


def _choose(d: Splits, train_samples: str, test_samples: str, seed: int
            ) -> tuple[list[int], list[int]]:
    tr = parse_samples(train_samples, len(d.train), seed=seed, bare_count_is_random=True)
    wanted = test_samples.strip().lower() not in ("", "0", "none")
    if wanted and d.test is None:
        raise ValueError(
            f"test samples were asked for ({test_samples!r}) but {d.name} has no test data; "
            "name it explicitly: --test-data FILE, an .npz with X_train/X_test, or zoo:NAME "
            "(test samples are never drawn from the training data)")
    te = parse_samples(test_samples, len(d.test), seed=seed + 1,
                       bare_count_is_random=True) if d.test is not None else []
    if not tr and not te:
        raise ValueError("no samples selected: give --train-samples and/or --test-samples")
    return tr, te


def _monitor_of(out: Path, d: Splits, tr: list[int], te: list[int], model: FactorySpec,
                options: dict[str, Any]) -> Monitor:
    test = d.test if d.test is not None else d.train
    X = np.concatenate([np.asarray(d.train.X)[tr], np.asarray(test.X)[te]])
    y = (None if d.train.y is None or (te and test.y is None)
         else np.concatenate([d.train.y[tr], (test.y if test.y is not None else d.train.y)[te]]))
    groups = {}
    if d.flipped is not None:
        groups["flipped"] = np.concatenate([d.flipped[tr], np.zeros(len(te), bool)])
    baseline_data = np.asarray(d.train.X) if options["baselines"] == "mean" else None
    return Monitor(out, X, targets=y, split=["train"] * len(tr) + ["test"] * len(te),
                   sample_ids=tr + te, groups=groups, model=model,
                   baseline_data=baseline_data, **options)


def monitor(
    checkpoints: Annotated[Path, typer.Argument(
        help="Folder of checkpoints: a training run with manifest.json, or *epoch*N*.pt files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run store folder (Zarr v3).")],
    factory: Annotated[str | None, typer.Option(
        help="Model architecture: file.py:function, module:function (resolved from the current "
             "folder) or zoo:NAME (default: the manifest's).")] = None,
    factory_kwargs: Annotated[str, typer.Option(help="JSON keyword arguments of the factory.")
                              ] = "{}",
    data: Annotated[str | None, typer.Option(
        help="zoo:NAME, or one .npz/.pt holding X_train, y_train, X_test, y_test (default: the "
             "manifest's data set).")] = None,
    train_data: Annotated[Path | None, typer.Option(
        help="Training inputs: .npy, .npz (X, y), .pt or .csv.")] = None,
    test_data: Annotated[Path | None, typer.Option(
        help="Test inputs, same formats (needed for test samples with --train-data).")] = None,
    labels: Annotated[Path | None, typer.Option(
        "--labels", "--train-labels", help=".npy labels of an .npy --train-data file.")] = None,
    test_labels: Annotated[Path | None, typer.Option(
        help=".npy labels of an .npy --test-data file.")] = None,
    label_column: Annotated[str | None, typer.Option(help="Label column of .csv files.")
                            ] = None,
    label_noise: Annotated[float | None, typer.Option(
        help="Label noise of a zoo dataset (default: the manifest's).")] = None,
    noise_seed: Annotated[int | None, typer.Option(help="Seed of the label noise.")] = None,
    train_samples: Annotated[str, typer.Option(
        help=f"Training samples: {SAMPLES_SYNTAX}.")] = "random:16",
    test_samples: Annotated[str, typer.Option(
        help=f"Test samples (rows of the test data): {SAMPLES_SYNTAX}, or none.")
    ] = "random:16",
    seed: Annotated[int, typer.Option(help="Seed of random:N sample choices.")] = 0,
    players: Annotated[str, typer.Option(
        help="Player spec: columns:all, columns:0-9, patches:grid=8x8,n=10,region=6x6 "
             "(syntax above).")] = "columns:all",
    baselines: Annotated[str, typer.Option(help="'zero', 'mean' (training mean), 'tau=<x>'.")
                         ] = "zero",
    reward: Annotated[str, typer.Option(help="log_odds, logit, prob, ...")] = "log_odds",
    q_bound: Annotated[float, typer.Option(help="Relative bound of the noise term q.")] = 0.02,
    solver: Annotated[str, typer.Option(help="fast, exact or sgd.")] = "fast",
    selection: Annotated[str, typer.Option(help=SELECTION_HELP)] = "auto",
    epsilon: Annotated[float, typer.Option(help=EPSILON_HELP)] = 0.01,
    and_only: Annotated[bool, typer.Option(
        help="AND (Harsanyi) interactions only, as in paper E (q optional via --q-bound).")
    ] = False,
    warm_start: Annotated[bool, typer.Option(
        help="Start each checkpoint's split from the previous checkpoint's: it seeds the "
             "canonical split's selection stage where the supports have settled (about half "
             "its time on an over-fitted MLP's late checkpoints; no gain early in training). "
             "Each sample batch then runs its checkpoints in order.")] = False,
    samples_per_task: Annotated[int, typer.Option(help="Samples per task.")] = 8,
    batch_size: Annotated[int, typer.Option(help="Masked inputs per forward pass.")] = 256,
    resume: Annotated[bool, typer.Option(
        help="Continue the run stored at --out (finished checkpoints are kept).")] = False,
    workers: Annotated[int | None, typer.Option(
        help="Start a Dask LocalCluster of N worker processes (with --executor process: the "
        "size of the local pool).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler to join (tcp://host:port).")] = None,
    executor: Annotated[str | None, typer.Option(
        help="serial, process or dask (default: a local process pool; dask with --workers or "
        "--scheduler).")] = None,
    connect_timeout: Annotated[float, typer.Option(
        help="Seconds to wait for --scheduler before giving up.")] = 5.0,
    device: Annotated[str | None, typer.Option(
        help="cpu, cuda, cuda:1, ... or auto (a GPU when available).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    budget: Annotated[str | None, typer.Option(help=BUDGET_HELP)] = None,
    design_seed: Annotated[int, typer.Option(help=DESIGN_SEED_HELP)] = 0,
    max_order: Annotated[int | None, typer.Option(help=MAX_ORDER_HELP)] = None,
    order_weight: Annotated[float | None, typer.Option(help=ORDER_WEIGHT_HELP)] = None,
) -> None:
    """Compute the interactions of fixed train/test samples at every checkpoint of a run.

    Examples
    --------
      harsanyi monitor runs/mlp5 --out runs/mlp5-int --data zoo:breast_cancer --players
      columns:0-9 --train-samples random:16 --test-samples random:16

      harsanyi monitor ckpts/ --out run1 --factory arch.py:make --train-data Xtr.npy
      --labels ytr.npy --test-data Xte.npy --test-labels yte.npy --train-samples 0-7
      --test-samples 0-7

      harsanyi monitor runs/mlp32 --out runs/mlp32-sampled --budget 2000 --train-samples
      random:8 --test-samples none

    {players}
    """
    try:
        model = _factory_from(checkpoints, factory, factory_kwargs)
        auto = (_data_from_manifest(checkpoints)
                if data is None and train_data is None else None)
        if data is None and train_data is None and auto is None:
            raise ValueError("give --data (zoo:NAME or an .npz with X_train and X_test) or "
                             "--train-data/--test-data: the folder has no manifest naming its "
                             "dataset")
        d = read_splits(data or (auto[0] if auto else None), train_data=train_data,
                        test_data=test_data, labels=labels, test_labels=test_labels,
                        label_column=label_column,
                        label_noise=label_noise if label_noise is not None
                        else (auto[1] if auto else 0.0),
                        noise_seed=noise_seed if noise_seed is not None
                        else (auto[2] if auto else 0))
        tr, te = _choose(d, train_samples, test_samples, seed)
        calls = parse_budget(budget)
        split_options(selection, epsilon)  # a bad selection or epsilon: CLIError
        mon = _monitor_of(out, d, tr, te, model, dict(
            players=parse_players(players, d.train.names), baselines=baselines,
            reward=reward, batch_size=batch_size, device=device, q_bound=q_bound,
            solver=solver, warm_start=warm_start, kind="and" if and_only else "and_or",
            selection=selection, epsilon=epsilon, budget=calls, design_seed=design_seed,
            solver_options=parse_sparse_options(max_order, order_weight, calls),
            samples_per_task=samples_per_task, resume=resume,
            source=f"folder:{checkpoints.resolve()}", metadata={"data": d.name, "seed": seed}))
        if executor is None:
            executor = "dask" if (workers is not None or scheduler is not None) else "process"
        store = mon.run(checkpoints, executor=executor, workers=workers, scheduler=scheduler,
                        progress=progress, connect_timeout=connect_timeout)
    except (HarsanyiError, ValueError, KeyError) as err:
        _ERR.print(f"[bold red]error:[/] {escape(str(err))}", soft_wrap=True)
        raise typer.Exit(code=2) from err
    except KeyboardInterrupt as err:
        _ERR.print(interrupted_message(out))
        raise typer.Exit(code=130) from err
    _summary(mon, store)


monitor.__doc__ = (monitor.__doc__ or "").replace(
    "{players}", PLAYERS_SYNTAX.replace("\n", "\n    "))


def _summary(mon: Any, store: Any) -> None:
    s = mon.stats
    table = Table(title=f"run store {store.path}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("checkpoints stored", str(len(store.completed())))
    table.add_row("computed now / skipped", f"{s['checkpoints_written']} / "
                                            f"{s['checkpoints_skipped']}")
    if s["checkpoints_repaired"]:
        table.add_row("damaged, moved to quarantine/ and recomputed",
                      ", ".join(map(str, s["checkpoints_repaired"])))
    table.add_row("samples × players", f"{len(mon.inputs)} × {store.n}")
    if s["seconds_forward"] > 0:
        table.add_row("masked forwards / s (per worker)",
                      f"{s['n_forwards'] / s['seconds_forward']:,.0f}")
    if mon.design is not None:
        table.add_row("sampled: masks per sample (design)",
                      f"{mon.design.m} ({mon.design.fingerprint})")
    if s["seconds_extract"] > 0:
        n_ext = s["n_forwards"] / (2**store.n if mon.design is None else mon.design.m)
        table.add_row("extractions / s (per worker)", f"{n_ext / s['seconds_extract']:,.2f}")
    Console().print(table)
