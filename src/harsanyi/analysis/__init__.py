"""Analyses of a monitored run, each computed once on the run store's arrays.

The run store gives typed arrays once (:meth:`harsanyi.store.RunStore.arrays`, a
:class:`~harsanyi.store.RunArrays`); one function per analysis works on them (phases, σ² fit,
five groups, decay/spindle, sparsity bound, faithfulness), calling the pure functions of
:mod:`harsanyi.metrics`, :mod:`harsanyi.theory` and :mod:`harsanyi.dynamics`;
:class:`AnalysisFolder` is the one reader and writer of ``RUN/analysis/``.

>>> from harsanyi.analysis import analyse_phases, example_store
>>> analyse_phases(example_store().arrays()).boundary_epoch
1
"""

from harsanyi.analysis.decay import DecaySpindleRun, analyse_decay_spindle, decay_spindle_record
from harsanyi.analysis.example import example_store
from harsanyi.analysis.faithfulness import (
    Faithfulness,
    analyse_faithfulness,
    top_interactions_table,
)
from harsanyi.analysis.fit import analyse_fit, theory_record
from harsanyi.analysis.folder import (
    ANALYSIS_DIR,
    AnalysisFolder,
    BoundariesRecord,
    DecaySpindleRecord,
    GroupsRecord,
    TheoryRecord,
)
from harsanyi.analysis.groups import analyse_groups, groups_record
from harsanyi.analysis.guard import exhaustive
from harsanyi.analysis.phases import analyse_phases, boundaries_record
from harsanyi.analysis.run import Analyses, analyse_run, save_analyses
from harsanyi.analysis.sampled import sampled_groups, sampled_top_table, sampled_tracking
from harsanyi.analysis.sparsity import analyse_sparsity
from harsanyi.analysis.tracking import Tracking, analyse_tracking

__all__ = [
    "ANALYSIS_DIR",
    "Analyses",
    "AnalysisFolder",
    "BoundariesRecord",
    "DecaySpindleRecord",
    "DecaySpindleRun",
    "Faithfulness",
    "GroupsRecord",
    "TheoryRecord",
    "Tracking",
    "analyse_decay_spindle",
    "analyse_faithfulness",
    "analyse_fit",
    "analyse_groups",
    "analyse_phases",
    "analyse_run",
    "analyse_sparsity",
    "analyse_tracking",
    "boundaries_record",
    "decay_spindle_record",
    "example_store",
    "exhaustive",
    "groups_record",
    "sampled_groups",
    "sampled_top_table",
    "sampled_tracking",
    "save_analyses",
    "theory_record",
    "top_interactions_table",
]
