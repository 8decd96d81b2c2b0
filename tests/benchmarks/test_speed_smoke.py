"""benchmarks/speed_bench.py runs end to end at its smallest size (a smoke test: no timings asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "speed_bench.py"


def test_speed_bench_smoke(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "register", "startup", "mlflow", "--repeat", "1",
                           "--count", "5", "--big", "50", "--mlflow-total", "20",
                           "--workdir", str(tmp_path / "work"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert results["register"]["gitreg"] > 0 and results["register"]["floor"] > 0
    assert results["one_model"]["big"] > 0 and results["one_model"]["small"] > 0
    assert set(results["startup"]) == {"import pygit2", "show", "list", "versions", "info", "search",
                                       "complete a model name"}
    assert len(results["mlflow"]) == 3 and all(set(r) == {"gitreg", "sqlite"} for r in results["mlflow"].values())
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


def test_register_with_the_floor_writing_new_manifests(tmp_path):
    """`register --floor-new-manifest` adds, in the same alternation, the floor whose every
    registration writes its own manifest (a new blob and tree, as gitreg's)."""
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "register", "--repeat", "1", "--count", "4", "--big", "0",
                           "--floor-new-manifest", "--workdir", str(tmp_path / "work"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert set(results["register"]) == {"gitreg", "floor", "floor (new manifest)"}
    assert all(v > 0 for v in results["register"].values())
    assert "writing each registration's own manifest" in proc.stdout


def test_the_plain_floor_writes_two_objects_a_registration_and_the_new_manifest_floor_four(tmp_path):
    """Why the two floors differ: the plain floor's manifest never changes, so after the first
    registration libgit2 finds its blob and tree stored and writes only the commit and the tag."""
    script = (
        "import subprocess, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import speed_bench\n"
        "manifest = Path(sys.argv[2]) / 'manifest.yaml'; manifest.write_bytes(b'schema: gitreg/1\\n"
        "model_name: model-0000\\nversion: v1\\ncreated_at: x\\nstatus: completed\\n')\n"
        "for extra in ([str(manifest)], [str(manifest), 'new']):\n"
        "    path = Path(sys.argv[2]) / f'floor-{len(extra)}.git'\n"
        "    subprocess.run(['git', 'init', '-q', '--bare', str(path)], check=True)\n"
        "    speed_bench._per_registration('floor', path, 2, 6, extra)\n"
        "    print(sum(1 for p in (path / 'objects').rglob('*') if p.is_file() and len(p.parent.name) == 2))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(BENCH.parent), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert [int(n) for n in proc.stdout.split()] == [2 + 6 * 2, 6 * 4]


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
