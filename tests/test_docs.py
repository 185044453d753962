"""The project's docs: every ``docs/theory.md#anchor`` cited in the code exists, and no
docstring cites a file that is not in the repository."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THEORY = ROOT / "docs" / "theory.md"


def _sources() -> list[Path]:
    """Python files of the repository, this one excepted (it names the patterns it looks for)."""
    return [p for d in ("src", "tests", "benchmarks") for p in sorted((ROOT / d).rglob("*.py"))
            if p != Path(__file__).resolve()]


def test_every_cited_theory_anchor_exists():
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', THEORY.read_text(encoding="utf-8")))
    assert {"and-or-split", "two-phase", "sparsity-bound", "five-groups"} <= anchors
    cited = {
        (path.relative_to(ROOT).as_posix(), anchor)
        for path in _sources()
        for anchor in re.findall(r"docs/theory\.md#([a-z0-9-]+)", path.read_text(encoding="utf-8"))
    }
    assert cited, "the code cites docs/theory.md"
    assert [c for c in cited if c[1] not in anchors] == []


def test_internal_links_of_theory_resolve():
    text = THEORY.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', text))
    assert set(re.findall(r"\]\(#([a-z0-9-]+)\)", text)) <= anchors


def test_no_citation_of_files_outside_the_repository():
    pattern = re.compile(r"\b(THEORY|DESIGN)\.md\b")
    offenders = [p.relative_to(ROOT).as_posix() for p in _sources()
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_names_of_the_code_in_theory_resolve():
    text = THEORY.read_text(encoding="utf-8")
    layers = "core|games|extract|metrics|theory|dynamics|store|analysis|loading"
    names = set(re.findall(rf"`((?:{layers})\.[A-Za-z_.]+)`", text))
    assert "theory.two_phase.r_ratios" in names
    missing = []
    for name in sorted(names):
        parts = name.split(".")
        obj = importlib.import_module(f"harsanyi.{parts[0]}")
        for i, part in enumerate(parts[1:], start=2):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                try:
                    obj = importlib.import_module("harsanyi." + ".".join(parts[:i]))
                except ImportError:
                    missing.append(name)
                    break
    assert missing == []
