"""Games: the values v(x_S) of a model on all 2**n masked versions of its input."""

from harsanyi.games.game import Game

__all__ = ["Game"]
