"""Issue 28's targets, each against a peer in the same run, in CPU time (user+sys of the whole
job and the git processes it starts), the two sides alternated, medians reported.

    python benchmarks/speed_bench.py register   # API registration vs the pygit2 floor; 10 vs 10,000 versions
    python benchmarks/speed_bench.py startup    # read commands and completion vs `python -c "import pygit2"`
    python benchmarks/speed_bench.py mlflow     # MLflow's client: gitreg:// vs MLflow's SQLite store, 1,000 versions
                                                # (--mlflow-total 10000: 100 models of 100); --cold: also
                                                # each call in fresh processes (whole, and client + first call)
    python benchmarks/speed_bench.py mlflow-server  # create_model_version through `mlflow server`, both stores
    python benchmarks/speed_bench.py stacks     # CPU of importing python alone, argparse, click, typer, pygit2
    python benchmarks/speed_bench.py big        # `versions` of a 20,000-version model vs its --json; a served
                                                # page of a 100,000-version model
    python benchmarks/speed_bench.py after-write --baseline DIR [--before DIR]
                                                # `search` right after one registration (the view index's
                                                # block rebuild) and one block's rebuild, this tree vs DIR(s)
With --baseline DIR (a checkout of another commit), `startup` and `big` also run each read
command (and the served page) from DIR, `register` DIR's registration and `mlflow --cold` both
stores with DIR's gitreg, alternated with this tree's.

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


def alternated(sides: dict[str, Callable[[], float]], repeat: int,
               runs: dict[str, list[float]] | None = None) -> dict[str, float]:
    """Median of each side, the sides run in turn (a, b, a, b, ...) so load hits both alike;
    `runs` (when given) receives every run, in order, for ratios taken run by run."""
    runs = {} if runs is None else runs
    runs.update({name: [] for name in sides})
    for i in range(repeat):
        order = list(sides) if i % 2 == 0 else list(reversed(list(sides)))
        for name in order:
            runs[name].append(sides[name]())
    return {name: statistics.median(v) for name, v in runs.items()}


# -- registering ---------------------------------------------------------------------------
# One child process per measurement: it opens the registry, then times a loop of registrations
# with its own CPU clock plus that of the git processes it starts (config, identity), and prints
# seconds per registration (last line; the line before: its user and system parts). Import and
# open are outside the loop on both sides.
_CHILD = r'''
import resource, sys, time
sys.path.insert(0, {here!r})
kind, path, models, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
from run import REGISTER_ARGS
def cpu():  # (user, system) seconds of this process and the git processes it started
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + c.ru_utime, s.ru_stime + c.ru_stime
if kind == "gitreg":
    from gitreg import ModelRegistry
    reg = ModelRegistry(path)
    reg.register_model("model-0000", **REGISTER_ARGS)  # warm: the registry exists
    t = cpu()
    for i in range(count):
        reg.register_model(f"model-{{i % models:04d}}", **REGISTER_ARGS)
else:  # the floor: the same objects and refs with pygit2 alone (speed_bench.floor_loop)
    import datetime, pygit2
    from speed_bench import floor_loop
    repo = pygit2.Repository(path)
    manifest = open(sys.argv[5], "rb").read()
    state = {{}}
    if kind == "floor":  # warm as gitreg's side is: model-0000 and its v1 exist
        floor_loop(repo, manifest, 1, 1, state=state)
    t = cpu()
    floor_loop(repo, manifest, models, count, same_bytes=kind == "floor-same-bytes", state=state)
user, system = (now - then for now, then in zip(cpu(), t))
print(user / count, system / count)  # the split: user (Python, libgit2) and system (the file system)
print((user + system) / count)
'''


def floor_loop(repo: Any, manifest: bytes, models: int, count: int, same_bytes: bool = False,
               state: dict[str, list] | None = None, protocol: bool = False) -> None:
    """The issue's floor: "the same objects and refs written with pygit2 alone (blob, tree, commit,
    annotated tag, ref)", `count` registrations over `models` models (`state`: model -> [root,
    tip, versions], carried from an earlier call).

    Each registration writes the objects a gitreg registration writes: a model's first one its
    root commit (model.yaml, as gitreg's model.yaml), then its own manifest (gitreg's bytes with
    this registration's name, version and time: a new blob and a new tree), the version commit
    with gitreg's parents (the root, then the previous tip), an annotated tag object; then the
    two refs in gitreg's order, each a compare-and-swap as gitreg's are: the tag ref created
    only if absent (`create_tag`: libgit2 checks under the ref's lock), then the branch moved
    only from the value read (`Reference.set_target`, libgit2's git_reference_set_target:
    refused if the ref moved meanwhile), or created only if absent for a new model.
    `same_bytes`: sessions 3-4's floor, kept to compare with their figures: the same manifest
    bytes every time (libgit2 finds the blob and tree stored: two objects written of four), no
    root commit, one parent, and the branch ref overwritten (force).
    `protocol`: the floor plus only the storage contract's ref protocol, gitreg's own code for it
    (the tag object written raw as gitreg writes it; both refs moved by transaction.update_refs:
    owner record, both locks taken, re-read under them, moved in order), so a benchmark can tell
    what the contract's crash safety costs from what the rest of a registration does.
    """
    import datetime

    import pygit2

    sig = pygit2.Signature("Bench", "bench@example.com", int(time.time()), 0)
    head, _, rest = manifest.partition(b"model_name: ")
    tail = rest.partition(b"created_at: ")[2].partition(b"\n")[2]
    utc = datetime.timezone.utc
    blob_mode = pygit2.GIT_FILEMODE_BLOB
    state = {} if state is None else state
    gitdir = Path(repo.path)  # made once, as gitreg's Store makes it
    for i in range(count):
        m = f"model-{i % models:04d}"
        known = state.get(m)
        n = known[2] + 1 if known is not None else 1
        v = f"v{n}"
        if same_bytes:
            data, root = manifest, None
            parents = [known[1]] if known is not None else []
        else:
            when = datetime.datetime.now(utc).isoformat()
            if known is None:  # a new model: its root commit first, as gitreg's first registration
                model_file = f"model_name: {m}\ncreated_at: '{when}'\ndescription: ''\nowner: ''\ntags: []\nnotes: ''\n"
                rtb = repo.TreeBuilder()
                rtb.insert("model.yaml", repo.create_blob(model_file.encode()), blob_mode)
                root = tip = repo.create_commit(None, sig, sig, f"create model {m}\n", rtb.write(), [])
            else:
                root, tip = known[0], known[1]
            data = head + f"model_name: {m}\nversion: {v}\ncreated_at: '{when}'\n".encode() + tail
            parents = [root] if tip == root else [root, tip]
        tb = repo.TreeBuilder()
        tb.insert("manifest.yaml", repo.create_blob(data), blob_mode)
        commit = repo.create_commit(None, sig, sig, f"register {m} {v}\n\nbenchmark\n", tb.write(), parents)
        branch = f"refs/heads/{m}"
        if protocol:
            _protocol_refs(repo, gitdir, m, v, commit, None if known is None else tip, sig)
            state[m] = [root, commit, n]
            continue
        # the annotated tag object and its ref (created only if absent), before the branch
        repo.create_tag(f"{m}/{v}", commit, pygit2.GIT_OBJECT_COMMIT, sig, f"{m} {v}\n\nbenchmark\n")
        if same_bytes:
            repo.references.create(branch, commit, force=True)
        elif known is not None:
            repo.references[branch].set_target(commit)
        else:
            repo.references.create(branch, commit)
        state[m] = [root, commit, n]


def _protocol_refs(repo: Any, gitdir: Path, model: str, version: str, commit: Any, tip: Any, sig: Any) -> None:
    """floor_loop(protocol=True)'s tag and refs: gitreg's tag object and ref protocol, nothing else."""
    from pygit2.enums import ObjectType

    from gitreg.git.refs.transaction import RefUpdate, update_refs
    from gitreg.git.signing.identity import format_signature

    raw = f"object {commit}\ntype commit\ntag {model}/{version}\ntagger {format_signature(sig)}\n\n" \
          f"{model} {version}\n\nbenchmark\n"
    tag = repo.odb.write(ObjectType.TAG, raw.encode())
    moves = [RefUpdate(f"refs/tags/{model}/{version}", None, tag), RefUpdate(f"refs/heads/{model}", tip, commit)]
    update_refs(repo, moves, f"gitreg: register {model} {version}", gitdir=gitdir, ident=(sig.name, sig.email))


def floor_manifest(work: Path) -> Path:
    """The manifest gitreg writes for speed_bench's registration (run.REGISTER_ARGS), as a file
    the floor reads: one real registration into a scratch registry, its manifest.yaml's bytes."""
    import pygit2
    from run import REGISTER_ARGS

    from gitreg import ModelRegistry

    path = work / "manifest.yaml"
    source = work / "manifest-source.git"
    ModelRegistry(source).register_model("model-0000", **REGISTER_ARGS)
    repo = pygit2.Repository(str(source))
    commit = repo.revparse_single("refs/tags/model-0000/v1").peel(pygit2.Commit)
    path.write_bytes(repo[commit.tree["manifest.yaml"].id].data)
    shutil.rmtree(source, ignore_errors=True)
    return path


def _per_registration(kind: str, path: Path, models: int, count: int, extra: list[str],
                      tree: Path | None = None) -> float:
    """Seconds per registration in a child process; `tree` runs another checkout's gitreg."""
    child = _CHILD.format(here=str(HERE))
    env = {**os.environ, "PYTHONPATH": str(tree)} if tree is not None else None
    proc = subprocess.run([sys.executable, "-c", child, kind, str(path), str(models), str(count), *extra],
                          capture_output=True, text=True, env=env, cwd=tree)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr}")
    return float(proc.stdout.strip().splitlines()[-1])


def _paired(runs: dict[str, list[float]]) -> dict[str, float]:
    """gitreg over each other side, ratio taken within each round (the sides of a round ran back
    to back, so a load change between rounds cancels), median over the rounds."""
    mine = runs["gitreg"]
    return {f"gitreg / {name}": statistics.median(a / b for a, b in zip(mine, other))
            for name, other in runs.items() if name != "gitreg"}


def _env_identity(home: Path) -> None:
    """A configured identity, as a user has (git's guessing is not what is measured)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
    os.environ["HOME"] = str(home)
    for var in ("GIT_CONFIG_GLOBAL", "XDG_CONFIG_HOME"):
        os.environ.pop(var, None)


def bench_register(work: Path, repeat: int, count: int, big: int, baseline: Path | None = None,
                   same_bytes: bool = False) -> dict[str, Any]:
    """API registration vs the pygit2 floor (floor_loop: the same four objects and two refs, each
    ref a compare-and-swap) and, with `baseline`, that checkout's gitreg in the same alternation;
    with `same_bytes`, sessions 3-4's floor too (the same manifest bytes each time: two objects
    written of four); then into a model of `big` versions vs one of 10 (skipped when big is 0)."""
    import fixtures

    from gitreg import ModelRegistry

    manifest = floor_manifest(work)  # the floor writes gitreg's manifest, with its own name, version, time
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
    sides = {
        "gitreg": lambda: _per_registration("gitreg", fresh("gitreg"), 10, count, []),
        "floor": lambda: _per_registration("floor", fresh("floor"), 10, count, [str(manifest)]),
    }
    if baseline is not None:
        sides["gitreg (baseline)"] = lambda: _per_registration("gitreg", fresh("gitreg"), 10, count, [], baseline)
    if same_bytes:
        sides["floor (same bytes)"] = lambda: _per_registration("floor-same-bytes", fresh("floor"), 10, count,
                                                                [str(manifest)])
    runs: dict[str, list[float]] = {}
    out["register"] = alternated(sides, repeat, runs)
    out["register_runs"] = runs  # the sides of round i ran back to back: their ratio is a paired one
    if not big:
        return out
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
    if baseline is not None:  # its own copy: two versions of the derived caches would rebuild each other's
        base_registry = work / "reads-1000-baseline.git"
        if not base_registry.exists():
            shutil.copytree(registry, base_registry, symlinks=True)
        base_gitreg = [sys.executable, "-m", "gitreg", "-R", str(base_registry.resolve())]
        env = {**os.environ, "PYTHONPATH": str(baseline)}
        subprocess.run([*base_gitreg, "list"], check=True, stdout=subprocess.DEVNULL, env=env, cwd=baseline)
    for name, args in READS.items():
        sides[name] = lambda args=args: cpu_of([*gitreg, *args])
        if baseline is not None:
            sides[f"{name} (baseline)"] = lambda args=args, env=env: cpu_of([*base_gitreg, *args], env=env,
                                                                           cwd=baseline)  # env bound now
    # a TAB after `gitreg show ` in bash, as the completion script runs it
    env = {**os.environ, "_GITREG_COMPLETE": "complete_bash", "COMP_WORDS": f"gitreg -R {registry} show ",
           "COMP_CWORD": "4"}
    sides["complete a model name"] = lambda: cpu_of([sys.executable, "-m", "gitreg"], env=env)
    if baseline is not None:
        base_env = {**env, "PYTHONPATH": str(baseline)}
        sides["complete a model name (baseline)"] = lambda: cpu_of([sys.executable, "-m", "gitreg"], env=base_env,
                                                                   cwd=baseline)
    return alternated(sides, repeat)


# -- search right after a write ------------------------------------------------------------
# Each measurement registers one version (a child process, not measured) and then times the
# whole `gitreg search` process that follows: it finds the index stale and rebuilds that one
# model's block (issue 28: the view index's block rebuild, paid by the first search after any
# write). `rebuild one block` times bulk._build of one 100-version model in process.
_REGISTER_ONE = """
import sys
from gitreg import ModelRegistry
ModelRegistry(sys.argv[1]).register_model(sys.argv[2], evaluation_scores={"accuracy": 0.7})
"""
_REBUILD = r"""
import statistics, sys, time
from gitreg import ModelRegistry
from gitreg.features.query import bulk, index
from gitreg.git.refs import refstate
from gitreg.model.snapshot import model_names
reg = ModelRegistry(sys.argv[1]); store = reg._reader()
reg.search("accuracy > 0.5", limit=1)
models = model_names(store)
live, tags = index.deployed_models(store), index.tags_by_model(store)
keys = refstate.model_keys(store, models, tags)
m = models[0]
def once():
    t = time.process_time()
    bulk._build(store, m, keys[m], tags.get(m, {}), m in live)
    return time.process_time() - t
once()
print(statistics.median(once() for _ in range(int(sys.argv[2]))))
"""
SEARCH = ["search", "accuracy > 0.5", "--limit", "10"]


def bench_after_write(work: Path, repeat: int, trees: dict[str, Path], versions: int = 1000) -> dict[str, Any]:
    """For each tree (name -> checkout), on its own copy of a registry of `versions` versions
    (models of 100): `search` and `list` right after one registration (each finds the view index
    stale and rebuilds that model's block), the same with nothing written, and one block's
    rebuild in process; all alternated."""
    import fixtures

    registry = work / f"reads-{versions}.git"
    if not registry.exists():
        fixtures.build_gitreg(registry, versions, per_model=100)
    models = [f"model-{i:04d}" for i in range((versions + 99) // 100)]
    commands = {"search": SEARCH, "list": ["list"]}
    after: dict[str, dict[str, Callable[[], float]]] = {c: {} for c in commands}
    warm: dict[str, dict[str, Callable[[], float]]] = {c: {} for c in commands}
    rebuild: dict[str, Callable[[], float]] = {}
    count = [0]
    for name, tree in trees.items():
        copy = work / f"after-write-{len(rebuild)}.git"
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(registry, copy, symlinks=True)
        env = {**os.environ, "PYTHONPATH": str(tree)}
        gitreg = [sys.executable, "-m", "gitreg", "-R", str(copy.resolve())]
        subprocess.run([*gitreg, *SEARCH], check=True, stdout=subprocess.DEVNULL, env=env, cwd=tree)  # caches, index
        for command, args in commands.items():
            def one(copy: Path = copy, env: dict[str, str] = env, tree: Path = tree,
                    cmd: list[str] = [*gitreg, *args]) -> float:
                count[0] += 1
                subprocess.run([sys.executable, "-c", _REGISTER_ONE, str(copy), models[count[0] % len(models)]],
                               check=True, env=env, cwd=tree)
                return cpu_of(cmd, env=env, cwd=tree)
            after[command][name] = one
            warm[command][name] = lambda cmd=[*gitreg, *args], env=env, tree=tree: cpu_of(cmd, env=env, cwd=tree)
        rebuild[name] = lambda copy=copy, env=env, tree=tree: float(subprocess.run(
            [sys.executable, "-c", _REBUILD, str(copy), "15"], check=True, env=env, cwd=tree,
            capture_output=True, text=True).stdout.split()[-1])
    out = {}
    for command in commands:
        out[f"{command} after a registration"] = alternated(after[command], repeat)
        out[f"{command}, nothing written"] = alternated(warm[command], repeat)
    out["rebuild one block"] = alternated(rebuild, repeat)
    return out


# -- command-line stacks -------------------------------------------------------------------
STACKS = {  # what a CLI costs to import, whole process (issue 28: "pick the CLI stack by measurement")
    "python": "pass", "import argparse": "import argparse", "import click": "import click",
    "import typer": "import typer", "import pygit2": "import pygit2",
    "import gitreg.clients.cli.framework": "import gitreg.clients.cli.framework",
}


def bench_stacks(repeat: int, baseline: Path | None = None) -> dict[str, float]:
    """The imports above, and `gitreg --help` (this tree's, and the baseline's when given)."""
    import importlib.util

    present = {name: code for name, code in STACKS.items()  # typer and click are no dependency of gitreg
               if not code.startswith("import ") or importlib.util.find_spec(code.split()[1].split(".")[0])}
    sides: dict[str, Callable[[], float]] = {
        name: lambda code=code: cpu_of([sys.executable, "-c", code]) for name, code in present.items()}
    sides["gitreg --help"] = lambda: cpu_of([sys.executable, "-m", "gitreg", "--help"])
    if baseline is not None:
        env = {**os.environ, "PYTHONPATH": str(baseline)}
        sides["gitreg --help (baseline)"] = lambda: cpu_of([sys.executable, "-m", "gitreg", "--help"], env=env,
                                                           cwd=baseline)
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
# each call as source (a fresh process runs it) and as a function of the client (this process)
MLFLOW_CALL_SOURCE = {
    "search_model_versions(\"name='model-0003'\")": "c.search_model_versions(\"name='model-0003'\")",
    "search_model_versions(first page of 100)": "c.search_model_versions(max_results=100)",
    "search_registered_models()": "c.search_registered_models()",
    # what loading `models:/model-0000/1` and an MLflow model page ask
    "get_model_version('model-0000', 1)": "c.get_model_version('model-0000', 1)",
    "get_registered_model('model-0000')": "c.get_registered_model('model-0000')",
}
MLFLOW_CALLS: dict[str, Callable[[Any], Any]] = {name: eval(f"lambda c: {source}")  # noqa: S307 (our own text)
                                                 for name, source in MLFLOW_CALL_SOURCE.items()}


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
    if repeat <= 0:
        return {}
    clients = {"gitreg": MlflowClient(tracking_uri=tracking, registry_uri=f"gitreg://{registry}"),
               "sqlite": MlflowClient(tracking_uri=tracking, registry_uri=f"sqlite:///{db}")}

    def cpu(call: Callable[[Any], Any], client: Any) -> float:
        t = time.process_time()
        call(client)
        return time.process_time() - t

    from gitreg.clients.mlflow import listing

    def forgetting(call: Callable[[Any], Any], client: Any) -> float:
        listing.forget()  # nothing remembered in process: every header, column and record checked again
        return cpu(call, client)

    out = {}
    for name, call in MLFLOW_CALLS.items():
        for client in clients.values():
            call(client)  # warm: stores opened, derived caches filled
        sides = {side: (lambda c=c, call=call: cpu(call, c)) for side, c in clients.items()}
        sides["gitreg (nothing remembered)"] = lambda call=call: forgetting(call, clients["gitreg"])
        out[name] = alternated(sides, repeat)
    return out


# -- MLflow in a fresh process: what a user's script or a notebook's first cell pays ---------------
# One child process per measurement, both stores the same way. `process`: the whole process
# (python, `import mlflow`, the client, the store, one call), from outside: CPU of the process and
# the git processes it waits for, and wall. Inside the child, after `from mlflow import
# MlflowClient`: `client + first call` (the client with both URIs: it opens the tracking store,
# the same SQLite file on both sides) and `first call` (the registry store MLflow makes on the
# first registry call, with its imports: gitreg and pygit2, or SQLAlchemy and the schema check,
# and the call itself).
_MLFLOW_COLD = r'''
import gc, logging, resource, sys, time
def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
from mlflow import MlflowClient
logging.getLogger("mlflow").setLevel(logging.ERROR)
t0, w0 = cpu(), time.perf_counter()
c = MlflowClient(tracking_uri=sys.argv[1], registry_uri=sys.argv[2])
full, began = [], []
def timed(phase, info):  # the full collections (of MLflow's whole heap) inside the first call
    if info["generation"] == 2:
        began.append(time.thread_time()) if phase == "start" else full.append(time.thread_time() - began.pop())
gc.callbacks.append(timed)
t1, w1 = cpu(), time.perf_counter()
found = {call}
t2, w2 = cpu(), time.perf_counter()
gc.callbacks.remove(timed)
print(t2 - t1, w2 - w1, t2 - t0, w2 - w0, sum(full), len(full), len(found) if hasattr(found, "__len__") else 1)
'''
_MLFLOW_IMPORT = "import logging; from mlflow import MlflowClient"


def bench_mlflow_cold(work: Path, repeat: int, total: int = 1000, baseline: Path | None = None) -> dict[str, Any]:
    """Each call in fresh processes, gitreg:// vs MLflow's SQLite store, alternated, medians of CPU
    and wall: `process` (whole, from outside) and `first call` (registry store + call, measured
    inside; `client ...`: with the client's creation); `import only` is a process that imports
    MLflow's client and stops (the floor of both). With `baseline` (a checkout), both stores
    again with its gitreg on the path, on its own copy of the registry: MLflow loads every
    registry store's entry point (gitreg's too) whichever store the URI names."""
    bench_mlflow(work, 0, total)  # the fixtures
    registry, db = work / f"mlflow-gitreg-{total}.git", work / f"mlflow-{total}.db"
    tracking = f"sqlite:///{work / 'tracking.db'}"
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    trees: dict[str, tuple[dict[str, str], Path]] = {"": (env, registry)}
    if baseline is not None:  # its own copy: two versions of the derived caches would rebuild each other's
        base_registry = work / f"mlflow-gitreg-{total}-baseline.git"
        if not base_registry.exists():
            shutil.copytree(registry, base_registry, symlinks=True)
        trees[" (baseline)"] = ({**env, "PYTHONPATH": str(baseline.resolve())}, base_registry)

    def process(argv: list[str], env: dict[str, str]) -> dict[str, float]:
        before, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run([sys.executable, "-c", *argv], check=True, stdout=subprocess.DEVNULL, env=env, cwd=work)
        wall, after = time.perf_counter() - wall, resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), "wall": wall}

    def inside(code: str, uri: str, env: dict[str, str]) -> dict[str, float]:
        out = subprocess.run([sys.executable, "-c", code, tracking, uri], check=True, capture_output=True,
                             text=True, env=env, cwd=work).stdout.split()
        return {"cpu": float(out[0]), "wall": float(out[1]), "client cpu": float(out[2]), "client wall": float(out[3]),
                "full gc cpu": float(out[4]), "full gcs": float(out[5])}

    out: dict[str, Any] = {}
    for name, source in MLFLOW_CALL_SOURCE.items():
        code = _MLFLOW_COLD.format(call=source)
        sides: dict[str, Callable[[], dict[str, float]]] = {}
        for suffix, (tree_env, tree_registry) in trees.items():
            for side, uri in (("gitreg", f"gitreg://{tree_registry}"), ("sqlite", f"sqlite:///{db}")):
                inside(code, uri, tree_env)  # warm: bytecode compiled, the view index current on disk
                sides[f"process: {side}{suffix}"] = lambda c=code, u=uri, e=tree_env: process([c, tracking, u], e)
                sides[f"first call: {side}{suffix}"] = lambda c=code, u=uri, e=tree_env: inside(c, u, e)
        sides["process: import only"] = lambda: process([_MLFLOW_IMPORT], env)
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in sides}
        for i in range(repeat):
            for k in (list(sides) if i % 2 == 0 else list(reversed(list(sides)))):
                runs[k].append(sides[k]())
        out[name] = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in runs.items()}
    return out


# -- MLflow server: create_model_version over REST ------------------------------------------------
def _group_cpu(sid: int) -> float:
    """User+sys seconds of every live process of session `sid` (the server and its workers),
    with the children each has waited for (the git processes a write starts)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # fields after "(comm)": state, ppid, pgrp, session, ...
            total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


class _Server:
    """`mlflow server` on 127.0.0.1 with one worker, in its own session (its CPU is measured)."""

    def __init__(self, work: Path, name: str, registry_uri: str) -> None:
        import socket
        import urllib.request

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
        self.log = open(work / f"server-{name}.log", "wb")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("mlflow")), "server", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--backend-store-uri", f"sqlite:///{work / 'tracking.db'}",
             "--registry-store-uri", registry_uri, "--artifacts-destination", str(work / "artifacts")],
            cwd=work, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"mlflow server ({name}) exited; see {self.log.name}")
            try:
                if urllib.request.urlopen(f"{self.url}/health", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit(f"mlflow server ({name}) did not start; see {self.log.name}")

    def cpu(self) -> float:
        return _group_cpu(self.proc.pid)

    def stop(self) -> None:
        import signal

        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


def bench_mlflow_server(work: Path, repeat: int, batch: int, total: int = 1000) -> dict[str, Any]:
    """create_model_version through `mlflow server` (REST, MLflow's client), gitreg:// vs MLflow's
    SQLite registry store, each into a copy of the `total`-version registry: the server's CPU
    per create (process group, git children included) and the client's wall time, batches of
    `batch` creates alternated, medians."""
    import logging

    from mlflow import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    bench_mlflow(work, 0, total)  # the fixtures (0 repeats: nothing measured)
    gitreg_copy, db_copy = work / f"server-gitreg-{total}.git", work / f"server-{total}.db"
    shutil.rmtree(gitreg_copy, ignore_errors=True)
    shutil.copytree(work / f"mlflow-gitreg-{total}.git", gitreg_copy, symlinks=True)
    shutil.copyfile(work / f"mlflow-{total}.db", db_copy)
    servers = {"gitreg": _Server(work, "gitreg", f"gitreg://{gitreg_copy}"),
               "sqlite": _Server(work, "sqlite", f"sqlite:///{db_copy}")}
    try:
        clients = {side: MlflowClient(tracking_uri=srv.url, registry_uri=srv.url) for side, srv in servers.items()}
        for c in clients.values():  # warm: first request, model looked up
            c.create_model_version("model-0000", source="s3://models/x", await_creation_for=0)
        runs: dict[str, dict[str, list[float]]] = {side: {"cpu": [], "wall": []} for side in servers}
        for i in range(repeat):
            for side in (list(servers) if i % 2 == 0 else list(reversed(list(servers)))):
                srv, client = servers[side], clients[side]
                cpu, wall = srv.cpu(), time.perf_counter()
                for k in range(batch):
                    client.create_model_version(f"model-{k % 10:04d}", source="s3://models/x", await_creation_for=0)
                runs[side]["wall"].append((time.perf_counter() - wall) / batch)
                runs[side]["cpu"].append((srv.cpu() - cpu) / batch)
    finally:
        for srv in servers.values():
            srv.stop()
    return {side: {k: statistics.median(v) for k, v in r.items()} for side, r in runs.items()}


def main(argv: list[str] | None = None) -> int:
    # as users run gitreg: from compiled bytecode (an environment with PYTHONDONTWRITEBYTECODE and an
    # editable install would recompile every gitreg module in every measured process)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="+", choices=["register", "startup", "mlflow", "mlflow-server", "big", "stacks",
                                                       "after-write"])
    ap.add_argument("--baseline", type=Path, help="a checkout whose read commands `startup` and `big` (whose "
                    "registration `register`, whose MLflow store `mlflow --cold`) also run")
    ap.add_argument("--big-versions", type=int, default=20_000, help="versions of `big`'s one long model")
    ap.add_argument("--page-depth", type=int, default=100_000, help="versions of `big`'s chain (the served page)")
    ap.add_argument("--before", type=Path, help="`after-write`: one more checkout to run beside --baseline")
    ap.add_argument("--versions", type=int, default=1000, help="`after-write`: versions of its registry")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--count", type=int, default=200, help="registrations per measured loop")
    ap.add_argument("--floor-same-bytes", action="store_true", help="`register`: also sessions 3-4's floor, "
                    "which writes the same manifest bytes every time (two new objects a registration, not four)")
    ap.add_argument("--floor-new-manifest", action="store_true", help="accepted for older commands: the floor "
                    "writes each registration's own manifest by default now")
    ap.add_argument("--big", type=int, default=10_000, help="versions of the big one-model registry (0: skip)")
    ap.add_argument("--mlflow-total", type=int, default=1000, help="versions in each MLflow store (100 a model)")
    ap.add_argument("--cold", action="store_true", help="`mlflow`: also each call in fresh processes (the whole "
                    "process, and the client + store + first call inside it), both stores alike")
    ap.add_argument("--batch", type=int, default=20, help="creates per measured batch (mlflow-server)")
    ap.add_argument("--workdir", type=Path, default=HERE / ".work" / "speed")
    ap.add_argument("--out", type=Path, default=HERE / "speed_results.json")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    _env_identity(args.workdir / "home")
    results: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "load": os.getloadavg()}
    if "register" in args.what:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            r = bench_register(Path(tmp), args.repeat, args.count, args.big, args.baseline, args.floor_same_bytes)
        results.update(r)
        reg = r["register"]
        print(f"register (API) {reg['gitreg'] * 1e3:.2f} ms CPU vs pygit2 floor "
              f"{reg['floor'] * 1e3:.2f} ms: {reg['gitreg'] / reg['floor']:.2f}x")
        if "gitreg (baseline)" in reg:
            print(f"register (API), baseline {args.baseline}: {reg['gitreg (baseline)'] * 1e3:.2f} ms CPU: "
                  f"{reg['gitreg (baseline)'] / reg['floor']:.2f}x the floor")
        paired = _paired(r["register_runs"])
        print("paired (median of run-by-run ratios): " + ", ".join(f"{k} {v:.2f}x" for k, v in paired.items()))
        results["register_paired"] = paired
        if "floor (same bytes)" in reg:
            same = reg["floor (same bytes)"]
            print(f"pygit2 floor writing the same manifest bytes every time {same * 1e3:.2f} ms: register (API) "
                  f"{reg['gitreg'] / same:.2f}x" + (f", baseline {reg['gitreg (baseline)'] / same:.2f}x"
                                                   if "gitreg (baseline)" in reg else ""))
        if "one_model" in r:
            print(f"register into {args.big:,} versions {r['one_model']['big'] * 1e3:.2f} ms vs into 10 "
                  f"{r['one_model']['small'] * 1e3:.2f} ms: {r['one_model']['big'] / r['one_model']['small']:.2f}x")
    if "startup" in args.what:
        r = bench_startup(args.workdir, args.repeat, args.baseline)
        results["startup"] = r
        peer = r["import pygit2"]
        for name, cpu in r.items():
            print(f"{name}: {cpu * 1e3:.0f} ms CPU, {cpu / peer:.2f}x `python -c \"import pygit2\"`")
    if "stacks" in args.what:
        r = bench_stacks(args.repeat, args.baseline)
        results["stacks"] = r
        for name, cpu in r.items():
            print(f"{name}: {cpu * 1e3:.0f} ms CPU")
    if "after-write" in args.what:
        trees = {"this": HERE.parent}
        for name, tree in (("baseline", args.baseline), ("before", args.before)):
            if tree is not None:
                trees[name] = tree.resolve()
        r = bench_after_write(args.workdir, args.repeat, trees, args.versions)
        results["after_write"] = r
        for what, sides in r.items():
            this = sides["this"]
            print(f"{what}: this {this * 1e3:.1f} ms CPU" + "".join(
                f"; {name} {cpu * 1e3:.1f} ms (this / {name}: {this / cpu:.2f}x)"
                for name, cpu in sides.items() if name != "this"))
    if "big" in args.what:
        r = bench_big(args.workdir, args.repeat, args.big_versions, args.page_depth, args.baseline)
        results["big"] = r
        for suffix in ("", " (baseline)") if args.baseline is not None else ("",):
            table, json_out = r["versions" + suffix], r["versions --json" + suffix]
            print(f"versions of {args.big_versions:,}{suffix}: {table:.2f} s CPU vs --json "
                  f"{json_out:.2f} s: {table / json_out:.2f}x; "
                  f"served page of {args.page_depth:,}: {r['served page' + suffix] * 1e3:.0f} ms CPU")
    if "mlflow" in args.what:
        r = bench_mlflow(args.workdir, args.repeat, args.mlflow_total)
        results["mlflow"] = {name: {k: v for k, v in sides.items() if k in ("gitreg", "sqlite")}
                             for name, sides in r.items()}
        results["mlflow_nothing_remembered"] = {name: sides["gitreg (nothing remembered)"] for name, sides in r.items()}
        for name, sides in r.items():
            cold = sides["gitreg (nothing remembered)"]
            print(f"{name}: gitreg:// {sides['gitreg'] * 1e3:.1f} ms CPU vs SQLite {sides['sqlite'] * 1e3:.1f} ms: "
                  f"{sides['gitreg'] / sides['sqlite']:.2f}x (nothing remembered in process: {cold * 1e3:.1f} ms, "
                  f"{cold / sides['sqlite']:.2f}x)")
    if "mlflow" in args.what and args.cold:
        r = bench_mlflow_cold(args.workdir, args.repeat, args.mlflow_total, args.baseline)
        results["mlflow_cold"] = r
        floor = next(iter(r.values()))["process: import only"]
        print(f"a process importing MLflow's client only: {floor['cpu'] * 1e3:.0f} ms CPU, "
              f"{floor['wall'] * 1e3:.0f} ms wall")
        for name, sides in r.items():
            for suffix in ("", " (baseline)") if args.baseline is not None else ("",):
                for mode, prefix in (("process", ""), ("first call", "client "), ("first call", "")):
                    g, q = sides[f"{mode}: gitreg{suffix}"], sides[f"{mode}: sqlite{suffix}"]
                    gc, gw, qc, qw = g[f"{prefix}cpu"], g[f"{prefix}wall"], q[f"{prefix}cpu"], q[f"{prefix}wall"]
                    label = {"process": "whole process", "client ": "client + first call"}.get(prefix or mode,
                                                                                            "store + first call")
                    collections = "" if prefix or mode == "process" else (
                        f"; full garbage collections inside: {g['full gc cpu'] * 1e3:.0f} vs "
                        f"{q['full gc cpu'] * 1e3:.0f} ms")
                    print(f"{name}{suffix}, fresh {label}: gitreg:// {gc * 1e3:.0f} ms CPU ({gw * 1e3:.0f} wall) vs "
                          f"SQLite {qc * 1e3:.0f} ms ({qw * 1e3:.0f} wall): {gc / qc:.2f}x CPU, {gw / qw:.2f}x wall"
                          + collections)
    if "mlflow-server" in args.what:
        r = bench_mlflow_server(args.workdir, args.repeat, args.batch, args.mlflow_total)
        results["mlflow_server"] = r
        print(f"create_model_version through mlflow server ({args.mlflow_total:,} versions): gitreg:// "
              f"{r['gitreg']['cpu'] * 1e3:.1f} ms server CPU vs SQLite {r['sqlite']['cpu'] * 1e3:.1f} ms: "
              f"{r['gitreg']['cpu'] / r['sqlite']['cpu']:.2f}x (client wall {r['gitreg']['wall'] * 1e3:.0f} vs "
              f"{r['sqlite']['wall'] * 1e3:.0f} ms: {r['gitreg']['wall'] / r['sqlite']['wall']:.2f}x)")
    prev = json.loads(args.out.read_text()) if args.out.exists() else {}
    prev.update(results)
    args.out.write_text(json.dumps(prev, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
