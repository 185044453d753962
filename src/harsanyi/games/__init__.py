"""Games: the values v(x_S) of a model on all 2**n masked versions of its input.

Games: the values v(x_S) of a model on all 2**n masked versions of its input, or on the
subsets of a layer's principal feature components; game factories for the monitor.
"""

from harsanyi.games.baselines import (
    Baseline,
    GroupCenter,
    Mean,
    PerPlayer,
    TauShrink,
    TokenBaseline,
    resolve_baseline,
)
from harsanyi.games.components import (
    FeatureComponents,
    capture_features,
    component_accuracy,
    component_attribution,
    component_game,
    find_layer,
    fit_components,
    interaction_attribution,
)
from harsanyi.games.design import SampleDesign, minimum_budget
from harsanyi.games.evaluate import evaluate_masked, unmasked_outputs
from harsanyi.games.factories import ComponentGame, GameFactory, ModelGame
from harsanyi.games.game import Game, select_players
from harsanyi.games.model_game import model_game
from harsanyi.games.patches import Patches
from harsanyi.games.players import (
    Columns,
    ElementMasks,
    Groups,
    Players,
    Tokens,
    as_players,
    owner_map,
    owner_maps,
)
from harsanyi.games.rewards import REWARDS, resolve_target, reward_from_outputs
from harsanyi.games.sampled import SampledGame
from harsanyi.games.superpixels import Superpixels
from harsanyi.games.text import SampleGroups, Words, text_inputs

__all__ = [
    "REWARDS",
    "Baseline",
    "Columns",
    "ComponentGame",
    "ElementMasks",
    "FeatureComponents",
    "Game",
    "GameFactory",
    "GroupCenter",
    "Groups",
    "Mean",
    "ModelGame",
    "Patches",
    "PerPlayer",
    "Players",
    "SampleDesign",
    "SampleGroups",
    "SampledGame",
    "Superpixels",
    "TauShrink",
    "TokenBaseline",
    "Tokens",
    "Words",
    "as_players",
    "capture_features",
    "component_accuracy",
    "component_attribution",
    "component_game",
    "evaluate_masked",
    "find_layer",
    "fit_components",
    "interaction_attribution",
    "minimum_budget",
    "model_game",
    "owner_map",
    "owner_maps",
    "resolve_baseline",
    "resolve_target",
    "reward_from_outputs",
    "select_players",
    "text_inputs",
    "unmasked_outputs",
]
