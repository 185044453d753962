"""``harsanyi theory fit|sparsity|groups|disentangle RUN`` on a run store (``harsanyi monitor``).

:func:`register` puts these commands into the ``theory`` sub-app (beside ``r-table``): ``fit``
and ``sparsity`` take a run store, or a folder of ``.npz`` files or one file (then they call
the file-based :func:`harsanyi.cli.theory.fit` / ``sparsity``, which are not commands of their
own); a run store goes through
:mod:`harsanyi.analysis` (its arrays read once), whose :class:`~harsanyi.analysis.AnalysisFolder`
also writes the result to ``RUN/analysis/`` for ``harsanyi report``. ``groups`` and
``disentangle`` work on run stores only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table

from harsanyi import analysis as an
from harsanyi.cli import theory as base
from harsanyi.dynamics.groups import GROUPS
from harsanyi.errors import HarsanyiError, TheoryInputError
from harsanyi.store import RunStore, is_run_store
from harsanyi.store.union import SampledRunArrays
from harsanyi.theory import log_grid

__all__ = ["disentangle", "fit", "groups", "register", "sparsity"]

_SPLIT_HELP = "Samples of a run store: all | train | test | auto (test when there are any)."


def register(app: typer.Typer) -> None:
    """Add ``fit``, ``sparsity``, ``groups`` and ``disentangle`` to ``app`` (once).

    >>> app = typer.Typer()
    >>> register(app); register(app)
    >>> sorted(c.name for c in app.registered_commands)
    ['disentangle', 'fit', 'groups', 'sparsity']
    """
    ours = {"fit": fit, "sparsity": sparsity, "groups": groups, "disentangle": disentangle}
    present = {c.name for c in app.registered_commands}
    for name, fn in ours.items():
        if name not in present:
            app.command(name)(fn)


def _start(text: str) -> int | Literal["boundary", "first"]:
    t = text.strip().lower()
    if t == "boundary":
        return "boundary"
    if t == "first":
        return "first"
    try:
        return int(t)
    except ValueError:
        raise TheoryInputError(f"--start is an epoch, 'boundary' or 'first'; got {text!r}") \
            from None


def fit(
    path: Annotated[Path, typer.Argument(help="A run store, or a folder of interactions files "
                                         "(one per checkpoint).")],
    pattern: Annotated[str, typer.Option(help="Glob of the checkpoint files (folder only).")]
    = "*.npz",
    ratio: Annotated[float, typer.Option(help="Salience ratio: τ = ratio·E|v(N)−v(∅)|.")] = 0.03,
    grid_min: Annotated[float, typer.Option(help="Smallest σ² of the log grid.")] = 1e-6,
    grid_max: Annotated[float, typer.Option(help="Largest σ² of the log grid.")] = 10.0,
    grid_points: Annotated[int, typer.Option(help="Number of σ² grid points.")] = 200,
    monotone: Annotated[str, typer.Option(help="σ² constraint over time: none|isotonic|dp.")]
    = "isotonic",
    distance: Annotated[str, typer.Option(help="Distance between distributions: l1|l2.")] = "l1",
    final: Annotated[int, typer.Option(help="Index of the checkpoint that defines w*.")] = -1,
    first: Annotated[int, typer.Option(help="First checkpoint index to match (folder only).")]
    = 0,
    start: Annotated[str, typer.Option(help="Run store: first epoch matched, 'boundary' (the "
                                       "detected phase-2 start) or 'first'.")] = "boundary",
    split: Annotated[str, typer.Option(help=_SPLIT_HELP)] = "auto",
    and_only: Annotated[bool, typer.Option(help="Ignore OR interactions.")] = False,
    save: Annotated[bool, typer.Option(help="Run store: write RUN/analysis/theory.npz.")] = True,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the fit as JSON "
                                                  "here.")] = None,
) -> None:
    """Fit paper A's σ² per checkpoint: match I_theo(σ²) to I_real(t) (paper A)."""
    if not is_run_store(path):
        return base.fit(path, pattern=pattern, ratio=ratio, grid_min=grid_min,
                        grid_max=grid_max, grid_points=grid_points, monotone=monotone,
                        distance=distance, final=final, first=first, and_only=and_only,
                        json_out=json_out)
    options: dict[str, Any] = {"split": split, "ratio": ratio, "monotone": monotone,
                               "distance": distance}
    try:
        result = an.analyse_fit(RunStore.open(path).arrays(), start=_start(start), final=final,
                                and_only=and_only, grid=log_grid(grid_min, grid_max,
                                                                 grid_points), **options)
        saved = an.AnalysisFolder(path).write_theory(an.theory_record(result)) if save else None
    except (HarsanyiError, ValueError) as err:
        raise base._fail(err) from err
    table = Table(title=f"two-phase fit of {path} ({len(result.checkpoints)} checkpoints, "
                  f"monotone={monotone})")
    for col in ("checkpoint", "σ²", "σ² (raw)", "error", "I_real k=1..", "I_theo k=1.."):
        table.add_column(col, justify="right" if "σ" in col or col == "error" else "left")
    for i, row in enumerate(result.as_rows()):
        table.add_row(str(row["checkpoint"]), f"{row['sigma2']:.3g}", f"{row['sigma2_raw']:.3g}",
                      f"{row['error']:.3f}", base._fmt_dist(result.real[i]),
                      base._fmt_dist(result.theo[i]))
    base._OUT.print(table)
    if saved is not None:
        base._OUT.print(f"saved to {saved}")
    if json_out is not None:
        Path(json_out).write_text(json.dumps({
            "checkpoints": result.checkpoints, "sigma2": result.sigma2.tolist(),
            "sigma2_raw": result.sigma2_raw.tolist(), "error": result.error.tolist(),
            "real": result.real.tolist(), "theo": result.theo.tolist(),
            "monotone": result.monotone, "distance": result.distance}, indent=2))


def sparsity(
    path: Annotated[Path, typer.Argument(help="A run store, or an interactions file.")],
    tau_ratio: Annotated[float, typer.Option(help="τ = tau_ratio · max_S |I(S)| per sample.")]
    = 0.05,
    m: Annotated[str, typer.Option("--M", help="Highest order kept: an integer, 'n-1' or "
                                   "'auto'.")] = "n-1",
    p_method: Annotated[str, typer.Option(help="p estimator: ref (order 1) | all_pairs.")]
    = "ref",
    vn_threshold: Annotated[float | None, typer.Option(help="Keep samples with v(N)−v(∅) "
                                                       "above this.")] = None,
    monotone_filter: Annotated[bool, typer.Option(help="Only samples satisfying "
                                                  "Assumption 2.")] = True,
    k1_trick: Annotated[bool, typer.Option(help="Paper code's trick: A^(1)/ū^(1) := n.")]
    = True,
    delta_bound: Annotated[bool, typer.Option(help="Use δ_bound (paper code) instead of δ.")]
    = True,
    per_sample: Annotated[bool, typer.Option(help="Also print one row per sample.")] = False,
    epoch: Annotated[int | None, typer.Option(help="Run store: checkpoint (default the "
                                              "last).")] = None,
    split: Annotated[str, typer.Option(help=_SPLIT_HELP)] = "all",
    interactions: Annotated[str, typer.Option(help="Run store: harsanyi (AND-only Möbius of "
                                              "the stored values, paper E) | and (the stored "
                                              "AND part).")] = "harsanyi",
) -> None:
    """Paper E's bound on the number of salient interactions beside the real count (Table 2)."""
    if not is_run_store(path):
        return base.sparsity(path, tau_ratio=tau_ratio, m=m, p_method=p_method,
                             vn_threshold=vn_threshold, monotone_filter=monotone_filter,
                             k1_trick=k1_trick, delta_bound=delta_bound, per_sample=per_sample)
    try:
        big_m: int | str | None = None if m == "n-1" else ("auto" if m == "auto" else int(m))
        result = an.analyse_sparsity(RunStore.open(path).arrays(), epoch=epoch,
                                     split=split,  # type: ignore[arg-type]
                                     interactions=interactions,  # type: ignore[arg-type]
                                     require_monotone=monotone_filter,
                                     vn_threshold=vn_threshold, M=big_m, ratio=tau_ratio,
                                     p_method=p_method, k1_trick=k1_trick,
                                     use_delta_bound=delta_bound)
    except (HarsanyiError, ValueError) as err:
        raise base._fail(err) from err
    base.print_sparsity(result, per_sample)


def _need_store(path: Path) -> None:
    if not is_run_store(path):
        raise TheoryInputError(f"{path} is not a run store (written by `harsanyi monitor` or "
                               "`harsanyi demo`)")


def groups(
    path: Annotated[Path, typer.Argument(help="A run store.")],
    k: Annotated[int, typer.Option("--k", help="Top interactions per sample (by max_t |I|).")]
    = 100,
    split: Annotated[str, typer.Option(help=_SPLIT_HELP)] = "all",
    save: Annotated[bool, typer.Option(help="Write RUN/analysis/groups.npz.")] = True,
) -> None:
    """Classify each sample's strongest interactions into paper C's five groups.

    Paper C's five groups (reliable, withdrawn, forgotten, betraying, fluctuating) of each
    sample's strongest interactions over the checkpoints (our thresholds).
    """
    try:
        _need_store(path)
        arr = RunStore.open(path).arrays()
        res = (an.sampled_groups(arr, k=k, split=split)  # a sampled run: union curves
               if isinstance(arr, SampledRunArrays)
               else an.analyse_groups(arr, k=k, split=split))  # type: ignore[arg-type]
        if save:
            sub = arr.select(split)  # type: ignore[arg-type]
            an.AnalysisFolder(path).write_groups(an.groups_record(res, sub.players))
    except (HarsanyiError, ValueError) as err:
        raise base._fail(err) from err
    counts = res.counts()
    table = Table(title=f"five groups: mean count per sample among the top {res.labels.shape[1]}"
                  f" ({res.labels.shape[0]} samples)")
    for g in GROUPS:
        table.add_column(g, justify="right")
    table.add_row(*(f"{counts[g]:.1f}" for g in GROUPS))
    base._OUT.print(table)


def disentangle(
    path: Annotated[Path, typer.Argument(help="A run store.")],
    decay: Annotated[str, typer.Option(help="Decay family: rownorm | exp.")] = "rownorm",
    tau_ratio: Annotated[float, typer.Option(help="Salient ratio: keep |I| ≥ "
                                             "tau_ratio·E|v(N)−v(∅)| (0: all, paper D).")]
    = 0.0,
    split: Annotated[str, typer.Option(help=_SPLIT_HELP)] = "all",
    save: Annotated[bool, typer.Option(help="Write RUN/analysis/decay_spindle.npz.")] = True,
) -> None:
    """Split the strength by order into decay and spindle parts (paper D).

    Paper D's split of the strength by order into decay (generalisable) and spindle
    (non-generalisable) parts, at every checkpoint (our reconstruction).
    """
    try:
        _need_store(path)
        res = an.analyse_decay_spindle(RunStore.open(path).arrays(),
                                       split=split,  # type: ignore[arg-type]
                                       ratio=tau_ratio, decay=decay)
        if save:
            an.AnalysisFolder(path).write_decay_spindle(an.decay_spindle_record(res))
    except (HarsanyiError, ValueError) as err:
        raise base._fail(err) from err
    table = Table(title="decay / spindle parts (sum over orders of |A⁺| + |A⁻|)")
    for col in ("epoch", "real", "decay", "spindle", "spindle share"):
        table.add_column(col, justify="right")
    dec, spi = res.decay.sum(axis=1), res.spindle.sum(axis=1)
    for t, e in enumerate(res.epochs):
        share = spi[t] / max(dec[t] + spi[t], 1e-300)
        table.add_row(str(int(e)), f"{res.real[t].sum():.3g}", f"{dec[t]:.3g}", f"{spi[t]:.3g}",
                      f"{share:.0%}")
    base._OUT.print(table)
