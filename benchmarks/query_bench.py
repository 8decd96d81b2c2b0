"""Queries over big registries: gitreg's query language beside MLflow's search_model_versions.

    python benchmarks/query_bench.py --sizes 1000,10000,100000 --mlflow-sizes 1000,10000

The same data in both (the fixture of benchmarks/fixtures.py; MLflow gets each
version's accuracy, framework, tags and cost as model-version tags). Three questions:
- across: `accuracy > 0.99 and framework = unsloth and tag:candidate` over every model
  (gitreg: `registry.search`, records of the matches included; MLflow: the tag filter
  on the server, `accuracy > 0.99` in the client, since its grammar has no numbers);
- one model: `accuracy > 0.5` in model-0000 (`search(..., model=)` / `name = '...'`);
- best: the cheapest version of model-0000 (`best --by cost_usd` / min over a search).
gitreg rows are in-process on a freshly opened registry with the derived cache warm
(the "no cache yet" row is the first query), plus `gitreg search` as a whole process and
the first search after a write to one model (its block of the view index rebuilt).
Medians of --repeat runs; prints a Markdown table, writes JSON to --out.
"""
from __future__ import annotations

import argparse
import compileall
import json
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (fixtures, peer venvs, process timing)

ACROSS = "accuracy > 0.99 and framework = unsloth and tag:candidate"
ONE = "accuracy > 0.5"


def measure(repeat: int, fn: Callable[[], Any]) -> dict[str, Any]:
    """Median wall time ("s") and median CPU time of this process ("cpu_s", which other
    processes on a shared machine inflate far less), and what fn returned."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return {"s": statistics.median(wall), "cpu_s": statistics.median(cpu), "result": result}


def cli_measure(cmd: list[str], repeat: int) -> dict[str, Any]:
    """Median wall time and median CPU time (user + system) of a whole process."""
    wall, cpu = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall.append(run.timed_process(cmd)[0])
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"s": statistics.median(wall), "cpu_s": statistics.median(cpu)}


def after_a_write(path: Path, repeat: int) -> dict[str, Any]:
    """The first search of every model after one model changed (a note on one version):
    that model's block of the view index is rebuilt and the other blocks are copied."""
    from gitreg import ModelRegistry

    def one() -> float:
        ModelRegistry(path).update_evaluation_scores(run.MODEL, "v1", bench_runs=float(time.time()))
        t = time.process_time(), time.perf_counter()
        ModelRegistry(path).search(ACROSS)
        return time.perf_counter() - t[1], time.process_time() - t[0]

    runs = [one() for _ in range(repeat)]
    return {"s": statistics.median(r[0] for r in runs), "cpu_s": statistics.median(r[1] for r in runs)}


def bench_gitreg(path: Path, repeat: int, cold: bool = True) -> dict[str, Any]:
    from gitreg import ModelRegistry

    out: dict[str, Any] = {}
    if cold:
        shutil.rmtree(path / "gitreg-cache", ignore_errors=True)
        out["across_cold"] = measure(1, lambda: len(ModelRegistry(path).search(ACROSS)))
    else:  # the registry-wide index may be from another commit: one query brings it up to date
        ModelRegistry(path).search(ACROSS)
    for name, fn in (
        ("across", lambda: len(ModelRegistry(path).search(ACROSS))),
        ("across_limit", lambda: len(ModelRegistry(path).search(ACROSS, sort="accuracy", limit=10))),
        ("one_model", lambda: len(ModelRegistry(path).search(ONE, model=run.MODEL))),
        ("best", lambda: ModelRegistry(path).best(run.MODEL, by="cost_usd").version),
    ):
        out[name] = measure(repeat, fn)
    # as installed: pip compiles bytecode, which this source checkout would otherwise
    # recompile on every run when PYTHONDONTWRITEBYTECODE is set
    import gitreg
    compileall.compile_dir(str(Path(gitreg.__file__).parent), quiet=1)
    out["cli_across"] = cli_measure([*run.gitreg_cmd(), "-R", str(path), "search", ACROSS, "--limit", "20"], repeat)
    out["after_write"] = after_a_write(path, repeat)
    return out


def export_rows(path: Path) -> list[list[Any]]:
    """The values MLflow gets, read through gitreg's own views."""
    from gitreg import ModelRegistry
    from gitreg.features.query import search as find

    found = find(ModelRegistry(path)._reader(), "")
    return [[v["model"], v["version"], v["m"].get("accuracy"), v["framework"], v["tag"], v["cost_usd"]]
            for v in found.views]


def bench_mlflow(workdir: Path, venv: Path, path: Path, size: int, repeat: int, timeout: float) -> dict[str, Any]:
    data = workdir / "fixtures" / f"query-rows-{size}.json"
    if not data.exists():
        data.write_text(json.dumps(export_rows(path)))
    cmd = [str(venv / "bin" / "python"), str(HERE / "peers" / "mlflow_query_bench.py"),
           str(workdir / "fixtures" / f"mlflow-query-{size}"), str(data), str(max(repeat, 3))]
    return run.peer_json(cmd, timeout)


def table(results: dict[str, Any]) -> str:
    sizes = results["sizes"]
    g, m = results["gitreg"], results.get("mlflow", {})

    def cell(side: dict, size: int, key: str) -> str:
        return run.fmt((side.get(str(size)) or {}).get(key))

    def ratio(size: int, key: str, unit: str = "s") -> str:
        a, b = (g.get(str(size)) or {}).get(key), (m.get(str(size)) or {}).get(key)
        if not a or not b or unit not in a or unit not in b:
            return "-"
        return f"{b[unit] / a[unit]:.1f}x"

    def cpu(side: dict, size: int, key: str) -> str:
        entry = (side.get(str(size)) or {}).get(key)
        return run.fmt({"s": entry["cpu_s"]}) if entry and "cpu_s" in entry else "-"

    rows = [
        ("gitreg search across every model (no cache yet)", lambda s: cell(g, s, "across_cold")),
        ("gitreg search across every model", lambda s: cell(g, s, "across")),
        ("gitreg search, sorted, limit 10", lambda s: cell(g, s, "across_limit")),
        ("gitreg `search` (CLI, whole process)", lambda s: cell(g, s, "cli_across")),
        ("gitreg search one model", lambda s: cell(g, s, "one_model")),
        ("gitreg best --by cost_usd", lambda s: cell(g, s, "best")),
        ("mlflow search_model_versions + client filter", lambda s: cell(m, s, "across")),
        ("mlflow search one model + client filter", lambda s: cell(m, s, "one_model")),
        ("mlflow cheapest of one model", lambda s: cell(m, s, "best")),
        ("gitreg search across every model, CPU time", lambda s: cpu(g, s, "across")),
        ("gitreg search, sorted, limit 10, CPU time", lambda s: cpu(g, s, "across_limit")),
        ("gitreg `search` (CLI, whole process), CPU time", lambda s: cpu(g, s, "cli_across")),
        ("gitreg search one model, CPU time", lambda s: cpu(g, s, "one_model")),
        ("gitreg search across every model, first after a write to one model", lambda s: cell(g, s, "after_write")),
        ("the same, CPU time", lambda s: cpu(g, s, "after_write")),
        ("mlflow search + client filter, CPU time", lambda s: cpu(m, s, "across")),
        ("**gitreg faster: across every model**", lambda s: ratio(s, "across")),
        ("**gitreg faster: across every model, CPU time**", lambda s: ratio(s, "across", "cpu_s")),
        ("**gitreg faster: one model**", lambda s: ratio(s, "one_model")),
        ("**gitreg faster: best**", lambda s: ratio(s, "best")),
    ]
    lines = ["| query | " + " | ".join(f"{s:,}" for s in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    lines += [f"| {label} | " + " | ".join(fn(s) for s in sizes) + " |" for label, fn in rows]
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--mlflow-sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-peers", action="store_true", help="gitreg only")
    ap.add_argument("--no-cold", action="store_true", help="keep the derived cache: skip the first-query row")
    ap.add_argument("--mlflow-timeout", type=float, default=3600.0)
    ap.add_argument("--workdir", type=Path, default=HERE / ".work")
    ap.add_argument("--out", type=Path, default=HERE / ".work" / "query-results.json")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results: dict[str, Any] = {"sizes": sizes, "repeat": args.repeat, "machine": run.machine(),
                               "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "gitreg": {}, "mlflow": {}}

    def save() -> None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))

    venv = None if args.no_peers else run.peer_venv(args.workdir, "mlflow", "mlflow")
    for size in sizes:
        path = run.fixture(args.workdir, "gitreg", size)
        print(f"gitreg queries at {size:,} versions", file=sys.stderr)
        results["gitreg"][str(size)] = bench_gitreg(path, args.repeat, cold=not args.no_cold)
        save()
        if venv is not None and str(size) in args.mlflow_sizes.split(","):
            print(f"MLflow queries at {size:,} versions", file=sys.stderr)
            results["mlflow"][str(size)] = bench_mlflow(args.workdir, venv, path, size, args.repeat,
                                                        args.mlflow_timeout)
            save()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
