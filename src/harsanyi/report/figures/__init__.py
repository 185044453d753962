"""Figure functions of the report, on plain numpy arrays.

Each takes ``ax=None`` (a new styled, pyplot-free figure is made when None) and returns the
axes it drew on, so figures compose into grids:

>>> import numpy as np
>>> from harsanyi.report.figures import plot_losses
>>> ax = plot_losses(np.arange(4), [2., 1., .5, .2], [2., 1.1, .9, 1.])
>>> ax.get_xlabel()
'epoch'
"""

from harsanyi.report.figures.faithfulness import (
    plot_matching_error,
    plot_patch_map,
    plot_sparsity_curves,
)
from harsanyi.report.figures.orders import (
    default_selection,
    plot_decay_spindle,
    plot_decay_spindle_profile,
    plot_distribution_over_checkpoints,
    plot_order_distribution,
    plot_real_vs_theory,
)
from harsanyi.report.figures.training import (
    plot_group_counts_by_order,
    plot_group_curves,
    plot_losses,
    plot_sigma2,
)

__all__ = [
    "default_selection",
    "plot_decay_spindle",
    "plot_decay_spindle_profile",
    "plot_distribution_over_checkpoints",
    "plot_group_counts_by_order",
    "plot_group_curves",
    "plot_losses",
    "plot_matching_error",
    "plot_order_distribution",
    "plot_patch_map",
    "plot_real_vs_theory",
    "plot_sigma2",
    "plot_sparsity_curves",
]
