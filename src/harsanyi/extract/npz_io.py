"""One ``.npz`` format for extraction results: arrays plus a JSON header, written atomically.

The header holds the format name, the package version, the players and the metadata. Both
:class:`~harsanyi.extract.interactions.Interactions` and
:class:`~harsanyi.extract.sparse_result.SparseInteractions` save and load through here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi._version import __version__
from harsanyi.errors import StoreError

__all__ = ["load_npz", "read_format", "save_npz"]


def save_npz(path: str | Path, fmt: str, players: Sequence[str], metadata: Mapping[str, Any],
             arrays: Mapping[str, Any]) -> Path:
    """Write ``arrays`` and a JSON header to ``path`` (``.npz`` added), atomically.

    >>> import tempfile
    >>> p = save_npz(tempfile.mkdtemp() + "/r", "demo/1", ["a"], {}, {"x": np.ones(2)})
    >>> load_npz(p, "demo/1", ["x"], "demo")[0]["x"].tolist()
    [1.0, 1.0]
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    header = {"format": fmt, "version": __version__, "players": list(players),
              "metadata": dict(metadata)}
    tmp = path.with_name(path.name + ".tmp.npz")
    data: dict[str, Any] = {k: np.asarray(v) for k, v in arrays.items()}
    np.savez_compressed(tmp, header=np.array(json.dumps(header, default=str)), **data)
    tmp.replace(path)
    return path


def load_npz(path: str | Path, fmt: str, names: Sequence[str], what: str
             ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read the arrays ``names`` and the header of a file written by :func:`save_npz`.

    A corrupted or foreign file raises :class:`~harsanyi.errors.StoreError` naming ``what``.
    """
    fmt_found = read_format(path, what)
    if fmt_found != fmt:
        raise StoreError(f"{path} has format {fmt_found!r}, expected {fmt!r}; "
                         "harsanyi.load_interactions(path) reads every kind of result")
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            arrays = {k: data[k] for k in names}
    except Exception as exc:  # zipfile / json / key errors: all mean "not ours or broken"
        raise StoreError(f"{path} is not a readable {what} file: {exc}") from exc
    return arrays, header


def read_format(path: str | Path, what: str = "harsanyi result") -> str:
    """Return the format named in the header of a file written by :func:`save_npz`.

    A file that is not one raises :class:`~harsanyi.errors.StoreError` naming ``what``.

    >>> import tempfile
    >>> read_format(save_npz(tempfile.mkdtemp() + "/r", "demo/1", [], {}, {}))
    'demo/1'
    """
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            return str(json.loads(str(data["header"])).get("format"))
    except FileNotFoundError:
        raise
    except Exception as exc:  # zipfile / json / key errors: all mean "not ours or broken"
        raise StoreError(f"{path} is not a readable {what} file: {exc}") from exc
