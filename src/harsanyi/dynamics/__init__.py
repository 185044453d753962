"""Training dynamics of interactions.

Training dynamics: the monitor (offline and as callbacks) over checkpoints, component
dynamics (paper C) as a monitor configuration, the five groups of interaction dynamics, and the
two-phase analysis.

The Lightning callback lives in :mod:`harsanyi.dynamics.lightning` (optional extra
``lightning``), imported on demand.
"""

from harsanyi.dynamics.component_dynamics import ComponentRun, component_dynamics
from harsanyi.dynamics.engine import GameSpec, SchedulerUnreachableError, make_backend
from harsanyi.dynamics.groups import (
    GROUPS,
    FiveGroups,
    GroupRule,
    classify_curve,
    classify_curves,
    five_groups,
    top_interactions,
)
from harsanyi.dynamics.monitor import Monitor, monitor_checkpoints
from harsanyi.dynamics.phases import (
    OrderProfile,
    PhaseAnalysis,
    PhaseRule,
    distribution_by_group,
    gap_onset,
    order_profile,
    phase_boundary,
    train_test_similarity,
    two_phase,
)
from harsanyi.loading import (
    Checkpoint,
    FactorySpec,
    find_checkpoints,
    load_into,
    read_checkpoint,
)

__all__ = [
    "GROUPS", "Checkpoint", "ComponentRun", "FactorySpec", "FiveGroups",
    "GameSpec", "GroupRule", "Monitor", "OrderProfile", "PhaseAnalysis", "PhaseRule",
    "SchedulerUnreachableError", "classify_curve", "classify_curves",
    "component_dynamics",
    "distribution_by_group", "find_checkpoints", "five_groups",
    "gap_onset", "load_into", "make_backend", "monitor_checkpoints",
    "order_profile", "phase_boundary", "read_checkpoint",
    "top_interactions", "train_test_similarity", "two_phase",
]
