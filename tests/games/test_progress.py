"""Progress bars: on by default for long work, silent for short work and with progress=False."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import harsanyi as hs
from harsanyi.core import progress
from harsanyi.games import Columns, model_game


class Slow(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        time.sleep(0.05)
        return self.lin(x)


@pytest.fixture
def short_delay(monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.1)


def test_model_game_shows_a_bar_for_long_work_by_default(short_delay, capsys):
    model_game(Slow(), torch.randn(1, 4), Columns(range(4)), batch_size=2, target=0)
    assert "masked forward passes" in capsys.readouterr().err


def test_model_game_is_silent_with_progress_false_or_short_work(short_delay, capsys):
    model_game(Slow(), torch.randn(1, 4), Columns(range(4)), batch_size=2, target=0,
               progress=False)
    assert "masked forward passes" not in capsys.readouterr().err
    progress.DELAY_S = 30.0  # short work: done long before the bar would appear
    model_game(torch.nn.Linear(4, 2), torch.randn(1, 4), Columns(range(4)), target=0)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("solver", ["fast", "exact"])
def test_and_or_bar_follows_progress(solver, monkeypatch, capsys):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    v = np.random.default_rng(0).normal(size=(3, 16))
    hs.and_or(v, solver=solver)  # default: automatic
    assert "AND-OR split" in capsys.readouterr().err
    hs.and_or(v, solver=solver, progress=False)
    assert "AND-OR split" not in capsys.readouterr().err
