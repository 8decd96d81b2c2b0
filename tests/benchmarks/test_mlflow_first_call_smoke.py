"""benchmarks/mlflow_first_call_alternated.py runs end to end at its smallest size (a smoke test:
no timings asserted). Every call is four fresh MLflow processes (~4 s each), two of them a warm-up
whose figures are thrown away: CI runs the first call without the warm-up (the measured run is
the same code), GITREG_TEST_FULL=1 all five, warmed (all five made this test 200 s of the suite's
430). The fixtures it reads are speed_bench.py's, built once a session (tests/benchmarks/conftest.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import trials

HERE = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.scale
def test_the_first_call_split_runs_every_side(tmp_path, speed_workdir):
    calls, warm = trials(1, 5), trials(0, 1)  # CI: no warm-up run, whose figures are thrown away
    out = tmp_path / "split.json"
    proc = subprocess.run([sys.executable, str(HERE / "mlflow_first_call_alternated.py"),
                           "--workdir", str(speed_workdir), "--total", "20", "--runs", "1", "--tree", str(HERE.parent),
                           "--calls", str(calls), "--warm", str(warm), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert len(results) == calls
    for sides in results.values():
        assert set(sides) == {f"gitreg {HERE.parent}", "sqlite"}
        assert all(m["store"] > 0 and m["call"] > 0 and len(m["runs"]) == 1 for m in sides.values())
    assert "x)" in proc.stdout
