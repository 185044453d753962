"""Small real torch models shared by the games tests (imported as games_models)."""

from __future__ import annotations

import torch
from torch import nn


def mlp(in_features: int = 6, n_classes: int = 3, dtype: torch.dtype = torch.float32) -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(in_features, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(),
        nn.Linear(32, n_classes),
    )
    return net.to(dtype).eval().requires_grad_(False)


def cnn(dtype: torch.dtype = torch.float32) -> nn.Module:
    torch.manual_seed(1)
    net = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(),
        nn.Conv2d(6, 6, 3, padding=1, stride=2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(24, 4),
    )
    return net.to(dtype).eval().requires_grad_(False)


class TinyText(nn.Module):
    """Embedding + mean pooling + linear: called with input_ids or inputs_embeds."""

    def __init__(self, vocab: int = 20, dim: int = 5, n_classes: int = 2) -> None:
        super().__init__()
        torch.manual_seed(2)
        self.emb = nn.Embedding(vocab, dim)
        self.mix = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, n_classes)

    def get_input_embeddings(self) -> nn.Module:
        return self.emb

    def forward(self, input_ids=None, inputs_embeds=None):
        if inputs_embeds is None:
            inputs_embeds = self.emb(input_ids)
        h = torch.tanh(self.mix(inputs_embeds))
        return self.head(h.prod(dim=1) + h.mean(dim=1))


class PointNetLite(nn.Module):
    """Per-point MLP + max pooling on point clouds (B, 3, P)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.point = nn.Sequential(nn.Conv1d(3, 16, 1), nn.ReLU(), nn.Conv1d(16, 16, 1))
        self.head = nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.point(x).max(dim=-1).values)
