"""The report builder: files written, self-contained page, folder safety, missing notes."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from harsanyi.report import (
    MARKER,
    ReportFigure,
    ReportFolderError,
    ReportTable,
    RunSummary,
    Section,
    build_report,
    is_report_folder,
    report_from_summary,
    sections_from_summary,
)
from harsanyi.report.figures import plot_losses, plot_sigma2
from harsanyi.report.html import render_text

SECTION_IDS = ["dynamics", "theory", "groups", "generalization", "faithfulness",
               "top-interactions"]


def small_sections():
    ax = plot_losses([0, 1, 2], [1.0, .5, .3], [1.0, .7, .8])
    ax2 = plot_sigma2([1, 2], [1e-1, 1e-2])
    return [
        Section("losses", "Losses", "Loss curves <b>raw</b> and `code`.",
                figures=[ReportFigure(ax.figure, "Loss curves.", "loss"), ax2.figure],
                tables=[pd.DataFrame({"epoch": [0, 1, 2], "gap": [0.0, .2, .5]}),
                        ReportTable(pd.DataFrame({"x": range(40)}), "Long.", "long",
                                    max_rows=5)]),
        Section("empty", "Nothing here", missing=["Run `harsanyi theory fit RUN`."]),
    ]


def test_build_writes_page_figures_tables_and_marker(tmp_path):
    index = build_report(small_sections(), tmp_path / "r", "My <report>",
                         config={"model": "MLP"}, findings=["Gap at **3**."])
    out = index.parent
    assert index.name == "index.html"
    figs = sorted(p.name for p in (out / "figures").iterdir())
    assert figs == ["losses-figure-2.pdf", "losses-figure-2.png", "losses-loss.pdf",
                    "losses-loss.png"]
    for p in (out / "figures").iterdir():
        head = p.read_bytes()[:8]
        assert head.startswith(b"%PDF") if p.suffix == ".pdf" else head == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["losses-long.csv",
                                                                  "losses-table-1.csv"]
    assert len(pd.read_csv(out / "tables" / "losses-long.csv")) == 40  # CSV is complete
    html = index.read_text()
    assert html.count('<img src="data:image/png;base64,') == 2
    assert "My &lt;report&gt;" in html and "&lt;b&gt;raw&lt;/b&gt;" in html
    assert "<code>code</code>" in html and "<strong>3</strong>" in html
    assert "5 of 40 rows shown" in html
    assert '<section id="losses">' in html and '<section id="empty">' in html
    assert "Not available in this run" in html and "harsanyi theory fit RUN" in html
    marker = json.loads((out / MARKER).read_text())
    assert marker["generator"] == "harsanyi" and "index.html" in marker["files"]
    assert is_report_folder(out)


def test_embedded_png_equals_saved_png(tmp_path):
    import base64

    index = build_report(small_sections()[:1], tmp_path / "r", "T")
    html = index.read_text()
    data = re.findall(r'data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    saved = (index.parent / "figures" / "losses-loss.png").read_bytes()
    assert base64.b64decode(data[0]) == saved


def test_page_is_self_contained(built_report):
    html = built_report.read_text()
    assert not re.search(r"https?://", html)
    assert not re.search(r"<script|<link|@import|url\(", html, re.I)
    srcs = re.findall(r'src="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)


def test_full_report_has_every_section_figure_and_table(built_report):
    html = built_report.read_text()
    out = built_report.parent
    for sid in SECTION_IDS:
        assert f'<section id="{sid}">' in html
        assert f'href="#{sid}"' in html  # table of contents
    n_png = len(list((out / "figures").glob("*.png")))
    assert n_png == len(list((out / "figures").glob("*.pdf"))) == html.count("<img ")
    assert n_png >= 9
    n_csv = len(list((out / "tables").glob("*.csv")))
    assert n_csv == html.count('<table class="data">') >= 6
    assert 'class="findings"' in html and "Fitted σ²" in html
    assert "Not available in this run" not in html  # the example has every part


def test_refuses_existing_non_report_folder(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "notes.txt").write_text("keep me")
    with pytest.raises(ReportFolderError, match="exists and is not a harsanyi report") as e:
        build_report(small_sections(), d, "T")
    assert "--force" in str(e.value) and "'notes.txt'" in str(e.value)
    assert isinstance(e.value, FileExistsError)
    assert sorted(p.name for p in d.iterdir()) == ["notes.txt"]  # nothing written
    build_report(small_sections(), d, "T", force=True)
    assert (d / "index.html").is_file() and (d / "notes.txt").read_text() == "keep me"


def test_refuses_a_file_even_with_force(tmp_path):
    f = tmp_path / "file.html"
    f.write_text("x")
    with pytest.raises(ReportFolderError, match="is not a folder"):
        build_report(small_sections(), f, "T", force=True)


def test_empty_folder_is_fine_and_rebuild_removes_stale_files(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    build_report(small_sections(), d, "T")
    (d / "mine.txt").write_text("user file")
    build_report(small_sections()[1:], d, "T2")  # a report folder: no --force needed
    assert not list((d / "figures").iterdir())  # the old report's figures are gone
    assert not list((d / "tables").iterdir())
    assert (d / "mine.txt").read_text() == "user file"  # unlisted files are left alone
    assert "T2" in (d / "index.html").read_text()


def test_bad_sections():
    with pytest.raises(ValueError, match="must match"):
        build_report([Section("Bad Id", "x")], "/tmp/never-written", "T")
    with pytest.raises(ValueError, match="used twice"):
        build_report([Section("a", "x"), Section("a", "y")], "/tmp/never-written", "T")
    with pytest.raises(TypeError, match="Section objects"):
        build_report(["a"], "/tmp/never-written", "T")


def test_non_dataframe_table(tmp_path):
    with pytest.raises(TypeError, match="pandas DataFrames, got ndarray"):
        build_report([Section("a", "x", tables=[np.zeros(3)])], tmp_path / "r", "T")


def test_render_text_escapes_and_formats():
    assert render_text("a <script>") == "<p>a &lt;script&gt;</p>"
    assert render_text("p1\n\np2") == "<p>p1</p><p>p2</p>"
    assert render_text("x^{2}_{i}") == "<p>x<sup>2</sup><sub>i</sub></p>"


def test_missing_theory_note_names_the_command(tmp_path, small_summary):
    s = RunSummary(epochs=small_summary.epochs, players=small_summary.players,
                   train_loss=small_summary.train_loss, test_loss=small_summary.test_loss,
                   strength_pos=small_summary.strength_pos,
                   strength_neg=small_summary.strength_neg)
    secs = {x.id: x for x in sections_from_summary(s, run="runs/mlp")}
    assert secs["theory"].missing and "harsanyi theory fit runs/mlp" in secs["theory"].missing[0]
    assert secs["groups"].missing and secs["generalization"].missing
    assert not secs["dynamics"].missing and secs["dynamics"].figures
    lean = RunSummary(epochs=s.epochs, players=s.players)  # cheap to render
    html = report_from_summary(lean, tmp_path / "r", run="runs/mlp").read_text()
    assert "no theory fit" in html
    assert "<code>harsanyi theory fit runs/mlp</code>" in html
    # every section says what it misses
    assert html.count('<div class="missing">') == 6


def test_summary_without_losses_or_interactions(tmp_path):
    s = RunSummary(epochs=[0, 1], players=["a", "b", "c"])
    secs = {x.id: x for x in sections_from_summary(s)}
    assert not secs["dynamics"].figures
    assert any("harsanyi monitor" in m for m in secs["dynamics"].missing)
    assert any("No loss curves" in m for m in secs["dynamics"].missing)
    html = report_from_summary(s, tmp_path / "r").read_text()
    assert html.count("<img ") == 0 and '<section id="top-interactions">' in html


def test_table_cells_escaped_formatted_and_aligned(tmp_path):
    df = pd.DataFrame({"players": ["a & <b>"], "value": [np.nan], "k": [3], "x": [1 / 3]})
    html = build_report([Section("t", "T", tables=[df])], tmp_path / "r", "T").read_text()
    assert '<th class="txt">players</th>' in html and '<th class="num">k</th>' in html
    assert '<td class="txt">a &amp; &lt;b&gt;</td>' in html
    assert '<td class="num">–</td>' in html and '<td class="num">3</td>' in html
    assert '<td class="num">0.3333</td>' in html
