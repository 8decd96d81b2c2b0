"""Issue 28, start-up of the read commands below the CLI: each read's API side (the calls the
CLI command makes, nothing rendered) and the whole CLI, as whole processes in CPU time against
`python -c "import pygit2"`, alternated, medians; optionally the same from a baseline tree.

    python benchmarks/startup_bench.py --repeat 7 --baseline /tmp/base
    python benchmarks/startup_bench.py --no-bytecode   # as with PYTHONDONTWRITEBYTECODE=1 and no .pyc

Bytecode: an installed gitreg has its .pyc files (pip compiles them); an editable checkout
run with PYTHONDONTWRITEBYTECODE=1 compiles every gitreg module on every start. By default
both trees are compiled first (`compileall`), so what is measured is what an installed gitreg
costs; --no-bytecode measures the other case: each tree's gitreg package is copied without
its __pycache__ and run with PYTHONDONTWRITEBYTECODE=1 (Python and its other packages keep
their .pyc files, as in that setup).
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from speed_bench import READS, alternated, cpu_of  # noqa: E402

# What each read command (gitreg/clients/cli/commands/<cmd>.py) asks of the API, in order.
DRIVER = r'''
import sys
cmd, path = sys.argv[1], sys.argv[2]
from gitreg.api.registry import ModelRegistry
reg = ModelRegistry(path)
if cmd == "show":
    v = reg.get_version("model-0000", "v50")
    [a for a in reg.approvals(v.model_name) if a.version == v.version]
elif cmd == "list":
    reg.check_refs()
    for name in reg.list_models():
        reg.list_versions(name)
elif cmd == "versions":
    reg.list_versions("model-0000")
elif cmd == "info":
    reg.get_metadata("model-0000")
    if reg.list_versions("model-0000"):
        reg.get_latest("model-0000")
    reg.deployments("model-0000")
elif cmd == "search":
    from gitreg.api.queries import names_in, parse
    reg.search("accuracy > 0.5", model=None, sort=None, limit=10)
    names_in(parse("accuracy > 0.5"))
reg.problems
'''


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--registry", type=Path, default=HERE / ".work" / "speed" / "reads-1000.git",
                    help="a 1,000-version registry (10 models x 100); built when absent")
    ap.add_argument("--baseline", type=Path, help="a checkout of another commit, measured alike")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-bytecode", action="store_true", help="no .pyc of gitreg read or written")
    ap.add_argument("--out", type=Path, default=HERE / "imports_results.json")
    args = ap.parse_args(argv)
    registry = args.registry.resolve()
    if not registry.exists():
        import fixtures
        fixtures.build_gitreg(registry, 1000, per_model=100)
    trees = {"this": HERE.parent, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    scratch = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    env_of: dict[str, dict[str, str]] = {}
    for name, tree in trees.items():
        if args.no_bytecode:  # a copy without .pyc files, none written
            copy = scratch / name
            shutil.copytree(tree / "gitreg", copy / "gitreg", ignore=shutil.ignore_patterns("__pycache__"))
            trees[name] = copy
            env_of[name] = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
        else:
            compileall.compile_dir(str(tree / "gitreg"), quiet=1)
            env_of[name] = {**os.environ, "PYTHONPATH": str(tree)}
    gitreg = [sys.executable, "-m", "gitreg", "-R", str(registry)]
    for env in env_of.values():  # the derived caches and the view index, once
        for cmd_args in READS.values():
            cpu_of([*gitreg, *cmd_args], env=env)
    sides: dict[str, Callable[[], float]] = {
        "import pygit2": lambda: cpu_of([sys.executable, "-c", "import pygit2"]),
        "import pygit2, yaml": lambda: cpu_of([sys.executable, "-c", "import pygit2, yaml"]),
    }
    for tree, env in env_of.items():
        cwd = str(trees[tree])
        sides[f"import gitreg.api.registry ({tree})"] = lambda env=env, cwd=cwd: cpu_of(
            [sys.executable, "-c", "import gitreg.api.registry"], env=env, cwd=cwd)
        for cmd, cmd_args in READS.items():
            sides[f"api {cmd} ({tree})"] = lambda cmd=cmd, env=env, cwd=cwd: cpu_of(
                [sys.executable, "-c", DRIVER, cmd, str(registry)], env=env, cwd=cwd)
            sides[f"cli {cmd} ({tree})"] = lambda a=cmd_args, env=env, cwd=cwd: cpu_of(
                [*gitreg, *a], env=env, cwd=cwd)
    try:
        medians = alternated(sides, args.repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    peer = medians["import pygit2"]
    for name, cpu in medians.items():
        print(f"{name}: {cpu * 1e3:.0f} ms CPU, {cpu / peer:.2f}x import pygit2")
    results: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "load": os.getloadavg(), "repeat": args.repeat,
                               "bytecode": not args.no_bytecode, "cpu_seconds": medians,
                               "ratio_to_import_pygit2": {k: v / peer for k, v in medians.items()}}
    prev = json.loads(args.out.read_text()) if args.out.exists() else {}
    prev["no_bytecode" if args.no_bytecode else "bytecode"] = results
    args.out.write_text(json.dumps(prev, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
