"""Figures (matplotlib) and the self-contained HTML report of a monitored run.

Two layers: figure functions on plain numpy arrays (:mod:`harsanyi.report.figures`, each takes
``ax=`` and returns the axes), and the report builder (:func:`build_report` on
:class:`Section` objects; :func:`report_from_summary` on a :class:`RunSummary`). The report
only renders: the numbers of a run are computed once by :mod:`harsanyi.analysis` and passed
in as a :class:`RunSummary` by a workflow (``harsanyi.workflows.demo_analysis.report_from_run``).

>>> from harsanyi.report import example_summary, sections_from_summary
>>> len(sections_from_summary(example_summary(n=4, checkpoints=5)))
6
"""

from harsanyi.report.example import example_summary
from harsanyi.report.html import (
    MARKER,
    ReportFigure,
    ReportFolderError,
    ReportTable,
    Section,
    build_report,
    is_report_folder,
)
from harsanyi.report.sections import report_from_summary, sections_from_summary
from harsanyi.report.summary import (
    MAX_CURVES,
    DecaySpindle,
    GroupSummary,
    RunSummary,
    SampledSummary,
    TheoryFit,
)

__all__ = [
    "MARKER",
    "MAX_CURVES",
    "DecaySpindle",
    "GroupSummary",
    "ReportFigure",
    "ReportFolderError",
    "ReportTable",
    "RunSummary",
    "SampledSummary",
    "Section",
    "TheoryFit",
    "build_report",
    "example_summary",
    "is_report_folder",
    "report_from_summary",
    "sections_from_summary",
]
