"""The marker file of a workflow's output folder: which settings made it, so reruns resume.

A workflow (the demo, a reproduction) writes ``OUT/<name>`` holding ``{"format": ..., "config":
...}``. Rerunning with the same settings continues the run; other settings are refused with the
keys that differ, so a folder never mixes two configurations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harsanyi.errors import ConfigMismatchError, StoreError
from harsanyi.store import config_diff, jsonable

__all__ = ["check_marker", "read_marker", "write_marker"]


def read_marker(out: Path, name: str) -> dict[str, Any] | None:
    """Return the settings stored in ``out/name``, or ``None`` when there is no marker.

    Raises :class:`~harsanyi.errors.StoreError` when the marker is unreadable.

    >>> read_marker(Path("/nonexistent"), ".m.json") is None
    True
    """
    marker = Path(out) / name
    if not marker.is_file():
        return None
    try:
        stored = json.loads(marker.read_text())["config"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"the marker {marker} is unreadable ({exc}); delete it or choose "
                         "another --out") from exc
    if not isinstance(stored, dict):
        raise StoreError(f"the marker {marker} is unreadable (its settings are not an object); "
                         "delete it or choose another --out")
    return stored


def check_marker(out: Path, name: str, config: dict[str, Any], what: str) -> bool:
    """Compare ``config`` with the settings stored in ``out/name``; return whether it exists.

    Raises :class:`~harsanyi.errors.ConfigMismatchError` naming each differing key (stored and
    new value) when the settings differ, :class:`~harsanyi.errors.StoreError` when the marker
    is unreadable. ``what`` names the run in messages ("a demo run", "a reproduction").

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> write_marker(d, ".m.json", "x/1", {"epochs": 6})
    >>> check_marker(d, ".m.json", {"epochs": 6}, "a run")
    True
    >>> try:
    ...     check_marker(d, ".m.json", {"epochs": 7}, "a run")
    ... except ConfigMismatchError as exc:
    ...     print("epochs (stored 6, now 7)" in str(exc))
    True
    """
    stored = read_marker(out, name)
    if stored is None:
        return False
    wanted = jsonable(config)
    diff = config_diff(stored, wanted)
    if diff:
        shown = ", ".join(f"{k} (stored {stored.get(k)!r}, now {wanted.get(k)!r})" for k in diff)
        raise ConfigMismatchError(f"{out} holds {what} with other settings: {shown}. Rerun with "
                                  "the stored settings to resume it, or choose another --out.")
    return True


def write_marker(out: Path, name: str, fmt: str, config: dict[str, Any]) -> None:
    """Write ``out/name`` atomically (a temporary file, then a rename), creating ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (name + ".tmp")
    tmp.write_text(json.dumps({"format": fmt, "config": jsonable(config)}, indent=1))
    tmp.replace(out / name)
