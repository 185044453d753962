"""`import harsanyi` stays light: heavy layers and dependencies load on first use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["dask", "distributed", "zarr", "matplotlib", "pandas", "sklearn", "scipy", "typer",
         "jinja2"]


def loaded_after(code: str) -> dict[str, bool]:
    probe = (f"import sys\n{code}\nimport json\n"
             f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_and_the_core_names_load_no_heavy_dependency():
    loaded = loaded_after("import harsanyi as hs\nhs.Game, hs.and_or, hs.model_game, "
                          "hs.Interactions, hs.mobius")
    assert not any(loaded.values()), [m for m, yes in loaded.items() if yes]


@pytest.mark.parametrize("name", ["Monitor", "monitor_checkpoints", "RunStore", "theory", "zoo",
                                  "metrics", "dynamics", "core", "Game", "and_or"])
def test_lazy_names_resolve(name):
    import harsanyi as hs

    assert getattr(hs, name) is not None and name in dir(hs)


def test_unknown_name_is_an_attribute_error():
    import harsanyi as hs

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hs.nope  # noqa: B018
