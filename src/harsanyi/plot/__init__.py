"""Plots of one explanation (matplotlib). Each function takes the :class:`Interactions` of
``hs.and_or`` (``sample=`` picks one sample of a batch), draws on ``ax`` (default: pyplot's
current axes, so ``plt.savefig`` works) and returns the axes.

* :func:`bar`: the top-k AND and OR interactions with the players' names.
* :func:`sentence`: words coloured by their strongest interaction, the top ones listed.
* :func:`image`: the top AND and OR interactions overlaid on the image (patches, superpixels).
* :func:`upset`: an UpSet-style view of the strongest higher-order sets.
* :func:`orders`: the positive and negative strength of every order.

>>> import harsanyi as hs
>>> from harsanyi import plot
>>> I = hs.and_or(hs.Game([0.0, 1.0, 1.0, 1.0], ["rain", "sprinkler"]), q_bound=0.0,
...               solver="exact")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> plot.bar(I, ax=ax).get_yticklabels()[0].get_text()
'OR: rain | sprinkler'
"""

from harsanyi.plot.bars import bar, orders
from harsanyi.plot.common import ranked
from harsanyi.plot.image import image, player_pixels
from harsanyi.plot.sentence import sentence
from harsanyi.plot.upset import upset

__all__ = ["bar", "image", "orders", "player_pixels", "ranked", "sentence", "upset"]
