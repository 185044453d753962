"""Shared fixtures: one small report built once per session."""

import sys

import pytest

from harsanyi.report import example_summary, report_from_summary


@pytest.fixture(scope="session")
def small_summary():
    return example_summary(n=5, checkpoints=9, seed=1, tracked=20)


@pytest.fixture(scope="session")
def built_report(tmp_path_factory, small_summary):
    out = tmp_path_factory.mktemp("report") / "rep"
    index = report_from_summary(small_summary, out)
    return index


@pytest.fixture(autouse=True)
def close_pyplot_figures():
    """Figure helpers draw through pyplot once another test imported it: close them after."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
