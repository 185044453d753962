"""A small PointNet (Qi et al. 2017) for point clouds ``(B, P, 3)``, without the T-nets."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from harsanyi.errors import ShapeError

__all__ = ["PointNet", "pointnet"]


class PointNet(nn.Module):
    """PointNet classifier: a shared per-point MLP, a max over points, an MLP head.

    Shared per-point MLP (1×1 convs ``point_dims``, batch norm, ReLU), max over points,
    then an MLP (``head_dims``, ReLU) to the logits: ``f(X) = g(max_p h(x_p))``.

    The max over points makes the output invariant to the order of the points. ``feature`` is
    the global (max-pooled) feature ``(B, point_dims[-1])``. The input and feature transform
    nets (T-nets) of the original PointNet are left out to keep it small.

    Example
    -------
    >>> net = PointNet(n_classes=4, point_dims=(8, 16), head_dims=(8,)).eval()
    >>> x = torch.randn(2, 50, 3)
    >>> net(x).shape
    torch.Size([2, 4])
    >>> bool(torch.allclose(net(x), net(x[:, torch.randperm(50)]), atol=1e-6))
    True
    """

    feature_layer = "feature"

    def __init__(
        self,
        n_classes: int = 16,
        in_dim: int = 3,
        point_dims: Sequence[int] = (64, 64, 128),
        head_dims: Sequence[int] = (128, 64),
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        if n_classes < 1 or in_dim < 1 or not point_dims:
            raise ValueError("n_classes and in_dim must be >= 1 and point_dims non-empty")
        self.n_classes, self.in_dim = n_classes, in_dim
        layers: list[nn.Module] = []
        c = in_dim
        for d in point_dims:
            layers.append(nn.Conv1d(c, d, 1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm1d(d))
            layers.append(nn.ReLU())
            c = d
        self.point_mlp = nn.Sequential(*layers)
        self.feature = nn.Identity()
        head: list[nn.Module] = []
        for d in head_dims:
            head += [nn.Linear(c, d), nn.ReLU()]
            c = d
        head.append(nn.Linear(c, n_classes))
        self.head = nn.Sequential(*head)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, n_classes)`` of point clouds ``(B, P, in_dim)``."""
        if points.dim() != 3 or points.shape[-1] != self.in_dim:
            raise ShapeError(
                f"PointNet expects points of shape (batch, n_points, {self.in_dim}), "
                f"got {tuple(points.shape)}"
            )
        h = self.point_mlp(points.transpose(1, 2))  # (B, C, P)
        return self.head(self.feature(h.amax(dim=-1)))


def pointnet(n_classes: int = 16, **kw: object) -> PointNet:
    """Small PointNet (see :class:`PointNet`).

    >>> pointnet(5)(torch.randn(3, 20, 3)).shape
    torch.Size([3, 5])
    """
    return PointNet(n_classes, **kw)  # type: ignore[arg-type]
