"""`harsanyi theory` sub-app: r-table, fit and sparsity through typer's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from harsanyi.cli import app
from harsanyi.cli.theory import load_checkpoints
from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import zeta
from harsanyi.errors import TheoryInputError
from harsanyi.theory import TwoPhaseModel, fit_two_phase, log_grid, sparsity_table

runner = CliRunner()
ENV = {"COLUMNS": "220"}


def invoke(*args):
    return runner.invoke(app, ["theory", *(str(a) for a in args)], env=ENV)


def test_r_table_prints_reference_values():
    res = invoke("r-table", "--n", 10)
    assert res.exit_code == 0, res.output
    for cell in ("1.035", "2.337", "1.322", "2.722", "3.031"):
        assert cell in res.output
    res = invoke("r-table", "--n", 6, "--sigma2", 0.01, "--sigma2", 0.1, "--norms")
    assert res.exit_code == 0
    assert "r^(5)" in res.output and "r^(6)" not in res.output
    assert "‖m̂_(k)‖" in res.output


def test_r_table_rejects_negative_sigma2():
    res = invoke("r-table", "--n", 4, "--sigma2", -1)
    assert res.exit_code == 2
    assert "sigma2" in res.output and ">= 0" in res.output


@pytest.fixture
def checkpoint_dir(tmp_path):
    """Checkpoints epoch_1 .. epoch_12 with ŵ = M̂(σ²_t) w* for decreasing σ²_t."""
    n = 5
    rng = np.random.default_rng(0)
    orders = order_of_masks(n)
    w_and = np.zeros((2, 2**n))
    for k, count in ((1, 4), (2, 3), (3, 2)):
        for x in range(2):
            sel = rng.choice(np.flatnonzero(orders == k), count, replace=False)
            w_and[x, sel] = rng.uniform(0.5, 1.0, count)
    w_or = 0.3 * np.roll(w_and, 1, axis=1)
    w_or[:, 0] = 0.0
    sigma2 = np.concatenate([np.logspace(0, -4, 11), [0.0]])
    model = TwoPhaseModel(n)
    and_t, or_t = model.w_hat(w_and, sigma2), model.w_hat(w_or, sigma2)
    for t in range(12):
        v = zeta(and_t[t])
        v[:, -1] = and_t[t].sum(-1) + or_t[t, :, 1:].sum(-1)
        np.savez(tmp_path / f"epoch_{t + 1}.npz", and_values=and_t[t], or_values=or_t[t], values=v)
    return tmp_path


def test_load_checkpoints_sorts_numerically(checkpoint_dir):
    labels, and_v, or_v, values = load_checkpoints(checkpoint_dir)
    assert labels == [f"epoch_{t}" for t in range(1, 13)]
    assert and_v.shape == or_v.shape == values.shape == (12, 2, 32)


def test_fit_command_matches_the_array_api(checkpoint_dir, tmp_path):
    out = tmp_path / "fit.json"
    res = invoke(
        "fit",
        checkpoint_dir,
        "--grid-points",
        41,
        "--grid-min",
        1e-5,
        "--grid-max",
        10,
        "--json",
        out,
    )
    assert res.exit_code == 0, res.output
    assert "epoch_12" in res.output and "two-phase fit" in res.output
    payload = json.loads(out.read_text())
    labels, and_v, or_v, values = load_checkpoints(checkpoint_dir)
    ref = fit_two_phase(and_v, or_v, values, grid=log_grid(1e-5, 10, 41), checkpoints=labels)
    assert np.allclose(payload["sigma2"], ref.sigma2)
    assert payload["checkpoints"] == labels
    assert np.all(np.diff(payload["sigma2"]) <= 0)  # isotonic by default
    assert payload["sigma2"][0] > 10 * payload["sigma2"][-2]


def test_fit_command_options_and_errors(checkpoint_dir, tmp_path):
    res = invoke("fit", checkpoint_dir, "--monotone", "dp", "--and-only", "--grid-points", 21)
    assert res.exit_code == 0, res.output
    out = tmp_path / "late.json"
    res = invoke("fit", checkpoint_dir, "--first", 3, "--grid-points", 21, "--json", out)
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["checkpoints"] == [f"epoch_{t}" for t in range(4, 13)]
    res = invoke("fit", checkpoint_dir, "--first", 12)
    assert res.exit_code == 2 and "--first" in res.output
    res = invoke("fit", tmp_path / "missing")
    assert res.exit_code == 2 and "not a folder" in res.output
    empty = tmp_path / "empty"
    empty.mkdir()
    res = invoke("fit", empty)
    assert res.exit_code == 2 and "no files" in res.output
    res = invoke("fit", checkpoint_dir, "--monotone", "sideways")
    assert res.exit_code == 2 and "monotone" in res.output
    np.savez(
        checkpoint_dir / "epoch_99.npz", and_values=np.zeros((2, 16)), values=np.zeros((2, 16))
    )
    res = invoke("fit", checkpoint_dir)
    assert res.exit_code == 2 and "disagree in shape" in res.output


def test_sparsity_command(tmp_path):
    n = 8
    rng = np.random.default_rng(3)
    orders = order_of_masks(n)
    I = np.zeros((6, 2**n))
    for x in range(6):
        for k in (1, 2):
            sel = rng.choice(np.flatnonzero(orders == k), 5, replace=False)
            I[x, sel] = rng.uniform(0.2, 1.0, 5)
    path = tmp_path / "inter.npz"
    np.savez(path, and_values=I, values=zeta(I))
    res = invoke("sparsity", path, "--per-sample")
    assert res.exit_code == 0, res.output
    ref = sparsity_table(I, zeta(I))
    assert f"{ref.summary['bound_mean']:.2f}" in res.output
    assert f"{ref.summary['real_mean']:.2f}" in res.output
    assert "per sample" in res.output
    res = invoke("sparsity", path, "--M", "auto", "--p-method", "all_pairs", "--no-k1-trick")
    assert res.exit_code == 0, res.output
    res = invoke("sparsity", path, "--M", "zero")
    assert res.exit_code == 2
    res = invoke("sparsity", tmp_path / "nope.npz")
    assert res.exit_code == 2 and "no interactions file" in res.output


def test_load_checkpoints_mixed_or_values(tmp_path):
    np.savez(tmp_path / "a_1.npz", and_values=np.ones((1, 4)), values=np.ones((1, 4)))
    np.savez(
        tmp_path / "a_2.npz",
        and_values=np.ones((1, 4)),
        or_values=np.ones((1, 4)),
        values=np.ones((1, 4)),
    )
    with pytest.raises(TheoryInputError, match="or_values"):
        load_checkpoints(tmp_path)


def test_files_written_by_interactions_save(tmp_path):
    """The fit and sparsity commands read what ``Interactions.save`` writes."""
    from harsanyi.extract import Interactions

    rng = np.random.default_rng(5)
    n, samples = 4, 3
    base = np.zeros((samples, 2**n))
    base[:, [1, 2, 4, 8]] = rng.uniform(0.5, 1.0, (samples, 4))
    for t, extra in enumerate((0.0, 0.2, 0.4)):
        I_and = base.copy()
        I_and[:, 3] = extra
        v = zeta(I_and)
        Interactions(
            and_values=I_and,
            or_values=np.zeros_like(I_and),
            gamma=np.zeros_like(I_and),
            q=np.zeros_like(I_and),
            values=v,
            bound=np.zeros(samples),
            residual=np.zeros(samples),
            objective=np.abs(I_and[:, 1:]).sum(-1),
        ).save(tmp_path / f"epoch_{t:03d}.npz")
    labels, _and_v, or_v, _values = load_checkpoints(tmp_path)
    assert labels == ["epoch_000", "epoch_001", "epoch_002"] and or_v is not None
    res = invoke("fit", tmp_path, "--grid-points", 30)
    assert res.exit_code == 0, res.output
    res = invoke("sparsity", tmp_path / "epoch_002.npz")
    assert res.exit_code == 0, res.output
    assert "samples with a bound" in res.output
    (tmp_path / "junk.txt").write_text("not an array file")
    res = invoke("sparsity", tmp_path / "junk.txt")
    assert res.exit_code == 2 and "not a readable" in res.output
