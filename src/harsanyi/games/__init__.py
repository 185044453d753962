"""Games: the values v(x_S) of a model on all 2**n masked versions of its input."""

from harsanyi.games.baselines import (
    Baseline,
    GroupCenter,
    Mean,
    PerPlayer,
    TauShrink,
    TokenBaseline,
    resolve_baseline,
)
from harsanyi.games.design import SampleDesign, minimum_budget
from harsanyi.games.evaluate import evaluate_masked
from harsanyi.games.game import Game
from harsanyi.games.model_game import model_game
from harsanyi.games.players import (
    Columns,
    ElementMasks,
    Groups,
    Patches,
    Players,
    Tokens,
    owner_map,
)
from harsanyi.games.rewards import REWARDS, resolve_target, reward_from_outputs
from harsanyi.games.sampled import SampledGame

__all__ = [
    "REWARDS",
    "Baseline",
    "Columns",
    "ElementMasks",
    "Game",
    "GroupCenter",
    "Groups",
    "Mean",
    "Patches",
    "PerPlayer",
    "Players",
    "SampleDesign",
    "SampledGame",
    "TauShrink",
    "TokenBaseline",
    "Tokens",
    "evaluate_masked",
    "minimum_budget",
    "model_game",
    "owner_map",
    "resolve_baseline",
    "resolve_target",
    "reward_from_outputs",
]
