"""benchmarks/speed_bench.py runs end to end at its smallest size (a smoke test: no timings asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "speed_bench.py"


def test_speed_bench_smoke(tmp_path, speed_workdir):
    """The MLflow fixtures are there already (built once a session by speed_bench.py itself:
    tests/benchmarks/conftest.py); the other steps build theirs."""
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "register", "startup", "mlflow", "--repeat", "1",
                           "--count", "5", "--big", "50", "--mlflow-total", "20",
                           "--workdir", str(speed_workdir), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert results["register"]["gitreg"] > 0 and results["register"]["floor"] > 0
    assert results["one_model"]["big"] > 0 and results["one_model"]["small"] > 0
    assert set(results["startup"]) == {"import pygit2", "show", "list", "versions", "info", "search",
                                       "complete a model name"}
    assert len(results["mlflow"]) == 5 and all(set(r) == {"gitreg", "sqlite"} for r in results["mlflow"].values())
    assert "vs pygit2 floor" in proc.stdout and "complete a model name:" in proc.stdout


def test_register_against_a_baseline_checkout(tmp_path):
    """`register --baseline DIR` runs DIR's gitreg in the same alternation; --big 0 skips the big model."""
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "register", "--repeat", "1", "--count", "3", "--big", "0",
                           "--baseline", str(BENCH.parents[1]), "--workdir", str(tmp_path / "work"),
                           "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert set(results["register"]) == {"gitreg", "floor", "gitreg (baseline)"}
    assert all(v > 0 for v in results["register"].values()) and "one_model" not in results
    assert "baseline" in proc.stdout


def test_register_with_sessions_3_4_floor_beside_the_default_one(tmp_path):
    """`register --floor-same-bytes` adds, in the same alternation, sessions 3-4's floor (the same
    manifest bytes every registration); `--floor-new-manifest` is still accepted (the default now)."""
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "register", "--repeat", "1", "--count", "4", "--big", "0",
                           "--floor-same-bytes", "--floor-new-manifest", "--workdir", str(tmp_path / "work"),
                           "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert set(results["register"]) == {"gitreg", "floor", "floor (same bytes)"}
    assert all(v > 0 for v in results["register"].values())
    assert set(results["register_paired"]) == {"gitreg / floor", "gitreg / floor (same bytes)"}
    assert "writing the same manifest bytes every time" in proc.stdout


_WRITTEN = (  # run as speed_bench's measured children do; prints what each side's registry holds
    "import collections, json, subprocess, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1])\n"
    "import speed_bench; from gitreg import ModelRegistry\n"
    "work = Path(sys.argv[2]); speed_bench._env_identity(work / 'home'); manifest = speed_bench.floor_manifest(work)\n"
    "out = {}\n"
    "for kind in ('gitreg', 'floor', 'floor-same-bytes'):\n"
    "    path = work / f'{kind}.git'\n"
    "    if kind == 'gitreg': ModelRegistry(path).init()\n"
    "    else: subprocess.run(['git', 'init', '-q', '--bare', str(path)], check=True)\n"
    "    speed_bench._per_registration(kind, path, 2, 7, [] if kind == 'gitreg' else [str(manifest)])\n"
    "    git = ['git', '-C', str(path)]\n"
    "    kinds = subprocess.run([*git, 'cat-file', '--batch-all-objects', '--batch-check=%(objecttype)'],\n"
    "                           capture_output=True, text=True, check=True).stdout.split()\n"
    "    refs = subprocess.run([*git, 'for-each-ref', '--format=%(refname) %(objecttype)'],\n"
    "                          capture_output=True, text=True, check=True).stdout.splitlines()\n"
    "    parents = subprocess.run([*git, 'rev-list', '--parents', '--all'], capture_output=True, text=True,\n"
    "                             check=True).stdout.splitlines()\n"
    "    out[kind] = [collections.Counter(kinds), refs, collections.Counter(len(p.split()) - 1 for p in parents)]\n"
    "print(json.dumps(out))\n")


def test_the_floor_writes_the_objects_and_refs_a_registration_writes(tmp_path):
    """The floor is the issue's: the measured children (7 registrations over 2 models, each side
    warmed with one) leave the same objects on both sides, kind by kind (a model's root commit
    and its model.yaml; per registration its own manifest blob and tree, the version commit with
    gitreg's parents, the tag object), the same commit shapes (roots, first versions on their
    root, later ones on root and tip) and the same refs. Sessions 3-4's floor, the same manifest
    bytes every time, writes two objects a registration after its first."""
    proc = subprocess.run([sys.executable, "-c", _WRITTEN, str(BENCH.parent), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    held = json.loads(proc.stdout)
    gitreg, floor, same = held["gitreg"], held["floor"], held["floor-same-bytes"]
    versions = {"model-0000": 5, "model-0001": 3}  # the warm-up's v1, then 7 alternating
    assert gitreg[0] == floor[0] == {"blob": 2 + 8, "tree": 2 + 8, "commit": 2 + 8, "tag": 8}
    assert gitreg[2] == floor[2] == {"0": 2, "1": 2, "2": 6}  # roots; v1 on its root; root + tip
    refs = {f"refs/heads/{m} commit" for m in versions}
    refs |= {f"refs/tags/{m}/v{n} tag" for m, top in versions.items() for n in range(1, top + 1)}
    assert set(gitreg[1]) == set(floor[1]) == refs
    assert same[0] == {"blob": 1, "tree": 1, "commit": 7, "tag": 7}  # no warm-up, no roots, bytes reused


def test_big_bench_smoke(tmp_path):
    """`big` at a small size, with this tree as its own baseline (the baseline path is exercised)."""
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "big", "--repeat", "1", "--big-versions", "30",
                           "--page-depth", "150", "--baseline", str(BENCH.parents[1]),
                           "--workdir", str(tmp_path / "work"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    big = json.loads(out.read_text())["big"]
    assert set(big) == {f"{k}{s}" for k in ("versions", "versions --json", "served page") for s in ("", " (baseline)")}
    assert all(v > 0 for v in big.values())
    assert "versions of 30 (baseline):" in proc.stdout and "served page of 150:" in proc.stdout


def test_big_split_smoke(tmp_path):
    """benchmarks/big_split.py names each step of `versions` with a CPU time."""
    sys.path.insert(0, str(BENCH.parent))
    try:
        import big_split
        import fixtures
    finally:
        sys.path.remove(str(BENCH.parent))
    fixtures.build_gitreg(tmp_path / "one.git", 30, per_model=30)
    steps = big_split.main(str(tmp_path / "one.git"), "model-0000")
    assert list(steps)[0] == "list and sort the tags" and len(steps) == 9
    assert all(seconds >= 0 for seconds in steps.values())


def test_search_after_a_write_against_a_baseline_checkout(tmp_path):
    """`after-write` (a search or list right after one registration, the view index's block rebuild) runs this tree
    and --baseline's on their own registries, alternated."""
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "after-write", "--repeat", "1", "--versions", "200",
                           "--baseline", str(BENCH.parents[1]), "--workdir", str(tmp_path / "work"),
                           "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())["after_write"]
    assert set(results) == {"search after a registration", "search, nothing written", "list after a registration",
                            "list, nothing written", "rebuild one block"}
    assert all(set(sides) == {"this", "baseline"} and all(v > 0 for v in sides.values())
               for sides in results.values())
    assert "this / baseline" in proc.stdout
