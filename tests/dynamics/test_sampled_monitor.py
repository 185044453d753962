"""The monitor with a budget: one design for every checkpoint, resume, union-of-supports refit."""

from __future__ import annotations

import numpy as np
import pytest
from sampled_setup import FACTORY, N, Planted, inputs, save_checkpoints

from harsanyi.dynamics.monitor import Monitor
from harsanyi.errors import BudgetError, DesignMismatchError
from harsanyi.extract.sparse import sparse_and_or
from harsanyi.extract.sparse_result import SparseInteractions
from harsanyi.games.design import SampleDesign
from harsanyi.games.sampled import SampledGame
from harsanyi.loading import find_checkpoints
from harsanyi.store import RunStore, verify_store
from harsanyi.store.sampled import SPARSE_ARRAYS, design_arrays, from_bitmasks, sparse_arrays
from harsanyi.store.union import SampledRunArrays, union_arrays

OPTS = {"targets": [1, 1, 1], "players": "all", "reward": "logit", "q_bound": 0.02,
        "budget": 300, "model": FACTORY, "samples_per_task": 2}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    return save_checkpoints(tmp_path_factory.mktemp("planted") / "ck")


@pytest.fixture(scope="module")
def full_run(checkpoints, tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "run"
    return Monitor(out, inputs(3), **OPTS).run(checkpoints, executor="serial", progress=False)


def _all_arrays(store):
    return {e: store.read(e).arrays for e in store.completed()}


def test_sampled_checkpoints_hold_nothing_of_size_2n(full_run):
    rec = full_run.read(0)
    assert set(rec.arrays) == set(SPARSE_ARRAYS)
    assert rec.arrays["game_values"].shape == (3, 300)
    assert rec.arrays["support"].dtype == np.uint64
    assert max(a.size for a in rec.arrays.values()) < 2**N
    assert verify_store(full_run.path).ok  # checksums of the uint64/bool arrays hold
    top = full_run.read_interactions(3).get_top_k(3, sample=0)
    assert {(k, t) for k, t, _ in top} == {("and", (0, 4)), ("and", (3, 7)), ("or", (1, 2, 9))}


def test_same_design_fingerprint_at_every_checkpoint(full_run):
    fp = full_run.config["sampling"]["fingerprint"]
    assert fp == SampleDesign.build(N, 300, seed=0).fingerprint
    assert full_run.design().fingerprint == fp
    for e in full_run.completed():
        assert full_run.read(e).attrs["metadata"]["design"]["fingerprint"] == fp


def test_interrupted_run_resumes_to_the_same_result(checkpoints, full_run, tmp_path):
    out = tmp_path / "run"
    cks = find_checkpoints(checkpoints)
    Monitor(out, inputs(3), **OPTS).run(cks[:2], executor="serial", progress=False)
    assert RunStore.open(out).completed() == [0, 1]
    (out / ".partial" / "000002-1-dead").mkdir(parents=True)  # a write killed half-way
    store = Monitor(out, inputs(3), resume=True, **OPTS).run(checkpoints, executor="serial",
                                                          progress=False)
    assert store.completed() == [0, 1, 2, 3]
    got, want = _all_arrays(store), _all_arrays(full_run)
    for e in want:
        for k in want[e]:
            np.testing.assert_array_equal(got[e][k], want[e][k], err_msg=f"{e}/{k}")
    a, b = store.arrays(), full_run.arrays()
    np.testing.assert_array_equal(a.curves, b.curves)
    np.testing.assert_array_equal(a.support, b.support)


def test_resume_with_another_design_is_refused(checkpoints, full_run, tmp_path):
    out = tmp_path / "run"
    Monitor(out, inputs(3), **OPTS).run(find_checkpoints(checkpoints)[:1], executor="serial",
                                        progress=False)
    with pytest.raises(DesignMismatchError, match=r"seed 0.*seed 5"):
        Monitor(out, inputs(3), resume=True, **{**OPTS, "design_seed": 5}).store  # noqa: B018
    with pytest.raises(DesignMismatchError, match="no budget"):
        Monitor(out, inputs(3), resume=True, **{**OPTS, "budget": None}).store  # noqa: B018


def test_budget_below_the_minimum_names_it(tmp_path):
    with pytest.raises(BudgetError, match="minimum of 82"):
        Monitor(tmp_path / "run", inputs(3), **{**OPTS, "budget": 50})


def sampled_store(path, n: int, seed: int) -> tuple[RunStore, SampleDesign, list[str]]:
    """An empty sampled run store of ``n`` players with a 400-mask design."""
    design = SampleDesign.build(n, 400, seed=seed)
    players = [f"x{i}" for i in range(n)]
    store = RunStore.create(path, {"sampling": design.describe()}, players=players)
    for name, data in design_arrays(design).items():
        store.write_array(name, data)
    return store, design, players


def test_union_refit_recovers_an_atom_one_checkpoint_dropped(tmp_path):
    store, design, players = sampled_store(tmp_path / "run", 20, seed=2)
    for t, w in enumerate([1.0, 1.2, 1.4]):
        game = SampledGame.from_function(
            lambda m, w=w: w * (1.5 * (m[:, 3] & m[:, 7]) + 0.7 * (m[:, 2] & m[:, 5])
                                - (m[:, 1] | m[:, 9])), design, players)
        res = sparse_and_or(SampledGame(game.values[None], design, players), q_bound=0.0)
        if t == 1:  # this checkpoint's extraction dropped AND{2,5}
            keep = ~((res.support[:, 2] & res.support[:, 5]) & ~res.is_or)
            res = SparseInteractions(res.support[keep], res.is_or[keep],
                                     res.values[..., keep], res.intercept, res.residual,
                                     res.holdout_r2, res.holdout_error, players, res.metadata)
        store.write_checkpoint(t, sparse_arrays(res, game.values[None]), {"metadata": {}})
    arr = store.arrays()
    assert isinstance(arr, SampledRunArrays)
    j = int(np.flatnonzero(arr.rows[:, 2] & arr.rows[:, 5] & ~arr.is_or)[0])
    assert arr.found[1, 0, j] == 0.0  # the false zero of checkpoint 1 ...
    np.testing.assert_allclose(arr.curves[:, 0, j], [0.7, 0.84, 0.98], atol=1e-9)  # ... refitted
    assert arr.in_union[0, j]


def test_union_leaves_out_atoms_below_the_salient_ratio_everywhere(tmp_path):
    n = 16
    store, design, players = sampled_store(tmp_path / "run", n, seed=3)
    for t, w in enumerate([1.0, 1.5]):
        game = SampledGame.from_function(
            lambda m, w=w: w * (2.0 * (m[:, 3] & m[:, 7]) + 0.02 * m[:, 11]
                                + 0.3 * (m[:, 2] & m[:, 5])), design, players)
        res = sparse_and_or(SampledGame(game.values[None], design, players), q_bound=0.0)
        store.write_checkpoint(t, sparse_arrays(res, game.values[None]), {"metadata": {}})
    arr = store.arrays()
    in_union = {tuple(np.flatnonzero(r)) for r in arr.rows[arr.in_union[0]]}
    assert (3, 7) in in_union and (2, 5) in in_union  # 0.3 / 2.0 = 15% of the largest
    assert (11,) not in in_union  # 0.02 / 2.0 = 1% at every checkpoint
    every = union_arrays(store, [0, 1], salient=0.0)
    rows = from_bitmasks(every["support"][every["in_union"][0]], n)
    assert (11,) in {tuple(np.flatnonzero(r)) for r in rows}


def test_callback_use_with_a_budget_returns_sparse_results(tmp_path):
    mon = Monitor(tmp_path / "run", inputs(2), targets=[1, 1], players="all", reward="logit",
                  q_bound=0.02, budget=300, samples_per_task=1)
    net = Planted()
    first = mon.on_epoch_end(net, 0, train_loss=1.0, test_loss=1.1)
    assert isinstance(first, SparseInteractions) and first.values.shape[0] == 2
    assert mon.on_epoch_end(net, 0).get_top_k(1, sample=0) == first.get_top_k(1, sample=0)
    assert mon.refit_union() is not None and mon.store.arrays().epochs.tolist() == [0]


def test_sampled_monitor_runs_the_canonical_split(checkpoints, tmp_path):
    opts = {**OPTS, "solver_options": {"selection": "canonical", "epsilon": 0.01}}
    store = Monitor(tmp_path / "run", inputs(3), **opts).run(checkpoints, executor="serial",
                                                          progress=False)
    meta = store.read(0).attrs["metadata"]
    assert meta["selection"] == "canonical" and meta["order_weight"] == 2.0
    assert store.config["solver_options"] == {"selection": "canonical", "epsilon": 0.01,
                                              "order_weight": 2.0}
    assert all(i["selection"] == "canonical" and i["objective"] <= 1.01 * i["lp_optimum"] + 1e-9
               for i in meta["selection_info"])


def test_a_sampled_run_records_the_order_weight_it_was_given(tmp_path):
    opts = {**OPTS, "solver_options": {"selection": "canonical", "order_weight": 0}}
    mon = Monitor(tmp_path / "run", inputs(3), **opts)
    assert mon.spec.solver_options == {"selection": "canonical", "epsilon": 0.01,
                                       "order_weight": 0.0}
    assert mon.spec.split_options(sampled=True)["order_weight"] == 0.0
    # a sampled canonical run stored before the option existed used the plain norm
    mon.spec.solver_options = {"selection": "canonical", "epsilon": 0.01}
    assert mon.spec.split_options(sampled=True)["order_weight"] == 0.0


def test_a_canonical_run_stored_before_the_order_weight_resumes_with_the_plain_norm(
        checkpoints, tmp_path):
    out, cks = tmp_path / "run", find_checkpoints(checkpoints)
    legacy = Monitor(out, inputs(3), **{**OPTS, "solver_options": {"selection": "canonical"}})
    legacy.spec.solver_options = {"selection": "canonical", "epsilon": 0.01}  # no order_weight
    legacy.run(cks[:1], executor="serial", progress=False)
    assert legacy.store.read(0).attrs["metadata"]["order_weight"] == 0.0
    legacy.close()
    with pytest.warns(UserWarning, match="stored with the canonical split and continues"):
        store = Monitor(out, inputs(3), resume=True, **OPTS).run(cks[:2], executor="serial",
                                                                 progress=False)
    assert store.config["solver_options"] == {"selection": "canonical", "epsilon": 0.01}
    assert store.read(1).attrs["metadata"]["order_weight"] == 0.0
