"""One door for saved results: :func:`load_interactions` reads either kind of result file.

:class:`~harsanyi.extract.interactions.Interactions` (dense, all ``2**n`` subsets) and
:class:`~harsanyi.extract.sparse_result.SparseInteractions` (a sampled game's atoms) share one
``.npz`` format with a header naming the kind (:mod:`.npz_io`); both have ``get_top_k``,
``to_frame``, ``surrogate``, ``save`` and ``load``.
"""

from __future__ import annotations

from pathlib import Path

from harsanyi.errors import StoreError
from harsanyi.extract.interactions import FORMAT as DENSE_FORMAT
from harsanyi.extract.interactions import Interactions
from harsanyi.extract.npz_io import read_format
from harsanyi.extract.sparse_result import FORMAT as SPARSE_FORMAT
from harsanyi.extract.sparse_result import SparseInteractions

__all__ = ["load_interactions"]


def load_interactions(path: str | Path) -> Interactions | SparseInteractions:
    """Read a result saved by ``Interactions.save`` or ``SparseInteractions.save``.

    Returns the kind the file holds; a corrupted or foreign file raises
    :class:`~harsanyi.errors.StoreError`.

    >>> import tempfile, numpy as np
    >>> import harsanyi as hs
    >>> p = hs.mobius([0.0, 0.0, 0.0, 1.0]).save(tempfile.mkdtemp() + "/r")
    >>> type(load_interactions(p)).__name__
    'Interactions'
    >>> s = SparseInteractions(np.array([[True, True]]), [True], [1.0], np.array(0.0), 0.0)
    >>> type(load_interactions(s.save(tempfile.mkdtemp() + "/s"))).__name__
    'SparseInteractions'
    """
    fmt = read_format(path)
    if fmt == DENSE_FORMAT:
        return Interactions.load(path)
    if fmt == SPARSE_FORMAT:
        return SparseInteractions.load(path)
    raise StoreError(f"{path} has format {fmt!r}: not a harsanyi result file "
                     f"({DENSE_FORMAT!r} or {SPARSE_FORMAT!r})")
