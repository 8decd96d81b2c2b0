"""The query benchmark runs end to end at its smallest size (no timings are asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gitreg import ModelRegistry

QUERY_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "query_bench.py"


def test_query_benchmark_smoke(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(QUERY_BENCH), "--sizes", "200", "--repeat", "1", "--no-peers",
         "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    measured = json.loads(out.read_text())["gitreg"]["200"]
    for key in ("across_cold", "across", "across_limit", "one_model", "best", "cli_across"):
        assert measured[key]["s"] > 0, key
    # what it counted is what a plain loop over the records finds
    reg = ModelRegistry(tmp_path / "work" / "fixtures" / "gitreg-200.git")
    records = [v for m in reg.list_models() for v in reg.list_versions(m)]
    expected = [v for v in records if (v.evaluation_scores.accuracy or 0) > 0.99
                and v.training.framework == "unsloth" and "candidate" in v.tags]
    assert measured["across"]["result"] == measured["across_cold"]["result"] == len(expected)
    cheapest = min(reg.list_versions("model-0000"), key=lambda v: v.training.cost_usd)
    assert measured["best"]["result"] == cheapest.version
    assert "| gitreg search across every model |" in proc.stdout
