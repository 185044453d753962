"""v(N) beside the model's output f(x): recorded on every game, one warning when they differ."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from games_models import mlp

import harsanyi as hs
from harsanyi.errors import ExplainedInputWarning
from harsanyi.games import Columns, model_game
from harsanyi.store import RunStore
from harsanyi.workflows.demo_analysis import load_summary


def _net():
    return mlp(6, 3, torch.float64)


def _x():
    return torch.randn(3, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))


def test_all_columns_present_records_equal_values_and_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExplainedInputWarning)
        game = model_game(_net(), _x(), Columns(range(6)), baselines="zero")
    meta = game.metadata
    assert np.allclose(meta["v_full"], game.values[:, -1], atol=0)
    assert np.allclose(meta["f_x"], meta["v_full"], rtol=1e-12)


def test_masked_outside_warns_once_and_records_both():
    net, x = _net(), _x()
    with pytest.warns(ExplainedInputWarning, match="outside='present'") as record:
        game = model_game(net, x, Columns([0, 1, 2]), baselines="zero", target=0,
                          outside="masked")
    assert sum(issubclass(w.category, ExplainedInputWarning) for w in record) == 1
    logits = net(x).detach()
    f_x = (logits[:, 0] - torch.logsumexp(logits[:, 1:], dim=1)).numpy()
    assert np.allclose(game.metadata["f_x"], f_x, atol=1e-12)
    masked = x.clone()
    masked[:, 3:] = 0.0
    z = net(masked).detach()
    v_n = (z[:, 0] - torch.logsumexp(z[:, 1:], dim=1)).numpy()
    assert np.allclose(game.metadata["v_full"], v_n, atol=1e-12)
    assert np.allclose(game.values[:, -1], v_n, atol=1e-12)


def test_subtract_empty_keeps_the_raw_v_of_n_and_results_carry_it():
    with pytest.warns(ExplainedInputWarning):
        game = model_game(_net(), _x(), Columns([0, 1, 2]), subtract_empty=True)
    assert np.allclose(game.values[:, 0], 0.0)
    assert not np.allclose(game.metadata["v_full"], game.values[:, -1])
    result = hs.mobius(game)
    assert result.metadata["f_x"] == game.metadata["f_x"]


def test_the_run_report_shows_v_of_n_beside_f_of_x(tmp_path):
    run = RunStore.create(tmp_path / "run", {}, players=["a", "b"])
    v = np.array([[0.0, 1.0, 1.0, 3.0], [0.0, 0.5, 0.5, 1.0]])
    zeros = np.zeros(2)
    for epoch in (0, 1):  # the report needs two checkpoints; the last one's values are shown
        run.write_checkpoint(epoch, {"values": v, "and_values": hs.mobius(v).and_values,
                                     "or_values": np.zeros_like(v), "gamma": np.zeros_like(v),
                                     "q": np.zeros_like(v), "bound": zeros, "residual": zeros,
                                     "objective": zeros},
                             {"metadata": {"v_full": [3.0, 1.0], "f_x": [3.5 - epoch, 1.0]}})
    notes = load_summary(tmp_path / "run").notes
    line = next(s for s in notes if s.startswith("v(N)"))
    assert "averages 2 over 2 samples" in line and "f(x) on the unmasked input 1.75" in line
    assert "largest gap 0.5 on sample 0" in line
