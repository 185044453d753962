"""End to end: ``model_game`` + ``and_or`` versus the bare forward passes over the 2^n masks.

Usage: python benchmarks/end_to_end.py [--model tiny,resnet20] [--samples 4] [--n 10]
                                       [--batch-size 512] [--device cpu] [--repeat 3]
                                       [--solver fast] [--selection auto]

A small CNN on 3×32×32 images (10 classes, untrained) with ``n`` random patches of an 8×8 grid
(central 6×6 region): ``--model tiny`` (2 conv layers, 16 and 32 channels: its forwards are so
cheap that the split dominates) or ``--model resnet20`` (the papers' CIFAR-10 ResNet-20, 0.27 M
parameters, from :mod:`harsanyi.zoo`). "bare forward" runs the model alone over all
``samples · 2^n`` masked images, built beforehand, in batches of the same size: the floor any
implementation pays. The target is ``total / bare ≤ 1.3``. Best of ``--repeat`` runs; other
processes on the machine add noise, so read the ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_time

import harsanyi as hs
from harsanyi.core.orders import masks_matrix
from harsanyi.games import Patches, model_game, owner_map


def small_cnn(name: str = "tiny") -> nn.Module:
    """The benchmark model, in eval mode, seeded."""
    torch.manual_seed(0)
    if name == "resnet20":
        from harsanyi.zoo import get_model

        return get_model("resnet20", seed=0).eval()
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1, stride=2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10),
    ).eval()


def build_all_masked(x: torch.Tensor, players: Patches) -> torch.Tensor:
    """Every masked image ``(B · 2^n, 3, 32, 32)`` (zero baseline, other cells masked)."""
    n = players.n
    owner = torch.as_tensor(owner_map(players, tuple(x.shape[1:])))
    bits = torch.as_tensor(masks_matrix(n))
    bits = torch.cat([bits, torch.zeros(2**n, 1, dtype=torch.bool)], dim=1)
    present = bits[:, torch.where(owner < 0, n, owner)]  # (2^n, 3, 32, 32)
    return torch.cat([torch.where(present, xb, torch.zeros(())) for xb in x])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="tiny,resnet20",
                    help="comma-separated: tiny, resnet20 (default both)")
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--solver", default="fast")
    ap.add_argument("--selection", default="auto",
                    help="auto (the default of and_or: canonical at n <= 12) or vertex")
    args = ap.parse_args()
    for name in args.model.split(","):
        if name not in ("tiny", "resnet20"):
            ap.error(f"unknown model {name!r}: choose tiny or resnet20")
        run(name, args)


def run(name: str, args: argparse.Namespace) -> None:
    """Time one model and print its table."""
    device = torch.device(args.device)
    net = small_cnn(name).to(device)
    x = torch.randn(args.samples, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    x = x.to(device)
    players = Patches.random(args.n, grid=8, region=6, seed=0)
    bs = args.batch_size

    masked = build_all_masked(x, players)

    def bare() -> None:
        with torch.inference_mode():
            for start in range(0, len(masked), bs):
                net(masked[start:start + bs])
        if device.type == "cuda":
            torch.cuda.synchronize()

    def game() -> hs.Game:
        return model_game(net, x, players, batch_size=bs)

    t_bare = best_time(bare, repeat=args.repeat, min_time=0.0)
    t_game = best_time(game, repeat=args.repeat, min_time=0.0)
    g = game()
    t0 = time.perf_counter()
    mob = hs.mobius(g)
    t_mobius = time.perf_counter() - t0
    t_split = best_time(lambda: hs.and_or(g, solver=args.solver, selection=args.selection),
                        repeat=args.repeat, min_time=0.0)
    split = hs.and_or(g, solver=args.solver, selection=args.selection)
    split_residual = float(np.max(split.residual))

    rows = [
        ("bare forward (prebuilt masked inputs)", t_bare),
        ("model_game (masks + forward + reward)", t_game),
        ("mobius (AND only)", t_mobius),
        (f"and_or (solver={args.solver}, {split.metadata['selection']} split)", t_split),
        ("total = model_game + and_or", t_game + t_split),
    ]
    print(f"# {name}: {args.samples} samples x 2^{args.n} masks, batch {bs}, "
          f"device {device}, torch threads {torch.get_num_threads()}")
    print(f"{'stage':<42} {'time (s)':>9} {'/ bare':>7}")
    for label, t in rows:
        print(f"{label:<42} {t:9.3f} {t / t_bare:7.2f}")
    print(f"# matching residual: mobius {float(np.max(mob.residual)):.1e}, "
          f"and_or {split_residual:.1e}\n")


if __name__ == "__main__":
    main()
