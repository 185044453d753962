"""The self-contained HTML report: sections of prose, figures and tables written to a folder.

``build_report`` writes ``DIR/index.html`` (images embedded as base64 ``data:`` URIs, inline
CSS, no script, no external font: it opens offline), every figure as ``DIR/figures/*.png`` and
``*.pdf``, every table as ``DIR/tables/*.csv``, and a marker file ``DIR/.harsanyi-report.json``
that lists what it wrote. A folder that exists, is not empty and has no marker is refused
unless ``force=True``; a previous report's files are replaced.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import escape
from matplotlib.figure import Figure

from harsanyi._version import __version__
from harsanyi.errors import ReportFolderError
from harsanyi.report.style import close_pyplot_figure

__all__ = [
    "MARKER",
    "ReportFigure",
    "ReportFolderError",
    "ReportTable",
    "Section",
    "build_report",
    "is_report_folder",
    "render_text",
]

MARKER = ".harsanyi-report.json"
_ID = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass
class ReportFigure:
    """A matplotlib figure with the caption printed under it and its file name stem."""

    figure: Figure
    caption: str = ""
    name: str | None = None


@dataclass
class ReportTable:
    """A table of the report.

    A pandas DataFrame (written whole to CSV), its caption and file name stem. The page
    shows ``display`` when given (e.g. selected rows), else the first ``max_rows`` rows.
    """

    frame: Any
    caption: str = ""
    name: str | None = None
    max_rows: int = 25
    index: bool = False
    display: Any = None


@dataclass
class Section:
    """One section of the report.

    One section of the report: ``id`` (the HTML anchor, ``[a-z][a-z0-9-]*``), a title,
    short prose ``text`` (blank-line paragraphs, ``- `` bullets, ```code``` and ``**bold**``),
    figures, tables, and ``missing`` notes saying what could not be shown and how to get it.
    """

    id: str
    title: str
    text: str = ""
    figures: list[Figure | ReportFigure] = field(default_factory=list)
    tables: list[Any] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def render_text(text: str) -> str:
    r"""Render a tiny markup as safe HTML.

    Tiny markup to safe HTML: blank lines split paragraphs, ``- `` lines make a list,
    ```x``` is code, ``**x**`` bold, ``^{x}`` superscript and ``_{x}`` subscript; everything
    else is escaped.

    >>> render_text("Run `harsanyi theory fit RUN` <now>.")
    '<p>Run <code>harsanyi theory fit RUN</code> &lt;now&gt;.</p>'
    >>> render_text("I^{(k)}_{real}")
    '<p>I<sup>(k)</sup><sub>real</sub></p>'
    >>> render_text("- a\n- **b**")
    '<ul><li>a</li><li><strong>b</strong></li></ul>'
    """

    def inline(s: str) -> str:
        out = str(escape(s))
        out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
        out = re.sub(r"\^\{([^}]*)\}", r"<sup>\1</sup>", out)
        out = re.sub(r"_\{([^}]*)\}", r"<sub>\1</sub>", out)
        return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)

    blocks = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
        if not lines:
            continue
        if all(ln.startswith("- ") for ln in lines):
            items = "".join(f"<li>{inline(ln[2:])}</li>" for ln in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{inline(' '.join(lines))}</p>")
    return "".join(blocks)


def is_report_folder(path: str | Path) -> bool:
    """Tell whether ``path`` is a folder holding a harsanyi report marker file.

    >>> is_report_folder("/nonexistent/folder")
    False
    """
    return (Path(path) / MARKER).is_file()


def _check_out_dir(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ReportFolderError(f"output path {str(out)!r} exists and is not a folder; "
                                "choose another --out")
    if not out.is_dir() or is_report_folder(out) or force:
        return
    entries = sorted(p.name for p in out.iterdir())
    if entries:
        shown = ", ".join(repr(e) for e in entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise ReportFolderError(
            f"output folder {str(out)!r} exists and is not a harsanyi report (no {MARKER} "
            f"marker); it holds {len(entries)} entries ({shown}). Choose another --out, or "
            "pass --force to write the report into it (other files are left in place).")


def _remove_previous(out: Path) -> None:
    """Delete the files a previous report listed in its marker (and nothing else)."""
    try:
        listed = json.loads((out / MARKER).read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return
    root = out.resolve()
    for rel in listed:
        p = (out / str(rel)).resolve()
        if p.is_file() and root in p.parents:
            p.unlink()


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-") or "item"


def _unique(stem: str, used: set[str]) -> str:
    name, i = stem, 2
    while name in used:
        name, i = f"{stem}-{i}", i + 1
    used.add(name)
    return name


def _cell(x: Any) -> str:

    if isinstance(x, float | np.floating):
        return "–" if np.isnan(x) else f"{x:.4g}"
    return str(escape(x))


def _table_html(t: ReportTable) -> str:
    """Render the shown rows as an HTML table; numeric columns right-aligned, text left-aligned."""
    shown = t.display if t.display is not None else (
        t.frame.head(t.max_rows) if t.max_rows else t.frame)
    if t.index:
        shown = shown.reset_index()
    kinds = ["num" if pd.api.types.is_numeric_dtype(shown[c]) else "txt"
             for c in shown.columns]
    head = "".join(f'<th class="{k}">{escape(str(c))}</th>'
                   for c, k in zip(shown.columns, kinds, strict=True))
    body = "".join(
        "<tr>" + "".join(f'<td class="{k}">{_cell(x)}</td>'
                         for x, k in zip(row, kinds, strict=True)) + "</tr>"
        for row in shown.itertuples(index=False, name=None))
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _check_sections(sections: Sequence[Section]) -> None:
    seen: set[str] = set()
    for s in sections:
        if not isinstance(s, Section):
            raise TypeError(f"sections must be Section objects, got {type(s).__name__}")
        if not _ID.match(s.id):
            raise ValueError(f"section id {s.id!r} must match [a-z][a-z0-9-]*")
        if s.id in seen:
            raise ValueError(f"section id {s.id!r} is used twice")
        seen.add(s.id)


def _write_figures(sec: Section, out: Path, used: set[str], start: int, dpi: int,
                   written: list[str]) -> list[dict[str, Any]]:
    """Save the figures of ``sec`` as PNG and PDF (numbered from ``start + 1``); returns their
    entries for the page and appends the written files to ``written``.
    """
    figs: list[dict[str, Any]] = []
    for i, f in enumerate(sec.figures, start=1):
        item = f if isinstance(f, ReportFigure) else ReportFigure(f)
        stem = _unique(f"{sec.id}-{_slug(item.name or f'figure-{i}')}", used)
        buf = io.BytesIO()
        item.figure.savefig(buf, format="png", dpi=dpi,
                            metadata={"Software": f"harsanyi {__version__}"})
        (out / "figures" / f"{stem}.png").write_bytes(buf.getvalue())
        item.figure.savefig(out / "figures" / f"{stem}.pdf", format="pdf")
        written += [f"figures/{stem}.png", f"figures/{stem}.pdf"]
        w_in, h_in = item.figure.get_size_inches()
        close_pyplot_figure(item.figure)
        figs.append({"number": start + len(figs) + 1, "stem": stem,
                     "caption": render_text(item.caption),
                     "width": round(w_in * 100), "height": round(h_in * 100),
                     "alt": item.caption.split(".")[0] or stem,
                     "data": base64.b64encode(buf.getvalue()).decode("ascii")})
    return figs


def _write_tables(sec: Section, out: Path, used: set[str], start: int,
                  written: list[str]) -> list[dict[str, Any]]:
    """Save the tables of ``sec`` as CSV (numbered from ``start + 1``); returns their entries
    for the page and appends the written files to ``written``.
    """
    tabs: list[dict[str, Any]] = []
    for i, t in enumerate(sec.tables, start=1):
        item = t if isinstance(t, ReportTable) else ReportTable(t)
        if not isinstance(item.frame, pd.DataFrame):
            raise TypeError(f"section {sec.id!r}: tables must be pandas DataFrames, got "
                            f"{type(item.frame).__name__}")
        stem = _unique(f"{sec.id}-{_slug(item.name or f'table-{i}')}", used)
        item.frame.to_csv(out / "tables" / f"{stem}.csv", index=item.index)
        written.append(f"tables/{stem}.csv")
        tabs.append({"number": start + len(tabs) + 1, "stem": stem,
                     "caption": render_text(item.caption),
                     "html": _table_html(item), "rows": len(item.frame),
                     "shown": len(item.display) if item.display is not None
                     else min(len(item.frame), item.max_rows or len(item.frame))})
    return tabs


def build_report(sections: Sequence[Section], out_dir: str | Path, title: str,
                 force: bool = False, *, subtitle: str | None = None,
                 config: Mapping[str, Any] | None = None, findings: Sequence[str] = (),
                 dpi: int = 150) -> Path:
    """Write the report and return the path of ``out_dir/index.html``.

    Figures are numbered across the page and saved as ``figures/<section>-<name>.png/.pdf``;
    tables as ``tables/<section>-<name>.csv``. ``config`` is shown in the header,
    ``findings`` (short sentences) in a box at the top, each section's ``missing`` notes in a
    highlighted box. Raises :class:`ReportFolderError` for an existing non-report folder
    unless ``force``.

    >>> import tempfile, pandas as pd
    >>> from harsanyi.report.figures import plot_losses
    >>> ax = plot_losses([0, 1, 2], [1., .5, .3], [1., .7, .8])
    >>> sec = Section("losses", "Losses", "Training and testing loss.",
    ...               figures=[ReportFigure(ax.figure, "Loss curves.", "losses")],
    ...               tables=[pd.DataFrame({"epoch": [0, 1, 2], "gap": [0., .2, .5]})])
    >>> out = build_report([sec], tempfile.mkdtemp() + "/rep", "Demo")
    >>> sorted(p.name for p in (out.parent / "figures").iterdir())
    ['losses-losses.pdf', 'losses-losses.png']
    """
    _check_sections(sections)
    out = Path(out_dir)
    _check_out_dir(out, force)
    if is_report_folder(out):
        _remove_previous(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)

    written: list[str] = []
    used: set[str] = set()
    used_tables: set[str] = set()
    n_fig = n_tab = 0
    rendered = []
    for sec in sections:
        figs = _write_figures(sec, out, used, n_fig, dpi, written)
        tabs = _write_tables(sec, out, used_tables, n_tab, written)
        n_fig, n_tab = n_fig + len(figs), n_tab + len(tabs)
        rendered.append({"id": sec.id, "title": sec.title, "text": render_text(sec.text),
                         "figures": figs, "tables": tabs,
                         "missing": [render_text(m) for m in sec.missing]})

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)
    page = env.get_template("report.html").render(
        title=title, subtitle=subtitle, sections=rendered,
        config=[(str(k), str(v)) for k, v in (config or {}).items()],
        findings=[render_text(f) for f in findings],
        version=__version__,
        generated=_dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    written.append("index.html")
    (out / MARKER).write_text(json.dumps(
        {"generator": "harsanyi", "version": __version__, "title": title, "files": written},
        indent=1))
    return index
