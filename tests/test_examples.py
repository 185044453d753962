"""Every script of examples/ runs (small sizes: HARSANYI_EXAMPLE_QUICK=1) and writes its figure.

An example names the optional modules it needs on a line ``# needs: transformers, skimage``;
it is skipped, saying which extra to install, when one of them is missing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
EXTRAS = {"transformers": "text", "tokenizers": "text", "skimage": "image", "shapiq": "shapiq"}


def needs(path: Path) -> list[str]:
    found = re.search(r"^# needs: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return [m.strip() for m in found.group(1).split(",")] if found else []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    missing = [m for m in needs(path) if importlib.util.find_spec(m) is None]
    if missing:
        extras = sorted({EXTRAS.get(m, m) for m in missing})
        pytest.skip(f"{path.name} needs {', '.join(missing)}: pip install "
                    f"'harsanyi[{','.join(extras)}]'")
    env = {**os.environ, "HARSANYI_EXAMPLE_QUICK": "1", "MPLBACKEND": "Agg"}
    out = tmp_path / "figure.png"
    run = subprocess.run([sys.executable, str(path), str(out)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{path.name} failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
    figures = [p for p in tmp_path.iterdir() if p.suffix == ".png"]
    if "savefig" in path.read_text(encoding="utf-8"):
        assert figures and all(p.stat().st_size > 5_000 for p in figures)


def test_the_readme_quotes_the_quickstart_as_it_is():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"`examples/quickstart\.py`.*?```python\n(.*?)```", readme, re.DOTALL)
    assert quoted is not None, "README.md quotes examples/quickstart.py in a python block"
    assert quoted.group(1) == (ROOT / "examples" / "quickstart.py").read_text(encoding="utf-8")
