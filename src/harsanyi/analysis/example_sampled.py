"""A tiny planted sampled run store for examples and tests: :func:`example_sampled_store`."""

from __future__ import annotations

import tempfile

import numpy as np

from harsanyi.extract.sparse import sparse_and_or
from harsanyi.games.design import SampleDesign
from harsanyi.games.sampled import SampledGame
from harsanyi.store import RunStore
from harsanyi.store.sampled import design_arrays, sparse_arrays

__all__ = ["PLANTED_GROUPS", "example_sampled_store"]

#: The planted atoms of :func:`example_sampled_store` and the group each one's curve is in.
PLANTED_GROUPS = {("and", (3, 7)): "reliable", ("or", (1, 2, 9)): "forgotten",
                  ("and", (0, 4)): "betraying"}


def example_sampled_store(n: int = 16, checkpoints: int = 6, budget: int = 300) -> RunStore:
    """Build a planted sampled run store (2 train samples) in a temporary folder.

    At checkpoint ``t`` (``s = t / (K − 1)``) each sample's game is
    ``v(x_S) = (1 − e^{−4s})·1.5·AND{3,7} − e^{−4s}·OR{1,2,9} + cos(πs)·AND{0,4}`` (the
    second sample scaled by 1.2), extracted on the design's masks with
    :func:`~harsanyi.extract.sparse.sparse_and_or` and stored as a sampled run would be.

    >>> st = example_sampled_store()
    >>> st.sampled, st.completed(), st.config["sampling"]["m"]
    (True, [0, 1, 2, 3, 4, 5], 300)
    """
    design = SampleDesign.build(n, budget, seed=0)
    players = [f"p{i}" for i in range(n)]
    st = RunStore.create(tempfile.mkdtemp() + "/run", {"sampling": design.describe(),
                                                        "q_bound": 0.0},
                         players=players, samples={"split": ["train", "train"]})
    for name, data in design_arrays(design).items():
        st.write_array(name, data)
    m = design.masks
    for t in range(checkpoints):
        s = t / max(checkpoints - 1, 1)
        one = ((1 - np.exp(-4 * s)) * 1.5 * (m[:, 3] & m[:, 7])
               - np.exp(-4 * s) * (m[:, 1] | m[:, 2] | m[:, 9])
               + np.cos(np.pi * s) * (m[:, 0] & m[:, 4]))
        game = SampledGame(np.stack([one, 1.2 * one]), design, players)
        res = sparse_and_or(game, q_bound=0.0)
        st.write_checkpoint(t, sparse_arrays(res, game.values),
                            {"train_loss": 1 / (1 + t), "test_loss": 1 / (1 + t) + 0.05 * t,
                             "metadata": {"max_order": res.metadata["max_order"],
                                          "design": design.describe(),
                                          "certificate": res.metadata["certificate"]}})
    return st
