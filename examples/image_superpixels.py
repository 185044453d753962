"""Explain a small CNN with SLIC superpixels as players, and overlay the top interactions.

Needs the image extra: pip install 'harsanyi[image]' (scikit-image). The CNN learns in a few
seconds on made-up images whose label is "a red square AND a blue disk are both there".
Usage: python examples/image_superpixels.py [out.png]  (HARSANYI_EXAMPLE_QUICK=1: 1 epoch)
"""
# needs: skimage

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from skimage.segmentation import slic

import harsanyi as hs
from harsanyi import plot
from harsanyi.games import Superpixels


def make_images(count: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Grey noisy 32x32 images, with a red square (left half) and a blue disk (right half)
    each present with probability 1/2; label 1 when both are there. Values are centred (grey
    is 0).
    """
    x = 0.5 + 0.05 * rng.standard_normal((count, 3, 32, 32))
    yy, xx = np.mgrid[:32, :32]
    square, disk = rng.random(count) < 0.5, rng.random(count) < 0.5
    for i in range(count):
        if square[i]:
            r, c = rng.integers(4, 22), rng.integers(2, 9)
            x[i, :, r:r + 7, c:c + 7] = np.array([0.9, 0.1, 0.1])[:, None, None]
        if disk[i]:
            r, c = rng.integers(8, 24), rng.integers(20, 26)
            x[i][:, (yy - r) ** 2 + (xx - c) ** 2 <= 16] = np.array([0.1, 0.2, 0.9])[:, None]
    return torch.tensor(x - 0.5, dtype=torch.float32), torch.tensor(square & disk).long()


rng = np.random.default_rng(0)
X, y = make_images(512, rng)
torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveMaxPool2d(1),
    torch.nn.Flatten(), torch.nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(1 if os.environ.get("HARSANYI_EXAMPLE_QUICK") else 8):
    for rows in torch.randperm(len(X)).split(64):
        loss = torch.nn.functional.cross_entropy(model(X[rows]), y[rows])
        opt.zero_grad()
        loss.backward()
        opt.step()
model.eval()

# -- the explanation: SLIC superpixels of one image as players -----------------------------------
image = X[y == 1][:1]                                  # one image with both shapes, (1, 3, H, W)
segments = slic(image[0].permute(1, 2, 0).numpy().astype(np.float64), n_segments=9,
                compactness=0.3, start_label=0, channel_axis=-1, convert2lab=False)  # (H, W)
game = hs.model_game(model, image, Superpixels(segments), baselines="zero", target=1)  # grey
I = hs.and_or(game)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
plot.image(I, image[0], segments, ax=left, title="strongest AND and OR")
plot.bar(I, k=8, ax=right, title="top interactions (log-odds of 'both shapes')")
plt.savefig(sys.argv[1] if len(sys.argv) > 1 else "image_superpixels.png", dpi=120)

print(f"training loss {loss.item():.3f}; {game.n} superpixels; v(N) = {float(game.v_full[0]):+.3f}"
      f"; matching residual {float(I.residual.max()):.1e}")
for kind, players, value in plot.ranked(I, 5):
    print(f"{kind.upper():>3} {' '.join(I.players[i] for i in players):<24} {value:+.3f}")
