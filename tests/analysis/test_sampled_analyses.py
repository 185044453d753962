"""Analyses of a sampled run: five groups and tracking on union curves, the others refused."""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi import analysis as an
from harsanyi.analysis.example_sampled import PLANTED_GROUPS, example_sampled_store
from harsanyi.errors import SampledRunError
from harsanyi.store.union import SampledRunArrays


@pytest.fixture(scope="module")
def store():
    return example_sampled_store()


def test_arrays_are_union_curves_without_2n(store):
    arr = store.arrays()
    assert isinstance(arr, SampledRunArrays)
    assert arr.curves.shape == (6, 2, arr.support.size) and arr.support.size == 3
    assert max(a.size for a in (arr.curves, arr.found, arr.in_union)) < 2**store.n
    assert arr.select("train").curves.shape == arr.curves.shape


def test_five_groups_on_union_curves_find_the_planted_groups(store):
    res = an.sampled_groups(store.arrays(), k=10)
    assert res.labels.shape == (2, 3)
    for b in range(2):
        got = {(("or" if res.kinds[b, r] else "and"),
                tuple(i for i in range(16) if int(res.masks[b, r]) >> i & 1)): res.labels[b, r]
               for r in range(3)}
        assert got == PLANTED_GROUPS
    rec = an.groups_record(res, store.players)
    assert rec.curves.shape == (6, 6) and "x0: AND p3 & p7" in rec.names.tolist()


def test_analyse_run_skips_what_needs_2n_and_says_why(store):
    res = an.analyse_run(store, top_k=5)
    assert res.groups is not None and res.tracking is not None
    assert res.phases is None and res.fit is None and res.faithfulness is None
    skipped = [x for x in res.notes if x.startswith("Skipped:")]
    assert len(skipped) == 5 and all("sampled run" in x for x in skipped)
    assert "union-of-supports refit" in res.tracking.finding()
    with pytest.raises(SampledRunError, match="needs all 2\\*\\*n"):
        an.analyse_phases(store.arrays())
    with pytest.raises(SampledRunError, match="sampled run"):
        an.analyse_tracking(store.arrays())


def test_top_table_by_checkpoint(store):
    top = an.sampled_top_table(store.arrays(), top_k=2, samples=1)
    assert sorted(set(top["epoch"])) == list(range(6))
    first = top[top["epoch"] == 5].iloc[0]
    assert first["players"] == "p3 & p7" and np.isclose(first["value"], 1.5 * (1 - np.exp(-4)))


def test_theory_groups_command_runs_on_a_sampled_store(store):
    from typer.testing import CliRunner

    from harsanyi.cli import app

    res = CliRunner().invoke(app, ["theory", "groups", str(store.path), "--k", "3"])
    assert res.exit_code == 0, res.output
    assert "betraying" in res.output
