"""Configuration helpers of the run store: JSON-safe copies, hashes and differences."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["config_diff", "config_hash", "get_dotted", "jsonable"]


def jsonable(obj: Any) -> Any:
    """Return a JSON-safe copy of ``obj``.

    A JSON-safe copy of ``obj`` (numpy scalars and arrays to Python, NaN to ``None``,
    unknown objects to ``str``).

    >>> jsonable({"a": np.float64(1.5), "b": np.arange(2), "c": float("nan")})
    {'a': 1.5, 'b': [0, 1], 'c': None}
    """
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float):
        return None if not math.isfinite(obj) else obj
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    return str(obj)


def config_hash(config: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON (sorted keys) of a configuration.

    >>> config_hash({"b": 1, "a": [1, 2]}) == config_hash({"a": [1, 2], "b": 1})
    True
    """
    text = json.dumps(jsonable(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def config_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Dotted keys whose values differ between two configurations (missing keys included).

    >>> config_diff({"q_bound": 0.02, "model": {"width": 8}}, {"q_bound": 0.04,
    ...             "model": {"width": 8}})
    ['q_bound']
    """
    a, b = _flatten(jsonable(old)), _flatten(jsonable(new))
    return sorted(k for k in set(a) | set(b) if a.get(k, "<missing>") != b.get(k, "<missing>"))


def get_dotted(d: Mapping[str, Any], dotted: str) -> Any:
    """Value at a dotted path of nested mappings: ``get_dotted(d, "a.b") == d["a"]["b"]``."""
    cur: Any = d
    for part in dotted.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return "<missing>"
        cur = cur[part]
    return cur
