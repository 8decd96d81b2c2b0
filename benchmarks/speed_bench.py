"""Issue 28's targets, each against a peer in the same run, in CPU time (user+sys of the whole
job and the git processes it starts), the two sides alternated, medians reported.

    python benchmarks/speed_bench.py register   # API registration vs the pygit2 floor; 10 vs 10,000 versions
    python benchmarks/speed_bench.py startup    # read commands and completion vs `python -c "import pygit2"`
    python benchmarks/speed_bench.py mlflow     # MLflow's client: gitreg:// vs MLflow's SQLite store, 1,000 versions
    python benchmarks/speed_bench.py big        # `versions` of a 20,000-version model vs its --json; a served
                                                # page of a 100,000-version model
With --baseline DIR (a checkout of another commit), `startup` and `big` also run each read
command (and the served page) from DIR, alternated with this tree's.

CPU rather than wall time: the machine these run on is shared, and CPU time is what a busy
neighbour disturbs least. Writes JSON to --out and prints one line per target.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def cpu_of(cmd: list[str], **kw: Any) -> float:
    """User+sys seconds of one whole process (and its children), waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def alternated(sides: dict[str, Callable[[], float]], repeat: int) -> dict[str, float]:
    """Median of each side, the sides run in turn (a, b, a, b, ...) so load hits both alike."""
    runs: dict[str, list[float]] = {name: [] for name in sides}
    for i in range(repeat):
        order = list(sides) if i % 2 == 0 else list(reversed(list(sides)))
        for name in order:
            runs[name].append(sides[name]())
    return {name: statistics.median(v) for name, v in runs.items()}


# -- registering ---------------------------------------------------------------------------
# One child process per measurement: it opens the registry, then times a loop of registrations
# with its own CPU clock plus that of the git processes it starts (config, identity), and prints
# seconds per registration. Import and open are outside the loop on both sides.
_CHILD = r'''
import resource, sys, time
sys.path.insert(0, {here!r})
kind, path, models, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
from run import REGISTER_ARGS
def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
if kind == "gitreg":
    from gitreg import ModelRegistry
    reg = ModelRegistry(path)
    reg.register_model("model-0000", **REGISTER_ARGS)  # warm: the registry exists
    t = cpu()
    for i in range(count):
        reg.register_model(f"model-{{i % models:04d}}", **REGISTER_ARGS)
else:  # the floor: the same objects and refs with pygit2 alone
    import pygit2
    repo = pygit2.Repository(path)
    sig = pygit2.Signature("Bench", "bench@example.com", int(time.time()), 0)
    manifest = open(sys.argv[5], "rb").read()
    tips = {{}}
    t = cpu()
    for i in range(count):
        m = f"model-{{i % models:04d}}"
        v = f"v{{i // models + 1}}"
        tb = repo.TreeBuilder()
        tb.insert("manifest.yaml", repo.create_blob(manifest), pygit2.GIT_FILEMODE_BLOB)
        tree = tb.write()
        parents = [tips[m]] if m in tips else []
        commit = repo.create_commit(None, sig, sig, f"register {{m}} {{v}}\n\nbenchmark\n", tree, parents)
        # the annotated tag and its ref
        repo.create_tag(f"{{m}}/{{v}}", commit, pygit2.GIT_OBJECT_COMMIT, sig, f"{{m}} {{v}}\n\nbenchmark\n")
        repo.references.create(f"refs/heads/{{m}}", commit, force=True)
        tips[m] = commit
print((cpu() - t) / count)
'''


def _per_registration(kind: str, path: Path, models: int, count: int, extra: list[str]) -> float:
    child = _CHILD.format(here=str(HERE))
    proc = subprocess.run([sys.executable, "-c", child, kind, str(path), str(models), str(count), *extra],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr}")
    return float(proc.stdout.strip().splitlines()[-1])


def _env_identity(home: Path) -> None:
    """A configured identity, as a user has (git's guessing is not what is measured)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
    os.environ["HOME"] = str(home)
    for var in ("GIT_CONFIG_GLOBAL", "XDG_CONFIG_HOME"):
        os.environ.pop(var, None)


def bench_register(work: Path, repeat: int, count: int, big: int) -> dict[str, Any]:
    import fixtures

    from gitreg import ModelRegistry
    from gitreg.core import yamlio
    from gitreg.model import manifest as mf

    manifest = work / "manifest.yaml"  # the floor writes a manifest of the same size
    manifest.write_bytes(yamlio.dump(mf.build_manifest(
        model="model-0000", version="v1", created_at=mf.now_iso(time.time()), status="completed",
        parent=None, base_model="Qwen2.5-Coder-7B", training={"framework": "unsloth"},
        scores={"accuracy": 0.85, "f1_score": 0.8, "pass_at_1": 0.4}, files=[], training_data=["oracle"],
        git_commit="abc123def456", tags=["bench"], notes="benchmark")))
    n = [0]

    def fresh(kind: str) -> Path:
        n[0] += 1
        path = work / f"{kind}-{n[0]}.git"
        if kind == "floor":
            subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
        else:
            ModelRegistry(path).init()
        return path

    out: dict[str, Any] = {}
    out["register"] = alternated({
        "gitreg": lambda: _per_registration("gitreg", fresh("gitreg"), 10, count, []),
        "floor": lambda: _per_registration("floor", fresh("floor"), 10, count, [str(manifest)]),
    }, repeat)
    # into one model of 10 versions vs one of `big` versions (fixtures by fast-import)
    small, large = work / "one-small.git", work / f"one-{big}.git"
    if not small.exists():
        fixtures.build_gitreg(small, 10, per_model=10)
    if not large.exists():
        fixtures.build_gitreg(large, big, per_model=big, lean=True)

    def copy(src: Path) -> Path:
        n[0] += 1
        dst = work / f"copy-{n[0]}.git"
        shutil.copytree(src, dst)
        return dst
    out["one_model"] = alternated({
        "small": lambda: _per_registration("gitreg", copy(small), 1, max(count // 4, 10), []),
        "big": lambda: _per_registration("gitreg", copy(large), 1, max(count // 4, 10), []),
    }, repeat)
    return out


# -- start-up ------------------------------------------------------------------------------
READS = {  # on a registry of 1,000 versions (10 models of 100), output to a pipe
    "show": ["show", "model-0000", "v50"], "list": ["list"], "versions": ["versions", "model-0000"],
    "info": ["info", "model-0000"], "search": ["search", "accuracy > 0.5", "--limit", "10"],
}


def bench_startup(work: Path, repeat: int, baseline: Path | None = None) -> dict[str, Any]:
    import fixtures

    registry = work / "reads-1000.git"
    if not registry.exists():
        fixtures.build_gitreg(registry, 1000, per_model=100)
    gitreg = [sys.executable, "-m", "gitreg", "-R", str(registry.resolve())]
    subprocess.run([*gitreg, "list"], check=True, stdout=subprocess.DEVNULL)  # the derived cache, once
    sides: dict[str, Callable[[], float]] = {"import pygit2": lambda: cpu_of([sys.executable, "-c", "import pygit2"])}
    for name, args in READS.items():
        sides[name] = lambda args=args: cpu_of([*gitreg, *args])
        if baseline is not None:
            env = {**os.environ, "PYTHONPATH": str(baseline)}
            sides[f"{name} (baseline)"] = lambda args=args, env=env: cpu_of([*gitreg, *args], env=env, cwd=baseline)
    # a TAB after `gitreg show ` in bash, as the completion script runs it
    env = {**os.environ, "_GITREG_COMPLETE": "complete_bash", "COMP_WORDS": f"gitreg -R {registry} show ",
           "COMP_CWORD": "4"}
    sides["complete a model name"] = lambda: cpu_of([sys.executable, "-m", "gitreg"], env=env)
    return alternated(sides, repeat)


# -- big models ----------------------------------------------------------------------------
_PAGE_CHILD = r'''
import statistics, sys, time
from werkzeug.test import Client
from gitreg.clients.web.server import WebApp
client, repeat = Client(WebApp(sys.argv[1])), int(sys.argv[2])
def page():
    t = time.process_time()
    assert client.get("/m/chain/page-2.html").status_code == 200
    return time.process_time() - t
page()  # warm: imports, templates
print(statistics.median(page() for _ in range(repeat)))
'''


def _page_cpu(chain: Path, repeat: int, tree: Path) -> float:
    """Median CPU of the served page in a child process running the gitreg of `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", _PAGE_CHILD, str(chain), str(repeat)], check=True, env=env,
                         cwd=tree, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def bench_big(work: Path, repeat: int, versions: int, page_depth: int,
              baseline: Path | None = None) -> dict[str, Any]:
    """`gitreg versions M` (piped) vs `--json` of a `versions`-version model, whole processes;
    the served page 2 of a `page_depth`-version model (WSGI, in process, a fresh registry per
    request as the server makes), CPU of the request. With `baseline` (another checkout), the
    same from it, alternated with this tree's (each tree's page in its own child process)."""
    import fixtures

    big = work / f"one-{versions}.git"
    if not big.exists():
        fixtures.build_gitreg(big, versions, per_model=versions)
    chain = work / f"chain-{page_depth}.git"
    if not chain.exists():
        fixtures.build_chain(chain, page_depth)
    gitreg = [sys.executable, "-m", "gitreg", "-R"]
    for path, model in ((big, "model-0000"), (chain, "chain")):  # the derived cache, once
        subprocess.run([*gitreg, str(path), "versions", model, "--json"], check=True, stdout=subprocess.DEVNULL)
    here = HERE.parent
    trees = {"": here, **({" (baseline)": baseline} if baseline is not None else {})}
    sides: dict[str, Callable[[], float]] = {}
    for suffix, tree in trees.items():
        env = {**os.environ, "PYTHONPATH": str(tree)}  # run from the tree: `-m` puts the cwd first
        sides["versions" + suffix] = lambda env=env, tree=tree: cpu_of(
            [*gitreg, str(big), "versions", "model-0000"], env=env, cwd=tree)
        sides["versions --json" + suffix] = lambda env=env, tree=tree: cpu_of(
            [*gitreg, str(big), "versions", "model-0000", "--json"], env=env, cwd=tree)
        sides["served page" + suffix] = lambda tree=tree: _page_cpu(chain, 3, tree)
    return alternated(sides, repeat)


# -- MLflow store --------------------------------------------------------------------------
MLFLOW_CALLS = {
    "search_model_versions(\"name='model-0003'\")": lambda c: c.search_model_versions("name='model-0003'"),
    "search_model_versions(first page of 100)": lambda c: c.search_model_versions(max_results=100),
    "search_registered_models()": lambda c: c.search_registered_models(),
}


def bench_mlflow(work: Path, repeat: int, total: int = 1000) -> dict[str, Any]:
    """In one process, MLflow's own client on both stores, each call's CPU time, alternated."""
    import logging

    import fixtures
    from mlflow import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    per_model = min(100, total)
    registry, db = work / f"mlflow-gitreg-{total}.git", work / f"mlflow-{total}.db"
    if not registry.exists():
        fixtures.build_gitreg(registry, total, per_model=per_model)
    tracking = f"sqlite:///{work / 'tracking.db'}"
    if not (work / f"mlflow-{total}.built").exists():
        db.unlink(missing_ok=True)
        sqlite = MlflowClient(tracking_uri=tracking, registry_uri=f"sqlite:///{db}")
        for m in range(total // per_model):
            sqlite.create_registered_model(fixtures.model_name(m))
            for _ in range(per_model):
                sqlite.create_model_version(fixtures.model_name(m), source="s3://models/x", await_creation_for=0)
        (work / f"mlflow-{total}.built").write_text("")
    clients = {"gitreg": MlflowClient(tracking_uri=tracking, registry_uri=f"gitreg://{registry}"),
               "sqlite": MlflowClient(tracking_uri=tracking, registry_uri=f"sqlite:///{db}")}

    def cpu(call: Callable[[Any], Any], client: Any) -> float:
        t = time.process_time()
        call(client)
        return time.process_time() - t

    out = {}
    for name, call in MLFLOW_CALLS.items():
        for client in clients.values():
            call(client)  # warm: stores opened, derived caches filled
        out[name] = alternated({side: (lambda c=c, call=call: cpu(call, c)) for side, c in clients.items()},
                               repeat)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="+", choices=["register", "startup", "mlflow", "big"])
    ap.add_argument("--baseline", type=Path, help="a checkout whose read commands `startup` (and `big`) also runs")
    ap.add_argument("--big-versions", type=int, default=20_000, help="versions of `big`'s one long model")
    ap.add_argument("--page-depth", type=int, default=100_000, help="versions of `big`'s chain (the served page)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--count", type=int, default=200, help="registrations per measured loop")
    ap.add_argument("--big", type=int, default=10_000, help="versions of the big one-model registry")
    ap.add_argument("--mlflow-total", type=int, default=1000, help="versions in each MLflow store (100 a model)")
    ap.add_argument("--workdir", type=Path, default=HERE / ".work" / "speed")
    ap.add_argument("--out", type=Path, default=HERE / "speed_results.json")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    _env_identity(args.workdir / "home")
    results: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "load": os.getloadavg()}
    if "register" in args.what:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            r = bench_register(Path(tmp), args.repeat, args.count, args.big)
        results.update(r)
        print(f"register (API) {r['register']['gitreg'] * 1e3:.2f} ms CPU vs pygit2 floor "
              f"{r['register']['floor'] * 1e3:.2f} ms: {r['register']['gitreg'] / r['register']['floor']:.2f}x")
        print(f"register into {args.big:,} versions {r['one_model']['big'] * 1e3:.2f} ms vs into 10 "
              f"{r['one_model']['small'] * 1e3:.2f} ms: {r['one_model']['big'] / r['one_model']['small']:.2f}x")
    if "startup" in args.what:
        r = bench_startup(args.workdir, args.repeat, args.baseline)
        results["startup"] = r
        peer = r["import pygit2"]
        for name, cpu in r.items():
            print(f"{name}: {cpu * 1e3:.0f} ms CPU, {cpu / peer:.2f}x `python -c \"import pygit2\"`")
    if "big" in args.what:
        r = bench_big(args.workdir, args.repeat, args.big_versions, args.page_depth, args.baseline)
        results["big"] = r
        for suffix in ("", " (baseline)") if args.baseline is not None else ("",):
            print(f"versions of {args.big_versions:,}{suffix}: {r['versions' + suffix]:.2f} s CPU vs --json "
                  f"{r['versions --json' + suffix]:.2f} s: {r['versions' + suffix] / r['versions --json' + suffix]:.2f}x; "
                  f"served page of {args.page_depth:,}: {r['served page' + suffix] * 1e3:.0f} ms CPU")
    if "mlflow" in args.what:
        r = bench_mlflow(args.workdir, args.repeat, args.mlflow_total)
        results["mlflow"] = r
        for name, sides in r.items():
            print(f"{name}: gitreg:// {sides['gitreg'] * 1e3:.1f} ms CPU vs SQLite {sides['sqlite'] * 1e3:.1f} ms: "
                  f"{sides['gitreg'] / sides['sqlite']:.2f}x")
    prev = json.loads(args.out.read_text()) if args.out.exists() else {}
    prev.update(results)
    args.out.write_text(json.dumps(prev, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
