"""Fully connected nets: MLP-5 and MLP-8 of the interaction papers (Ren et al. 2023b).

An ``MLP-L`` has ``L`` linear layers: ``L - 1`` hidden layers of ``width`` units, each followed
by a ReLU, then a linear output layer. The papers use width 100 on tabular data (paper C, settings).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MLP", "mlp5", "mlp8"]


class MLP(nn.Module):
    """``n_layers`` linear layers, ReLU between them: ``f(x) = W_L σ(... σ(W_1 x + b_1)) + b_L``.

    The module ``feature`` (an ``nn.Identity``) sits after the hidden layer at about half depth
    (after ``n_layers // 2`` linear layers), so a forward hook on it reads the intermediate
    feature ``f`` used by the training-dynamics monitor; ``feature_layer`` names it.

    Parameters
    ----------
    in_features : number of input features.
    n_classes : number of outputs (logits).
    n_layers : number of linear layers (5 for MLP-5, 8 for MLP-8), at least 2.
    width : hidden units per layer.
    batch_norm : add ``BatchNorm1d`` after each hidden linear layer (off in the papers).

    Example
    -------
    >>> net = MLP(in_features=6, n_classes=3, n_layers=5, width=8)
    >>> net(torch.zeros(4, 6)).shape
    torch.Size([4, 3])
    >>> sum(isinstance(m, nn.Linear) for m in net.modules())
    5
    """

    feature_layer = "feature"

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        n_layers: int = 5,
        width: int = 100,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if n_layers < 2:
            raise ValueError(f"an MLP needs at least 2 linear layers, got n_layers={n_layers}")
        if in_features < 1 or n_classes < 1 or width < 1:
            raise ValueError(
                f"in_features, n_classes and width must be >= 1, got {in_features}, "
                f"{n_classes}, {width}"
            )
        self.in_features, self.n_classes = in_features, n_classes
        self.n_layers, self.width = n_layers, width
        split = n_layers // 2
        blocks: list[nn.Module] = []
        dims = [in_features] + [width] * (n_layers - 1)
        for i in range(n_layers - 1):
            blocks.append(nn.Linear(dims[i], dims[i + 1]))
            if batch_norm:
                blocks.append(nn.BatchNorm1d(dims[i + 1]))
            blocks.append(nn.ReLU())
            if i + 1 == split:
                blocks.append(nn.Identity())
        # ``body`` runs up to the feature; ``head`` from the feature to the logits.
        cut = next(j for j, b in enumerate(blocks) if isinstance(b, nn.Identity))
        self.body = nn.Sequential(*blocks[:cut])
        self.feature = blocks[cut]
        self.head = nn.Sequential(*blocks[cut + 1 :], nn.Linear(width, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, n_classes)`` of inputs ``(B, in_features)`` (extra dims are flattened)."""
        if x.dim() > 2:
            x = x.flatten(1)
        return self.head(self.feature(self.body(x)))


def mlp5(in_features: int, n_classes: int, width: int = 100, batch_norm: bool = False) -> MLP:
    """MLP-5: five linear layers of ``width`` (default 100) units with ReLU.

    >>> mlp5(30, 2)(torch.zeros(1, 30)).shape
    torch.Size([1, 2])
    """
    return MLP(in_features, n_classes, n_layers=5, width=width, batch_norm=batch_norm)


def mlp8(in_features: int, n_classes: int, width: int = 100, batch_norm: bool = False) -> MLP:
    """MLP-8: eight linear layers of ``width`` (default 100) units with ReLU.

    >>> mlp8(30, 2)(torch.zeros(1, 30)).shape
    torch.Size([1, 2])
    """
    return MLP(in_features, n_classes, n_layers=8, width=width, batch_norm=batch_norm)
