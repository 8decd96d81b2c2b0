"""benchmarks/list_split.py names each step of a warm `list` with a CPU time."""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def test_list_split_smoke(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        import fixtures
        import list_split
    finally:
        sys.path.remove(str(BENCH))
    fixtures.build_gitreg(tmp_path / "r.git", 20, per_model=10)
    list_split.main(str(tmp_path / "r.git"))  # cold: writes the derived cache
    steps = list_split.main(str(tmp_path / "r.git"))
    assert list(steps)[0] == "import pygit2 (the peer)" and len(steps) == 8
    assert all(seconds >= 0 for seconds in steps.values())
