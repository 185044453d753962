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
from harsanyi.games.evaluate import evaluate_masked
from harsanyi.games.game import Game, select_players
from harsanyi.games.model_game import model_game
from harsanyi.games.players import (
    Columns,
    ElementMasks,
    Groups,
    Patches,
    Players,
    Tokens,
    owner_map,
    owner_maps,
)
from harsanyi.games.rewards import REWARDS, resolve_target, reward_from_outputs
from harsanyi.games.superpixels import Superpixels
from harsanyi.games.text import SampleGroups, Words, text_inputs

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
    "SampleGroups",
    "Superpixels",
    "TauShrink",
    "TokenBaseline",
    "Tokens",
    "Words",
    "evaluate_masked",
    "model_game",
    "owner_map",
    "owner_maps",
    "resolve_baseline",
    "resolve_target",
    "reward_from_outputs",
    "select_players",
    "text_inputs",
]
