"""Issue 28's start-up costs in instructions (valgrind's callgrind): deterministic under load, where
the timed ratios (startup_bench.py, mlflow_first_call_alternated.py) move with the neighbours.

    python benchmarks/import_instructions.py --tree . --tree /tmp/base [--mlflow-workdir /tmp/ml --totals 1000]

Reads: whole processes, as startup_bench.py runs them: `python -c "import pygit2"` (the peer),
`import gitreg.api.registry`, each read command's API side (startup_bench.DRIVER) and its CLI,
on a 1,000-version registry (10 models x 100; each tree on its own copy, its derived caches and
view index made before counting).

MLflow (with --mlflow-workdir, speed_bench.py's fixtures): mlflow_first_call.py's "the store" +
"the call" for each call of mlflow_first_call_alternated.CALLS, gitreg:// with each tree and
MLflow's SQLite store. MLflow's own import (~9 G instructions) is outside the count: the child
runs uninstrumented (`--instr-atstart=no`) and switches callgrind's instrumentation on just before
the store is built and off after the call, through a two-function helper compiled here (gcc and
valgrind's callgrind.h) and called with ctypes.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from mlflow_first_call_alternated import CALLS  # noqa: E402
from speed_bench import READS  # noqa: E402
from startup_bench import DRIVER  # noqa: E402

_HELPER = r'''
#include <valgrind/callgrind.h>
void count_on(void) { CALLGRIND_START_INSTRUMENTATION; }
void count_off(void) { CALLGRIND_STOP_INSTRUMENTATION; }
'''
_MLFLOW = r'''
import ctypes, logging, sys
helper = ctypes.CDLL(sys.argv[4])
tracking, uri, source = sys.argv[1:4]
from mlflow import MlflowClient
logging.getLogger("mlflow").setLevel(logging.ERROR)
MlflowClient(tracking_uri=tracking, registry_uri=uri)
from importlib.metadata import entry_points
builders = {ep.name: ep.load() for ep in entry_points(group="mlflow.model_registry_store")}
call = eval(f"lambda s: {source}")
scheme = uri.partition(":")[0]
if scheme not in builders:
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore
helper.count_on()
store = builders[scheme](store_uri=uri, tracking_uri=tracking) if scheme in builders else SqlAlchemyStore(uri)
call(store)
helper.count_off()
'''


def instructions(cmd: list[str], env: dict[str, str], cwd: Path, *valgrind_opts: str) -> int:
    """Instructions callgrind counted in one run of cmd (its own process only)."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *valgrind_opts, *cmd],
                         env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


def toggle_helper(work: Path) -> Path:
    """The shared library whose count_on() / count_off() switch callgrind's instrumentation."""
    helper = work / "count_toggle.so"
    if not helper.exists():
        source = work / "count_toggle.c"
        source.write_text(_HELPER)
        subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", str(helper), str(source)], check=True)
    return helper


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path, action="append", required=True, help="a checkout (the first is 'this')")
    ap.add_argument("--registry", type=Path, default=HERE / ".work" / "speed" / "reads-1000.git",
                    help="a 1,000-version registry (10 models x 100), copied per tree; built when absent")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "import-instructions")
    ap.add_argument("--mlflow-workdir", type=Path, help="speed_bench.py mlflow's fixtures (mlflow-<total>.db, "
                    "mlflow-gitreg-<total>.git, tracking.db); each tree reads its own copy")
    ap.add_argument("--totals", type=int, nargs="+", default=[1000])
    ap.add_argument("--no-reads", action="store_true")
    ap.add_argument("--call", type=int, action="append", help="count only these of CALLS, by index (0-4; "
                    "each side of a call is ~50 s under valgrind at 10,000 versions); default: all")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    trees = [t.resolve() for t in args.tree]
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    results: dict[str, int] = {}

    def count(label: str, cmd: list[str], env: dict[str, str], cwd: Path, *opts: str) -> None:
        results[label] = instructions(cmd, env, cwd, *opts)
        print(f"{label}: {results[label] / 1e6:.1f} M", flush=True)

    py = sys.executable
    if not args.no_reads:
        registry = args.registry.resolve()
        if not registry.exists():
            import fixtures
            fixtures.build_gitreg(registry, 1000, per_model=100)
        count("import pygit2", [py, "-c", "import pygit2"], base_env, work)
        for i, tree in enumerate(trees):
            subprocess.run([py, "-m", "compileall", "-q", str(tree / "gitreg")], check=True)
            env = {**base_env, "PYTHONPATH": str(tree)}
            copy = work / f"reads-1000-tree{i}.git"
            if not copy.exists():
                shutil.copytree(registry, copy, symlinks=True)
            cli = [py, "-m", "gitreg", "-R", str(copy)]
            for cmd_args in READS.values():  # the derived caches and the view index, before counting
                subprocess.run([*cli, *cmd_args], env=env, cwd=tree, check=True, stdout=subprocess.DEVNULL)
            count(f"import gitreg.api.registry ({tree})", [py, "-c", "import gitreg.api.registry"], env, tree)
            for cmd, cmd_args in READS.items():
                count(f"api {cmd} ({tree})", [py, "-c", DRIVER, cmd, str(copy)], env, tree)
                count(f"cli {cmd} ({tree})", [*cli, *cmd_args], env, tree)
    if args.mlflow_workdir:
        ml = args.mlflow_workdir.resolve()
        helper = toggle_helper(work)
        env = {**base_env, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "HOME": str(ml / "home")}
        tracking = f"sqlite:///{ml / 'tracking.db'}"
        for total in args.totals:
            sides = []
            for i, tree in enumerate(trees):
                subprocess.run([py, "-m", "compileall", "-q", str(tree / "gitreg")], check=True)
                copy = ml / f"mlflow-gitreg-{total}-instr{i}.git"
                if not copy.exists():
                    shutil.copytree(ml / f"mlflow-gitreg-{total}.git", copy, symlinks=True)
                sides.append((f"gitreg ({tree})", tree, f"gitreg://{copy}"))
            sides.append(("sqlite", trees[0], f"sqlite:///{ml / f'mlflow-{total}.db'}"))
            calls = list(CALLS.items())
            for name, source in (calls if args.call is None else [calls[i] for i in args.call]):
                for label, tree, uri in sides:
                    cmd = [py, "-c", _MLFLOW, tracking, uri, source, str(helper)]
                    side_env = {**env, "PYTHONPATH": str(tree)}
                    subprocess.run(cmd, env=side_env, cwd=ml, check=True, stdout=subprocess.DEVNULL)  # caches current
                    count(f"mlflow {total} {name}: store + call, {label}", cmd, side_env, ml, "--instr-atstart=no")
    if args.out:
        prev = json.loads(args.out.read_text()) if args.out.exists() else {}
        prev.update({"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "trees": [str(t) for t in trees]})
        prev.setdefault("instructions", {}).update(results)
        args.out.write_text(json.dumps(prev, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
