"""Small-image conv nets: ResNet-20 (He et al. 2016, CIFAR variant) and VGG-11.

Both take ``(B, in_channels, image_size, image_size)`` images of any size from 8×8 (sklearn
digits) to 32×32 (CIFAR-10), end in global average pooling, and scale their channel counts by a
``width`` multiplier so that they train on a CPU. Each has an ``nn.Identity`` called
``feature`` at about half depth (``feature_layer``) for feature hooks.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["VGG11", "ResNet20", "resnet20", "vgg11"]

#: VGG-11 ("configuration A"): conv widths, "M" = 2×2 max-pool.
VGG11_CONFIG: tuple[int | str, ...] = (
    64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"
)


def _scaled(channels: int, width: float) -> int:
    return max(1, round(channels * width))


def _check_image_args(in_channels: int, image_size: int, n_classes: int, width: float) -> None:
    if in_channels < 1 or image_size < 1 or n_classes < 1:
        raise ValueError(
            f"in_channels, image_size and n_classes must be >= 1, got {in_channels}, "
            f"{image_size}, {n_classes}"
        )
    if not width > 0:
        raise ValueError(f"width must be a positive multiplier, got {width}")


class _BasicBlock(nn.Module):
    """Two 3×3 convs with batch norm and an identity (or 1×1 projection) shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet20(nn.Module):
    """ResNet-20 for small images.

    ResNet-20 for small images: a 3×3 stem, three stages of three basic blocks with
    ``16·w, 32·w, 64·w`` channels (strides 1, 2, 2), global average pooling, a linear layer.

    That is ``1 + 3·3·2 + 1 = 20`` weight layers. ``feature`` is the output of stage 2.

    Example
    -------
    >>> net = ResNet20(in_channels=1, n_classes=10, width=0.5)
    >>> net(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """

    feature_layer = "feature"

    def __init__(
        self, in_channels: int = 3, n_classes: int = 10, width: float = 1.0, image_size: int = 32
    ) -> None:
        super().__init__()
        _check_image_args(in_channels, image_size, n_classes, width)
        self.in_channels, self.n_classes, self.image_size = in_channels, n_classes, image_size
        c1, c2, c3 = (_scaled(c, width) for c in (16, 32, 64))
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, padding=1, bias=False), nn.BatchNorm2d(c1), nn.ReLU()
        )
        self.stage1 = self._stage(c1, c1, 1)
        self.stage2 = self._stage(c1, c2, 2)
        self.feature = nn.Identity()
        self.stage3 = self._stage(c2, c3, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c3, n_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    @staticmethod
    def _stage(c_in: int, c_out: int, stride: int) -> nn.Sequential:
        return nn.Sequential(
            _BasicBlock(c_in, c_out, stride),
            _BasicBlock(c_out, c_out, 1),
            _BasicBlock(c_out, c_out, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, n_classes)`` of images ``(B, C, H, W)``."""
        x = self.feature(self.stage2(self.stage1(self.stem(x))))
        return self.fc(self.pool(self.stage3(x)).flatten(1))


class VGG11(nn.Module):
    """VGG-11 (configuration A) for small images.

    VGG-11 (configuration A): 8 conv layers (3×3, ReLU, optional batch norm) with 5 max-pools,
    then 3 linear layers (``hidden`` units, ReLU), i.e. 11 weight layers.

    Channel counts are ``64·w, 128·w, 256·w, 512·w``; ``hidden`` defaults to ``512·w``. A
    max-pool is skipped once the feature map is 1×1, so 8×8 digits work; a global average pool
    before the classifier makes the input size free. ``feature`` follows the 4th conv.

    Example
    -------
    >>> net = VGG11(in_channels=1, n_classes=10, width=0.125, image_size=8)
    >>> net(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """

    feature_layer = "feature"

    def __init__(
        self,
        in_channels: int = 3,
        n_classes: int = 10,
        width: float = 0.25,
        image_size: int = 32,
        batch_norm: bool = True,
        hidden: int | None = None,
    ) -> None:
        super().__init__()
        _check_image_args(in_channels, image_size, n_classes, width)
        self.in_channels, self.n_classes, self.image_size = in_channels, n_classes, image_size
        before: list[nn.Module] = []
        after: list[nn.Module] = []
        layers, c_in, size, n_conv = before, in_channels, image_size, 0
        for item in VGG11_CONFIG:
            if item == "M":
                if size >= 2:
                    layers.append(nn.MaxPool2d(2))
                    size //= 2
                continue
            c_out = _scaled(int(item), width)
            layers.append(nn.Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(nn.ReLU())
            c_in, n_conv = c_out, n_conv + 1
            if n_conv == 4:
                layers = after
        self.features = nn.Sequential(*before)
        self.feature = nn.Identity()
        self.features2 = nn.Sequential(*after)
        self.pool = nn.AdaptiveAvgPool2d(1)
        h = hidden if hidden is not None else _scaled(512, width)
        self.classifier = nn.Sequential(
            nn.Linear(c_in, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, n_classes)
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, n_classes)`` of images ``(B, C, H, W)``."""
        x = self.features2(self.feature(self.features(x)))
        return self.classifier(self.pool(x).flatten(1))


def resnet20(
    in_channels: int = 3, n_classes: int = 10, width: float = 1.0, image_size: int = 32
) -> ResNet20:
    """ResNet-20 (see :class:`ResNet20`).

    >>> resnet20(3, 10, width=0.25)(torch.zeros(1, 3, 32, 32)).shape
    torch.Size([1, 10])
    """
    return ResNet20(in_channels, n_classes, width=width, image_size=image_size)


def vgg11(
    in_channels: int = 3,
    n_classes: int = 10,
    width: float = 0.25,
    image_size: int = 32,
    batch_norm: bool = True,
    hidden: int | None = None,
) -> VGG11:
    """VGG-11 (see :class:`VGG11`).

    >>> vgg11(1, 10, width=0.125, image_size=28).eval()(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 10])
    """
    return VGG11(in_channels, n_classes, width=width, image_size=image_size,
                 batch_norm=batch_norm, hidden=hidden)
