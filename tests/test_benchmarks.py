"""The benchmark scripts still run and print their tables (tiny settings; no timing asserted).

The numbers quoted in the issues come from these scripts at full size; this only guards them
against rotting as the library changes.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
_SPEC = importlib.util.spec_from_file_location("_limited", BENCH / "_limited.py")
assert _SPEC is not None and _SPEC.loader is not None
limited = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(limited)

CASES = {
    "transforms": (["--min-n", "4", "--max-dense", "6", "--big", "10"],
                   ["speed-up", "n=10: one sample's AND + OR transforms"]),
    "large_n": (["--n", "16", "--budgets", "400", "--seeds", "1", "--terms", "6", "--scale-n",
                 "20", "--scale-budget", "400", "--exhaustive-n", "8", "--peer-n", "0",
                 "--curve-n", "12", "--curve-budgets", "250"],
                ["# planted", "smallest budget", "# calls vs n", "# scale", "top-20 shared"]),
    "sparse_budget": (["--n", "16", "--budgets", "300", "--seeds", "0", "--terms", "6"],
                      ["# sparse path at low budgets", "optimal"]),
    "sparse_selection": (["--n", "12", "--budget", "300", "--seeds", "1", "--terms", "4",
                          "--no-mlp", "--order-weights", "0,2"],
                         ["selection", "canon p=0", "canon p=2", "vertex", "max|I|"]),
    "extraction": (["--quick", "--epsilon", "0.01,0.001"],
                   ["planted  fast", "MLP      fast", "faster than exact", "atoms c/v",
                    "EQPs", "planted   0.001", "cold vs warm-started"]),
    "newton_floor": (["--sizes", "5", "--samples", "1", "--families", "planted,overfit"],
                     ["floor/goal", " 5 planted", " 5 overfit"]),
    "end_to_end": (["--model", "tiny,resnet20", "--samples", "1", "--n", "4", "--repeat", "1"],
                   ["# tiny:", "# resnet20:", "total = model_game + and_or"]),
    "startup": (["--repeat", "1", "--quick"], ["import harsanyi", "beyond torch"]),
    "stability": (["--sizes", "5", "--samples", "2", "--checkpoints", "2"],
                  ["canonical", "consecutive checkpoints", "x Mobius"]),
    "monitor": (["--checkpoints", "2", "--samples", "2", "--samples-per-task", "1",
                 "--modes", "serial,process"], ["serial", "process", "= serial"]),
    "groups_planted": (["--curves", "4", "--checkpoints", "13"],
                       ["raw rule", "750x forgotten"]),
    "sampled_monitor": (["--n", "16", "--budget", "200", "--checkpoints", "2", "--samples", "2",
                         "--executor", "serial", "--max-pivots", "2000", "--max-rounds", "60"],
                        ["sampled monitor: 2 checkpoints", "peak MiB (self)", "held-out R²"]),
    "faults": (["--checkpoints", "6", "--kills", "1", "--cases", "sigkill,chunk,enospc,start"],
               ["SIGKILL (process pool)", "damaged chunk", "total: 4 faults injected, 4 survived"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_benchmark_script_runs(name, tmp_path):
    args, expected = CASES[name]
    out = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), *args], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    for text in expected:
        assert text in out.stdout, f"{text!r} missing from:\n{out.stdout[-3000:]}"
    if name == "monitor":  # parallel results equal serial ones
        row = next(line for line in out.stdout.splitlines() if line.startswith("process"))
        assert row.split()[-1] == "yes", row


def test_groups_scale_diagnosis_runs_on_a_store(planted_store, tmp_path):
    out = subprocess.run([sys.executable, str(BENCH / "groups_scale.py"), str(planted_store.path),
                          "--top", "5"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    for text in ("median |v(N)-v(0)|", "raw curves (the rule)", "each ckpt / |v(N)-v(0)|"):
        assert text in out.stdout


def _in_git_checkout() -> bool:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=BENCH, capture_output=True,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _in_git_checkout(), reason="revision.py reads src/ of a git revision")
@pytest.mark.parametrize("then", [[], ["--canonical"]])
def test_revision_benchmark_runs_against_head(tmp_path, then):
    out = subprocess.run([sys.executable, str(BENCH / "revision.py"), "--rev", "HEAD", "--sizes",
                          "4", "--samples", "1", "--families", "planted,overfit", *then],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = [line.split() for line in out.stdout.splitlines() if line.startswith(" 4 ")]
    assert [row[1] for row in rows] == ["planted", "overfit"], out.stdout
    assert all(float(row[-1]) < 1e-9 for row in rows), out.stdout  # the same LP optimum
    assert ("'canonical' at HEAD" in out.stdout) == bool(then), out.stdout


def test_revision_benchmark_refuses_an_unknown_family(tmp_path):
    out = subprocess.run([sys.executable, str(BENCH / "revision.py"), "--families", "nope"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode != 0
    assert "unknown families ['nope']" in out.stderr


@pytest.mark.skipif(not _in_git_checkout(), reason="revision.py reads src/ of a git revision")
def test_revision_benchmark_says_which_revision_it_cannot_read(tmp_path):
    out = subprocess.run([sys.executable, str(BENCH / "revision.py"), "--rev", "no-such-rev",
                          "--sizes", "4", "--samples", "1"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode != 0
    assert "cannot read src/ of revision 'no-such-rev'" in out.stderr


def _extraction(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH / "extraction.py"), "--only-selection",
                           *args], cwd=tmp_path, capture_output=True, text=True, timeout=600)


def test_extraction_table_reports_games_stopped_at_the_time_limit(tmp_path):
    """A limit no game can meet: every row says so and counts its stopped games; a generous
    one stops nothing."""
    tight = _extraction(tmp_path, "--sizes", "6,7", "--selection-samples", "2,1", "--families",
                        "planted", "--time-limit", "0.001")
    assert tight.returncode == 0, tight.stderr[-3000:]
    rows = {line.split()[0]: line.split() for line in tight.stdout.splitlines()
            if line.split()[:2] in (["6", "planted"], ["7", "planted"])}
    assert rows["6"][3:5] == [">", "0.001"] and rows["6"][-1] == "2/0", tight.stdout
    assert rows["7"][3:5] == [">", "0.001"] and rows["7"][-1] == "1/0", tight.stdout
    loose = _extraction(tmp_path, "--sizes", "6", "--selection-samples", "2", "--families",
                        "planted", "--time-limit", "600")
    assert loose.returncode == 0, loose.stderr[-3000:]
    row = next(line.split() for line in loose.stdout.splitlines() if line.startswith(" 6 "))
    assert row[-1] == "0/0" and float(row[6]) == pytest.approx(1.0), loose.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--time-limit", "0"], "--time-limit must be > 0"),
    (["--sizes", "6,7", "--selection-samples", "2,1,1"], "gives 3 counts for 2 sizes"),
])
def test_extraction_refuses_bad_limits_and_counts(tmp_path, args, message):
    out = _extraction(tmp_path, *args)
    assert out.returncode != 0
    assert message in out.stderr


def _game(*stages):
    """A game of ``_limited``: per stage, spin in Python for ``seconds`` or, given
    ``("C", count)``, sum a range in one call into compiled code (no bytecode to stop at)."""

    def run(report):
        for stage in stages:
            start = time.process_time()
            if isinstance(stage, tuple):
                sum(range(stage[1]))
            else:
                while time.process_time() - start < stage:
                    pass
            report({"stage": stage})

    return run


def test_limited_games_stop_at_the_limit_and_go_on_with_the_next_game():
    games = [_game(0.01, 0.5, 0.01), _game(0.01, 0.01), _game(0.5)]
    assert [len(r) for r in limited.run_games(games, None)] == [3, 2, 1]
    assert [len(r) for r in limited.run_games(games, 0.2)] == [1, 2, 0]
    assert [len(r) for r in limited.run_games(games, 0.2, isolate=True)] == [1, 2, 0]


def test_isolated_games_are_stopped_inside_compiled_code(monkeypatch):
    """A long call into compiled code outlives the in-process limit; the kernel's cap on an
    isolated game's child stops it, and a new child runs the next game."""
    monkeypatch.setattr(limited, "GRACE", 0)
    games = [_game(0.01), _game(0.01, ("C", 10**10)), _game(0.01)]
    start = time.perf_counter()
    got = limited.run_games(games, 0.2, isolate=True)
    assert [len(r) for r in got] == [1, 1, 1]
    assert time.perf_counter() - start < 60  # 10**10 additions take minutes
