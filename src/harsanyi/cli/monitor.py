"""``harsanyi monitor``: interactions of fixed samples at every checkpoint of a training run.

Registered by the main app as ``app.command("monitor")(monitor)``. Example::

    harsanyi monitor runs/mlp5 --out runs/mlp5-interactions --data zoo:breast_cancer \\
        --label-noise 0.05 --players 0-9 --train-samples 16 --test-samples 16 --workers 2

Work runs as (checkpoint × sample batch) tasks on a local process pool by default, on a new
Dask ``LocalCluster`` with ``--workers N``, or on a running Dask scheduler with
``--scheduler tcp://host:port``.

The data is ``zoo:NAME`` (a :func:`harsanyi.zoo.get_dataset` name; default: the dataset of a
zoo training run's manifest), an ``.npz`` (``X_train, y_train, X_test, y_test`` or ``X, y``),
an ``.npy`` of inputs (labels from ``--labels``), a ``.pt`` (a tensor, an ``(X, y)`` pair or a
dict like the ``.npz``) or a ``.csv`` (``--label-column`` names the label column).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from harsanyi.cli.store import interrupted_message
from harsanyi.errors import HarsanyiError

__all__ = ["monitor", "load_data", "parse_indices", "parse_players"]

_ERR = Console(stderr=True)


def parse_indices(spec: str, pool: int, *, taken: set[int] | None = None,
                  seed: int = 0) -> list[int]:
    """Sample indices from ``"N"`` (N random, seeded, sorted, avoiding ``taken``),
    ``"a,b,c"`` (explicit) or ``"a:b"`` (a range); ``"0"`` or ``""`` means none.

    >>> parse_indices("2:5", 10), parse_indices("1,7", 10), len(parse_indices("4", 10))
    ([2, 3, 4], [1, 7], 4)
    """
    spec = spec.strip()
    if spec in ("", "0"):
        return []
    if ":" in spec:
        lo, hi = (int(v) if v else d for v, d in zip(spec.split(":", 1), (0, pool), strict=True))
        out = list(range(lo, hi))
    elif "," in spec:
        out = [int(v) for v in spec.split(",") if v.strip()]
    else:
        k = int(spec)
        free = np.array(sorted(set(range(pool)) - (taken or set())))
        if k > len(free):
            raise ValueError(f"asked for {k} samples but only {len(free)} are available")
        out = sorted(int(i) for i in np.random.default_rng(seed).choice(free, k, replace=False))
    bad = [i for i in out if not 0 <= i < pool]
    if bad:
        raise ValueError(f"sample index {bad[0]} is outside 0..{pool - 1}")
    return out


def parse_players(spec: str) -> Any:
    """Players from ``"all"``, columns ``"0-9"`` / ``"0,3,5"``, or ``"patches:N[:GRID[:REGION
    [:SEED]]]"`` (N random cells of a GRID×GRID grid, as in papers A/B).

    >>> parse_players("0-2,5").names, parse_players("patches:3:8:6:0").n
    (['x0', 'x1', 'x2', 'x5'], 3)
    """
    from harsanyi.games.players import Columns, Patches

    spec = spec.strip()
    if spec == "all":
        return Columns("all")
    if spec.startswith("patches:"):
        parts = [int(p) for p in spec.split(":")[1:]]
        n, grid, region, seed = (parts + [10, 8, 6, 0][len(parts):])[:4]
        return Patches.random(n, grid=grid, region=region, seed=seed)
    cols: list[int] = []
    for part in spec.split(","):
        if "-" in part.strip()[1:]:
            a, b = part.split("-", 1)
            cols += list(range(int(a), int(b) + 1))
        elif part.strip():
            cols.append(int(part))
    return Columns(cols)


def load_data(
    spec: str, *, labels: Path | None = None, label_column: str | None = None,
    label_noise: float = 0.0, noise_seed: int = 0,
) -> dict[str, Any]:
    """``{"train": (X, y), "test": (X, y) or None, "flipped": bool array or None, "name"}``.
    Without a train/test split everything is in ``"train"`` (one pool)."""
    if spec.startswith("zoo:"):
        from harsanyi.zoo import get_dataset

        ds = get_dataset(spec[4:], label_noise=label_noise, noise_seed=noise_seed)
        return {"train": (ds.X_train, ds.y_train), "test": (ds.X_test, ds.y_test),
                "flipped": ds.flipped, "name": spec, "train_data": ds.X_train}
    path = Path(spec)
    if not path.is_file():
        raise ValueError(f"no data file {path} (use a .npy/.npz/.pt/.csv file or zoo:NAME)")
    y_ext = None if labels is None else np.load(labels)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            obj: Any = {k: f[k] for k in f.files}
    elif suffix == ".npy":
        obj = np.load(path, allow_pickle=False)
    elif suffix == ".pt":
        import torch

        obj = torch.load(path, map_location="cpu", weights_only=True)
    elif suffix == ".csv":
        import pandas as pd

        frame = pd.read_csv(path)
        if label_column is not None:
            if label_column not in frame.columns:
                raise ValueError(f"no column {label_column!r} in {path}; columns: "
                                 f"{list(frame.columns)}")
            y_ext = frame.pop(label_column).to_numpy()
        obj = frame.to_numpy(dtype=np.float32)
    else:
        raise ValueError(f"unknown data format {suffix!r}: use .npy, .npz, .pt, .csv or zoo:NAME")
    return _split(obj, y_ext, str(path))


def _np(a: Any) -> np.ndarray:
    return a.numpy() if hasattr(a, "numpy") else np.asarray(a)


def _split(obj: Any, y_ext: Any, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"flipped": None, "name": name}
    if isinstance(obj, dict):
        if "X_train" in obj:
            out["train"] = (_np(obj["X_train"]), _opt(obj.get("y_train")))
            out["test"] = ((_np(obj["X_test"]), _opt(obj.get("y_test")))
                           if "X_test" in obj else None)
        elif "X" in obj:
            out["train"], out["test"] = (_np(obj["X"]), _opt(obj.get("y", y_ext))), None
        else:
            raise ValueError(f"{name} needs arrays X_train/y_train/X_test/y_test or X/y; "
                             f"found {sorted(obj)}")
    elif isinstance(obj, (tuple, list)) and len(obj) == 2:
        out["train"], out["test"] = (_np(obj[0]), _np(obj[1])), None
    else:
        out["train"], out["test"] = (_np(obj), _opt(y_ext)), None
    out["train_data"] = out["train"][0]
    return out


def _opt(y: Any) -> np.ndarray | None:
    return None if y is None else _np(y).astype(np.int64).reshape(-1)


def _factory_from(checkpoints: Path, factory: str | None, kwargs: str) -> Any:
    from harsanyi.dynamics.sources import FactorySpec

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
    raise ValueError("give --factory module:function (or zoo:NAME): the checkpoint folder has "
                     "no manifest naming a zoo model")


def _data_from_manifest(checkpoints: Path) -> tuple[str, float, int] | None:
    manifest = checkpoints / "manifest.json"
    if not manifest.is_file():
        return None
    ds = json.loads(manifest.read_text()).get("dataset", {})
    if not ds.get("name"):
        return None
    noise = ds.get("label_noise") or {}
    return f"zoo:{ds['name']}", float(noise.get("fraction", 0.0)), int(noise.get("seed", 0))


def monitor(
    checkpoints: Annotated[Path, typer.Argument(
        help="Folder of checkpoints: a training run with manifest.json, or *epoch*N*.pt files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run store folder (Zarr v3).")],
    factory: Annotated[str | None, typer.Option(
        help="Model architecture: 'module:function' or 'zoo:NAME' (default: the manifest's).")
    ] = None,
    factory_kwargs: Annotated[str, typer.Option(help="JSON keyword arguments of the factory.")
                              ] = "{}",
    data: Annotated[str | None, typer.Option(
        help="zoo:NAME, or a .npy/.npz/.pt/.csv file (default: the manifest's dataset).")
    ] = None,
    labels: Annotated[Path | None, typer.Option(help=".npy labels for a .npy data file.")
                      ] = None,
    label_column: Annotated[str | None, typer.Option(help="Label column of a .csv file.")
                            ] = None,
    label_noise: Annotated[float | None, typer.Option(
        help="Label noise of a zoo dataset (default: the manifest's).")] = None,
    noise_seed: Annotated[int | None, typer.Option(help="Seed of the label noise.")] = None,
    train_samples: Annotated[str, typer.Option(
        help="Training samples: a count N (random, seeded), indices 'a,b,c' or a range 'a:b'.")
    ] = "16",
    test_samples: Annotated[str, typer.Option(help="Test samples, same syntax.")] = "16",
    seed: Annotated[int, typer.Option(help="Seed of the random sample choice.")] = 0,
    players: Annotated[str, typer.Option(
        help="'all', columns '0-9' or '0,3,5', or 'patches:N[:GRID[:REGION[:SEED]]]'.")
    ] = "all",
    baselines: Annotated[str, typer.Option(help="'zero', 'mean' (training mean), 'tau=<x>'.")
                         ] = "zero",
    reward: Annotated[str, typer.Option(help="log_odds, logit, prob, ...")] = "log_odds",
    q_bound: Annotated[float, typer.Option(help="Relative bound of the noise term q.")] = 0.02,
    solver: Annotated[str, typer.Option(help="fast, exact or sgd.")] = "fast",
    and_only: Annotated[bool, typer.Option(
        help="AND (Harsanyi) interactions only, as in paper E (q optional via --q-bound).")
    ] = False,
    warm_start: Annotated[bool, typer.Option(
        help="Start each checkpoint's solver from the previous checkpoint (measured slower "
             "than cold starts on MLP-5 checkpoints one epoch apart).")] = False,
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
) -> None:
    """Compute the interactions of fixed train/test samples at every checkpoint of a run."""
    from harsanyi.dynamics.monitor import Monitor

    try:
        model = _factory_from(checkpoints, factory, factory_kwargs)
        auto = _data_from_manifest(checkpoints) if data is None else None
        if data is None and auto is None:
            raise ValueError("give --data (zoo:NAME or a file): the folder has no manifest "
                             "naming its dataset")
        d = load_data(data or auto[0], labels=labels, label_column=label_column,
                      label_noise=label_noise if label_noise is not None
                      else (auto[1] if auto else 0.0),
                      noise_seed=noise_seed if noise_seed is not None
                      else (auto[2] if auto else 0))
        Xtr, ytr = d["train"]
        tr = parse_indices(train_samples, len(Xtr), seed=seed)
        if d["test"] is not None:
            Xte, yte = d["test"]
            te = parse_indices(test_samples, len(Xte), seed=seed + 1)
        else:  # one pool: test samples are other rows of it
            Xte, yte = Xtr, ytr
            te = parse_indices(test_samples, len(Xtr), taken=set(tr), seed=seed + 1)
        if not tr and not te:
            raise ValueError("no samples selected: give --train-samples and/or --test-samples")
        X = np.concatenate([Xtr[tr], Xte[te]])
        y = None if ytr is None or yte is None else np.concatenate([ytr[tr], yte[te]])
        groups = {}
        if d.get("flipped") is not None:
            groups["flipped"] = np.concatenate([d["flipped"][tr], np.zeros(len(te), bool)])
        mon = Monitor(
            out, X, targets=y, split=["train"] * len(tr) + ["test"] * len(te),
            sample_ids=tr + te, groups=groups, players=parse_players(players),
            baselines=baselines, reward=reward, batch_size=batch_size, device=device,
            q_bound=q_bound, solver=solver, warm_start=warm_start,
            kind="and" if and_only else "and_or",
            samples_per_task=samples_per_task, resume=resume, model=model,
            baseline_data=d["train_data"] if baselines == "mean" else None,
            source=f"folder:{checkpoints.resolve()}", metadata={"data": d["name"], "seed": seed},
        )
        if executor is None:
            executor = "dask" if (workers is not None or scheduler is not None) else "process"
        store = mon.run(checkpoints, executor=executor, workers=workers, scheduler=scheduler,
                        progress=progress, connect_timeout=connect_timeout)
    except (HarsanyiError, ValueError, KeyError) as err:
        _ERR.print(f"[bold red]error:[/] {err}")
        raise typer.Exit(code=2) from err
    except KeyboardInterrupt as err:
        _ERR.print(interrupted_message(out))
        raise typer.Exit(code=130) from err
    _summary(mon, store)


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
    if s["seconds_extract"] > 0:
        n_ext = s["n_forwards"] / 2**store.n
        table.add_row("extractions / s (per worker)", f"{n_ext / s['seconds_extract']:,.2f}")
    Console().print(table)
