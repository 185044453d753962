"""A planted model for the sampled-monitor tests: its logit is a known AND-OR game.

With zero baselines and inputs of ones, ``x_S`` is the indicator of ``S``; the model's logit
of class 1 is ``w · (1.5·AND{3,7} − OR{1,2,9} + 0.8·x_5 + drift·AND{0,4})``, so that the game
``v(x_S)`` (reward ``"logit"``, target 1) has that sparse AND-OR split, scaled by the
checkpoint's weight ``w`` and with an atom that grows with ``drift``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from harsanyi.loading import FactorySpec

N = 20


class Planted(nn.Module):
    """Logits ``(0, g(x))`` of the planted game; ``w`` and ``drift`` are its parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(1.0))
        self.drift = nn.Parameter(torch.tensor(0.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = (1.5 * x[:, 3] * x[:, 7] - (1 - (1 - x[:, 1]) * (1 - x[:, 2]) * (1 - x[:, 9]))
             + 0.8 * x[:, 5] + self.drift * x[:, 0] * x[:, 4])
        return torch.stack([torch.zeros_like(g), self.w * g], dim=1)


def planted() -> Planted:
    """The factory the monitor rebuilds the model from."""
    return Planted()


FACTORY = FactorySpec(f"{Path(__file__).resolve()}:planted")


def save_checkpoints(folder: Path, count: int = 4) -> Path:
    """``epoch_<t>.pt`` with ``w = 1 + t/4`` and ``drift = 0.5 t`` (the AND{0,4} atom grows)."""
    folder.mkdir(parents=True, exist_ok=True)
    for t in range(count):
        net = Planted()
        with torch.no_grad():
            net.w.fill_(1.0 + t / 4)
            net.drift.fill_(0.5 * t)
        torch.save(net.state_dict(), folder / f"epoch_{t}.pt")
    return folder


def inputs(samples: int = 3) -> np.ndarray:
    """``samples`` inputs of ones (``N`` features): every sample has the same planted game."""
    return np.ones((samples, N), np.float32)
