"""``harsanyi theory``: paper A's r^(k) table, the two-phase σ² fit, paper E's sparsity bound.

Thin adapters: they load saved interactions and call :mod:`harsanyi.theory`, whose functions
take plain arrays. A saved interactions file is either what ``Interactions.save`` writes or any
``.npz`` with arrays ``and_values``, ``values`` (and optionally ``or_values``) of shape
``(samples, 2**n)`` in bit order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harsanyi.errors import HarsanyiError, TheoryInputError
from harsanyi.extract import Interactions
from harsanyi.theory import fit_two_phase, log_grid, r_ratios, row_norms_by_order, sparsity_table

app = typer.Typer(
    help="Theory of interaction dynamics: r^(k) table, two-phase sigma^2 fit, sparsity bound.",
    no_args_is_help=True,
)

_OUT = Console(width=max(Console().width, 120))
_ERR = Console(stderr=True)
_DEFAULT_SIGMA2 = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]


def _fail(err: Exception) -> typer.Exit:
    _ERR.print(f"[bold red]error:[/] {escape(str(err))}", soft_wrap=True)
    return typer.Exit(code=2)


def load_arrays(path: Path) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """``(and_values, or_values or None, values)`` from one saved interactions file.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> np.savez(folder / "epoch_1.npz", and_values=np.ones((2, 4)), values=np.ones((2, 4)))
    >>> [None if a is None else a.shape for a in load_arrays(folder / "epoch_1.npz")]
    [(2, 4), None, (2, 4)]
    """
    path = Path(path)
    if not path.is_file():
        raise TheoryInputError(f"no interactions file at {path}")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            if "and_values" in data.files and "values" in data.files:
                or_values = data["or_values"] if "or_values" in data.files else None
                return data["and_values"], or_values, data["values"]
    inter: Any = Interactions.load(path)
    return (
        np.asarray(inter.and_values),
        None if inter.or_values is None else np.asarray(inter.or_values),
        np.asarray(inter.values),
    )


def _checkpoint_key(path: Path) -> tuple[int, str]:
    numbers = re.findall(r"\d+", path.stem)
    return (int(numbers[-1]) if numbers else -1, path.stem)


def load_checkpoints(
    folder: Path, pattern: str = "*.npz"
) -> tuple[list[str], np.ndarray, np.ndarray | None, np.ndarray]:
    """Stack the interactions files of a folder (sorted by the last number in their names).

    Returns ``(labels, and_values, or_values, values)`` with arrays ``(K, samples, 2**n)``.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for t in (10, 2):
    ...     np.savez(folder / f"epoch_{t}.npz", and_values=np.ones((3, 8)), values=np.ones((3, 8)))
    >>> labels, and_values, or_values, values = load_checkpoints(folder)
    >>> labels, and_values.shape, or_values
    (['epoch_2', 'epoch_10'], (2, 3, 8), None)
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise TheoryInputError(f"{folder} is not a folder of interactions files")
    files = sorted(folder.glob(pattern), key=_checkpoint_key)
    if not files:
        raise TheoryInputError(f"no files matching {pattern!r} in {folder}")
    loaded = [load_arrays(f) for f in files]
    shapes = {np.shape(a) for a, _, _ in loaded}
    if len(shapes) != 1:
        raise TheoryInputError(f"checkpoint files disagree in shape: {sorted(shapes)}")
    has_or = [o is not None for _, o, _ in loaded]
    if any(has_or) and not all(has_or):
        raise TheoryInputError("some checkpoint files have or_values and others do not")
    and_values = np.stack([np.atleast_2d(a) for a, _, _ in loaded])
    or_values = np.stack([np.atleast_2d(o) for _, o, _ in loaded]) if all(has_or) else None
    values = np.stack([np.atleast_2d(v) for _, _, v in loaded])
    return [f.stem for f in files], and_values, or_values, values


def _fmt_dist(d: np.ndarray, k: int = 6) -> str:
    return " ".join(f"{x:.2f}" for x in d[:k]) + (" …" if d.size > k else "")


@app.command("r-table")
def r_table(
    n: Annotated[int, typer.Option("--n", help="Number of players.")] = 10,
    sigma2: Annotated[
        list[float] | None,
        typer.Option("--sigma2", help="Noise variance(s) σ² (repeat the option); default 1e-4..1."),
    ] = None,
    norms: Annotated[
        bool, typer.Option("--norms", help="Also print the row norms ‖m̂_(k)‖.")
    ] = False,
) -> None:
    """Print paper A's r^(k) = ‖m̂_(k)‖/‖m̂_(k+1)‖ for k = 1..n-1 (Fig. 3, Proposition 1)."""
    grid = list(sigma2) if sigma2 else _DEFAULT_SIGMA2
    try:
        ratios = r_ratios(n, np.asarray(grid, dtype=np.float64))
        row_norms = row_norms_by_order(n, np.asarray(grid, dtype=np.float64)) if norms else None
    except HarsanyiError as err:
        raise _fail(err) from err
    table = Table(title=f"r^(k)(σ²), n = {n}")
    table.add_column("σ²", justify="right", no_wrap=True, min_width=7)
    for k in range(1, n):
        table.add_column(f"r^({k})", justify="right")
    for s2, row in zip(grid, ratios, strict=True):
        table.add_row(f"{s2:g}", *(f"{x:.3f}" for x in row))
    _OUT.print(table)
    if row_norms is not None:
        tn = Table(title=f"‖m̂_(k)‖ by order k = 0..{n}")
        tn.add_column("σ²", justify="right", no_wrap=True, min_width=7)
        for k in range(n + 1):
            tn.add_column(str(k), justify="right")
        for s2, row in zip(grid, row_norms, strict=True):
            tn.add_row(f"{s2:g}", *(f"{x:.3g}" for x in row))
        _OUT.print(tn)


def fit(
    path: Annotated[Path, typer.Argument(help="Folder of interactions files, one per checkpoint.")],
    pattern: Annotated[str, typer.Option(help="Glob of the checkpoint files in PATH.")] = "*.npz",
    ratio: Annotated[float, typer.Option(help="Salience ratio: τ = ratio·E|v(N)−v(∅)|.")] = 0.03,
    grid_min: Annotated[float, typer.Option(help="Smallest σ² of the log grid.")] = 1e-6,
    grid_max: Annotated[float, typer.Option(help="Largest σ² of the log grid.")] = 10.0,
    grid_points: Annotated[int, typer.Option(help="Number of σ² grid points.")] = 200,
    monotone: Annotated[
        str, typer.Option(help="σ² constraint over time: none|isotonic|dp.")
    ] = "isotonic",
    distance: Annotated[str, typer.Option(help="Distance between distributions: l1|l2.")] = "l1",
    final: Annotated[int, typer.Option(help="Index of the checkpoint that defines w*.")] = -1,
    first: Annotated[
        int, typer.Option(help="First checkpoint to match (skip phase 1); w* still uses --final.")
    ] = 0,
    and_only: Annotated[bool, typer.Option(help="Ignore OR interactions.")] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the fit as JSON here.")
    ] = None,
) -> None:
    """Fit paper A's σ² per checkpoint: match I_theo(σ²) to I_real(t).

    The rule is ours (docs/theory.md#sigma2-fit).
    """
    try:
        labels, and_v, or_v, values = load_checkpoints(path, pattern)
        k = len(labels)
        if not 0 <= first < k or not -k <= final < k:
            raise TheoryInputError(f"--first {first} / --final {final} outside 0..{k - 1}")
        final_abs = final % k
        if final_abs < first:
            raise TheoryInputError("--final must not come before --first")
        keep = slice(first, None)
        labels = labels[keep]
        result = fit_two_phase(
            and_v[keep],
            None if and_only or or_v is None else or_v[keep],
            values[keep],
            final=final_abs - first,
            grid=log_grid(grid_min, grid_max, grid_points),
            ratio=ratio,
            monotone=monotone,  # type: ignore[arg-type]
            distance=distance,  # type: ignore[arg-type]
            checkpoints=labels,
        )
    except HarsanyiError as err:
        raise _fail(err) from err
    table = Table(title=f"two-phase fit ({len(labels)} checkpoints, monotone={monotone})")
    for col in ("checkpoint", "σ²", "σ² (raw)", "error", "I_real k=1..", "I_theo k=1.."):
        table.add_column(col, justify="right" if "σ" in col or col == "error" else "left")
    for i, row in enumerate(result.as_rows()):
        table.add_row(
            str(row["checkpoint"]),
            f"{row['sigma2']:.3g}",
            f"{row['sigma2_raw']:.3g}",
            f"{row['error']:.3f}",
            _fmt_dist(result.real[i]),
            _fmt_dist(result.theo[i]),
        )
    _OUT.print(table)
    if json_out is not None:
        payload = {
            "checkpoints": result.checkpoints,
            "sigma2": result.sigma2.tolist(),
            "sigma2_raw": result.sigma2_raw.tolist(),
            "error": result.error.tolist(),
            "real": result.real.tolist(),
            "theo": result.theo.tolist(),
            "monotone": result.monotone,
            "distance": result.distance,
        }
        Path(json_out).write_text(json.dumps(payload, indent=2))


def sparsity(
    path: Annotated[Path, typer.Argument(help="Interactions file (AND interactions are used).")],
    tau_ratio: Annotated[
        float, typer.Option(help="τ = tau_ratio · max_S |I(S)| per sample.")
    ] = 0.05,
    m: Annotated[
        str, typer.Option("--M", help="Highest order kept: an integer, 'n-1' or 'auto'.")
    ] = "n-1",
    p_method: Annotated[str, typer.Option(help="p estimator: ref (order 1) | all_pairs.")] = "ref",
    vn_threshold: Annotated[
        float | None, typer.Option(help="Keep samples with v(N)−v(∅) above this.")
    ] = None,
    monotone_filter: Annotated[
        bool, typer.Option(help="Only samples satisfying Assumption 2.")
    ] = True,
    k1_trick: Annotated[bool, typer.Option(help="Paper code's trick: A^(1)/ū^(1) := n.")] = True,
    delta_bound: Annotated[
        bool, typer.Option(help="Use δ_bound (paper code) instead of δ.")
    ] = True,
    per_sample: Annotated[bool, typer.Option(help="Also print one row per sample.")] = False,
) -> None:
    """Paper E's bound on the number of salient interactions beside the real count (Table 2)."""
    try:
        and_v, _, values = load_arrays(path)
        big_m: int | str | None = None if m == "n-1" else ("auto" if m == "auto" else int(m))
        result = sparsity_table(
            np.atleast_2d(and_v),
            np.atleast_2d(values),
            require_monotone=monotone_filter,
            vn_threshold=vn_threshold,
            M=big_m,
            ratio=tau_ratio,
            p_method=p_method,
            k1_trick=k1_trick,
            use_delta_bound=delta_bound,
        )
    except (HarsanyiError, ValueError) as err:  # also a bad --M
        raise _fail(err) from err
    print_sparsity(result, per_sample)


def print_sparsity(result: Any, per_sample: bool) -> None:
    """Print a sparsity-bound table.

    Print a :func:`harsanyi.theory.sparsity_table` result (and its rows if ``per_sample``);
    shared by ``theory sparsity`` on files and on run stores.
    """
    s = result.summary
    table = Table(title="sparsity bound (paper E, Theorem 3)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("samples", f"{s['samples']}")
    table.add_row("monotone (Assumption 2)", f"{s['monotone']} ({100 * s['monotone_share']:.1f}%)")
    table.add_row("p (monotone samples)", f"{s['p_mean']:.3f} ± {s['p_std']:.3f}")
    table.add_row("samples with a bound", f"{s['bounded']}")
    table.add_row("bound on #salient", f"{s['bound_mean']:.2f} ± {s['bound_std']:.2f}")
    table.add_row("real #salient", f"{s['real_mean']:.2f} ± {s['real_std']:.2f}")
    table.add_row("p + δ", f"{s['p_plus_delta_mean']:.3f} ± {s['p_plus_delta_std']:.3f}")
    table.add_row("status", ", ".join(f"{k}: {v}" for k, v in sorted(result.status.items())))
    _OUT.print(table)
    if per_sample:
        rows = Table(title="per sample")
        for col in ("sample", "status", "p", "bound", "real", "p+δ"):
            rows.add_column(col, justify="right")
        for r in result.as_rows():
            rows.add_row(str(r["sample"]), str(r["status"]), f"{r['p']:.3f}",
                         f"{r['bound']:.2f}", str(r["real"]), f"{r['p_plus_delta']:.3f}")
        _OUT.print(rows)
