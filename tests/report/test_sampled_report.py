"""The report of a sampled run: its own section, the union curves, skipped sections."""

from __future__ import annotations

import numpy as np

from harsanyi.analysis.example_sampled import example_sampled_store
from harsanyi.report import report_from_summary
from harsanyi.report.sections import sections_from_summary
from harsanyi.workflows.demo_analysis import load_summary, report_from_run
from harsanyi.workflows.sampled_report import sampled_summary


def test_sampled_summary_and_sections():
    store = example_sampled_store()
    s = sampled_summary(store)
    assert s.sampled is not None and s.sampled.masks == 300
    assert s.sampled.holdout_r2.shape == (6, 2) and np.all(s.sampled.holdout_r2 > 0.99)
    assert s.groups is not None and s.groups.counts()["betraying"] == 2
    assert set(s.top_interactions["epoch"]) == set(range(6))
    secs = sections_from_summary(s)
    assert [x.id for x in secs] == ["dynamics", "sampled", "theory", "groups",
                                    "generalization", "faithfulness", "top-interactions"]
    by_id = {x.id: x for x in secs}
    for sid in ("theory", "generalization", "faithfulness"):
        assert by_id[sid].missing[0].startswith("Skipped: this run is sampled (300 masks")
        assert not by_id[sid].figures
    assert by_id["sampled"].tables[0].frame["holdout_r2_median"].size == 6


def test_report_of_a_sampled_run(tmp_path):
    store = example_sampled_store()
    assert load_summary(store.path).sampled is not None
    html = report_from_run(store.path, tmp_path / "rep").read_text()
    assert "Sampled run: 300 masks per sample and checkpoint" in html
    assert "never all 2^n masks" in html  # what the certificate covers
    assert "every atom of order &lt;= " in html or "every atom of order <= " in html
    assert "The atoms come from the vertex split of each checkpoint" in html
    assert "No two-phase theory fit yet" not in html
    s = sampled_summary(store)
    s.sampled = None  # the same summary without the sampled part renders as a plain run
    assert "Sampled run" not in report_from_summary(s, tmp_path / "plain").read_text()
