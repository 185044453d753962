"""Training dynamics of interactions.

Training dynamics: checkpoint sources, the monitor (offline and as callbacks), feature
components (paper C), the five groups of interaction dynamics, and the two-phase analysis.

The Lightning callback lives in :mod:`harsanyi.dynamics.lightning` (optional extra
``lightning``), imported on demand.
"""

from harsanyi.dynamics.component_dynamics import ComponentRun, component_dynamics
from harsanyi.dynamics.components import (
    FeatureComponents,
    capture_features,
    component_accuracy,
    component_attribution,
    component_game,
    find_layer,
    fit_components,
    interaction_attribution,
    sparsity_comparison,
)
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
    store_arrays,
    train_test_similarity,
    two_phase,
)
from harsanyi.dynamics.sources import (
    Checkpoint,
    FactorySpec,
    find_checkpoints,
    load_into,
    read_checkpoint,
)

__all__ = [
    "GROUPS", "Checkpoint", "ComponentRun", "FactorySpec", "FeatureComponents", "FiveGroups",
    "GameSpec", "GroupRule", "Monitor", "OrderProfile", "PhaseAnalysis", "PhaseRule",
    "SchedulerUnreachableError", "capture_features", "classify_curve", "classify_curves",
    "component_accuracy", "component_attribution", "component_dynamics", "component_game",
    "distribution_by_group", "find_checkpoints", "find_layer", "fit_components", "five_groups",
    "gap_onset", "interaction_attribution", "load_into", "make_backend", "monitor_checkpoints",
    "order_profile", "phase_boundary", "read_checkpoint", "sparsity_comparison", "store_arrays",
    "top_interactions", "train_test_similarity", "two_phase",
]
