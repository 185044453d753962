"""From harsanyi to shapiq: exact Shapley values and k-SII of a model, drawn by shapiq.

Needs the optional extra: pip install "harsanyi[shapiq]". Writes shapiq_upset.png and
shapiq_force.png to the current folder, or to the folder given as the first argument (or to
the folder of a .png path given there).
"""
# needs: shapiq

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import shapiq
import torch
from shapiq.game_theory.moebius_converter import MoebiusConverter

import harsanyi as hs
from harsanyi.extract.indices import k_sii, shapley_values

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
out = out.parent if out.suffix == ".png" else out
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
x = torch.randn(1, 6)
names = ["age", "dose", "weight", "height", "pulse", "sugar"]

players = hs.games.Columns(range(6), names=names)
game = hs.model_game(model.eval(), x, players=players, baselines="zero")
I = hs.and_or(game, q_bound=0.02)[0]         # the sparse AND-OR split of v (+ q), sample 0

moebius = I.to_shapiq()                      # shapiq InteractionValues, index "Moebius"
to_index = MoebiusConverter(moebius)
sv, ksii = to_index("SV", order=1), to_index("k-SII", order=2)
ours = shapley_values(I)                     # the same numbers, computed here
assert np.allclose([sv[(i,)] for i in range(6)], ours)
assert np.isclose(ksii[(0, 1)], k_sii(I, 2)[0b11])

shapiq.plot.upset_plot(ksii, feature_names=names, n_interactions=10)
matplotlib.pyplot.savefig(out / "shapiq_upset.png", dpi=80, bbox_inches="tight")
shapiq.plot.force_plot(sv, feature_names=np.array(names))
matplotlib.pyplot.savefig(out / "shapiq_force.png", dpi=80, bbox_inches="tight")
print("Shapley values:", dict(zip(names, ours.round(4).tolist(), strict=True)))
print("top AND-OR terms:", I.get_top_k(3, names=True))
