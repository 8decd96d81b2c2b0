"""Remote benchmarks: gitreg's clone / pull / synced add / first push against plain git
doing the same job on the same registry in the same run, and retries per registration
with 6 concurrent writers through Apache smart HTTP.

    python benchmarks/remote_bench.py --sizes 1000 10000 100000 --repeat 3 --big-repeat 1 \
        --out benchmarks/remote_results.json

The remote is a bare repository reached by file:// URL (so neither side hard-links a
local clone; the transfer is git's pack protocol, the same for both). Peers:
- clone:       `git clone --mirror`
- pull:        `git fetch` (prune, all refs) in a mirror clone; once up to date, once after one new version
- synced add:  `gitreg add` in a clone vs the plain-git floor of one synced write: a `git fetch`
               of the model's refs plus a `git push --atomic` of a branch and a tag
- first push:  `gitreg push` of a whole registry to an empty remote vs `git push --atomic`
               of the same refs (heads and tags) to another empty remote
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fixtures import build_gitreg  # noqa: E402
from benchmarks.timing import median_time  # noqa: E402

GITREG = [sys.executable, "-m", "gitreg"]
BIG = 100_000  # sizes from here on run --big-repeat times (a first push of 200,000 refs takes minutes)
_RSS: dict[str, int] = {}  # peak resident KiB of the last run of each gitreg command (GNU time)


def sh(*cmd: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")


def gitreg(label: str, *args: str) -> None:
    """A gitreg command as a process, its peak memory kept under `label` (GNU time -f %M)."""
    rss = Path(os.environ.get("TMPDIR", "/tmp")) / f"gitreg-rss-{os.getpid()}"
    sh("/usr/bin/time", "-f", "%M", "-o", str(rss), *GITREG, *args)
    _RSS[label] = int(rss.read_text().split()[-1])


def load() -> str:
    """The load averages (1, 5, 15 min) as uptime shows them: the machine is shared."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def timed(setup, action, repeat: int) -> float:
    """Median seconds of `action()` over `repeat` runs, `setup()` before each (not timed)."""
    return median_time(action, repeat, setup)


def loose(gitdir: Path) -> int:
    return sum(1 for p in (gitdir / "refs").rglob("*") if p.is_file())


def fresh(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def bench_size(work: Path, n: int, repeat: int, clone_only: bool = False) -> dict[str, float]:
    server = work / f"server-{n}.git"
    if not server.exists():
        build_gitreg(server, n, lean=True)
    url = f"file://{server}"
    out: dict[str, object] = {"load before": load()}
    c, m = work / "clone.git", work / "mirror.git"

    out["clone"] = timed(lambda: fresh(c), lambda: gitreg("clone", "clone", url, str(c)), repeat)
    out["git clone --mirror"] = timed(lambda: fresh(m), lambda: sh("git", "clone", "-q", "--mirror", url, str(m)),
                                      repeat)
    out["clone loose refs"] = loose(c)
    from gitreg import ModelRegistry  # in-process: the same work without the CLI's start-up
    out["clone (API)"] = timed(lambda: fresh(c), lambda: ModelRegistry.clone(url, c), repeat)
    if clone_only:
        out["peak RSS KiB"] = dict(_RSS)
        return out
    out["pull (API, up to date)"] = timed(lambda: None, lambda: ModelRegistry(c).pull(), repeat)
    out["gitreg start-up (--version)"] = timed(lambda: None, lambda: sh(*GITREG, "--version"), repeat)

    out["pull (up to date)"] = timed(lambda: None, lambda: gitreg("pull (up to date)", "-R", str(c), "pull"), repeat)
    out["git fetch (up to date)"] = timed(lambda: None, lambda: sh("git", f"--git-dir={m}", "fetch", "-q", "--prune",
                                                                 "origin"), repeat)

    writer = work / "writer.git"
    fresh(writer)
    sh(*GITREG, "clone", url, str(writer))

    def one_new_version() -> None:
        sh(*GITREG, "-R", str(writer), "add", "model-0001")
    out["pull (1 new version)"] = timed(one_new_version, lambda: gitreg("pull (1 new version)", "-R", str(c), "pull"),
                                   repeat)
    out["git fetch (1 new version)"] = timed(one_new_version, lambda: sh("git", f"--git-dir={m}", "fetch", "-q",
                                                                         "--prune", "origin"), repeat)

    out["synced add"] = timed(lambda: None, lambda: gitreg("synced add", "-R", str(c), "add", "model-0002"),
                              repeat)
    floor = work / "floor.git"
    fresh(floor)
    sh("git", "clone", "-q", "--bare", url, str(floor))
    counter = iter(range(10**6))

    def plain_synced_write() -> None:
        sh("git", f"--git-dir={floor}", "fetch", "-q", "--prune", "origin",
           "+refs/heads/model-0003*:refs/heads/model-0003*", "+refs/tags/model-0003/*:refs/tags/model-0003/*")
        k = f"{time.time_ns()}-{next(counter)}"
        tip = subprocess.run(["git", f"--git-dir={floor}", "commit-tree", "-p", "refs/heads/model-0003", "-m",
                              f"plain {k}", "refs/heads/model-0003^{tree}"],
                             capture_output=True, text=True, check=True).stdout.strip()
        sh("git", f"--git-dir={floor}", "tag", "-a", "-m", "t", f"model-0003/p{k}", tip)
        sh("git", f"--git-dir={floor}", "push", "-q", "--atomic", "origin", f"{tip}:refs/heads/model-0003",
           f"refs/tags/model-0003/p{k}")
    out["git fetch + push --atomic (one write)"] = timed(lambda: None, plain_synced_write, repeat)

    src, r1, r2 = work / "push-src.git", work / "push-remote1.git", work / "push-remote2.git"

    def setup_push() -> None:
        for p in (src, r1, r2):
            fresh(p)
        shutil.copytree(server, src, symlinks=True)
        sh("git", "init", "-q", "--bare", str(r1))
        sh("git", "init", "-q", "--bare", str(r2))
        sh(*GITREG, "-R", str(src), "remote", "add", "--no-sync", "target", f"file://{r1}")
        sh("git", f"--git-dir={src}", "remote", "add", "plain", f"file://{r2}")
    out["first push"] = timed(setup_push, lambda: gitreg("first push", "-R", str(src), "push", "target"),
                              repeat)
    out["first push: loose refs it added here"] = loose(src) - loose(server)  # the copy has the server's
    out["git push --atomic (first)"] = timed(setup_push, lambda: sh("git", f"--git-dir={src}", "push", "-q",
                                                                    "--atomic", "plain", "refs/heads/*:refs/heads/*",
                                                                    "refs/tags/*:refs/tags/*"), repeat)
    out["peak RSS KiB"] = dict(_RSS)
    out["load after"] = load()
    out["repeat"] = repeat
    return out


# What `gitreg clone` does minus the CLI framework: clone, summary line, one line per problem.
CLONE_ENTRY = r"""
import sys
from gitreg.api import clonestart
started = clonestart.start(sys.argv[1], sys.argv[2])  # as `gitreg clone` does, before the rest
from gitreg.api.cloning import clone_checked
from gitreg.core.urls import redact
c = clone_checked(sys.argv[1], sys.argv[2], started=started)
for p in c.problems:
    sys.stderr.write(f"gitreg: problem: {p}\n")
n = lambda k, w: f"{k} {w}" + ("" if k == 1 else "s")
print(f"Cloned {redact(sys.argv[1])} into {c.path}: {n(c.models, 'model')}, {n(c.versions, 'version')}")
sys.exit(1 if c.problems else 0)
"""
# The entry point's CPU step by step (user+sys of the process and its git children), as JSON.
CLONE_STEPS = r"""
import json, resource, sys
def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime
marks = [("python start-up", cpu())]
from gitreg.api import clonestart
marks.append(("imports before git", cpu()))
started = clonestart.start(sys.argv[1], sys.argv[2])
marks.append(("starting git", cpu()))
from gitreg.api import cloning
from gitreg.core.problems import ProblemLog
from gitreg.features.trust import census
from gitreg.git.transport import cloning as transport
marks.append(("imports while git runs", cpu()))
target = started.target
transport.clone_into(target, "origin", sys.argv[1], started)
marks.append(("git clone + mirror refs", cpu()))
found = census.take_at(target, ProblemLog())
marks.append(("census", cpu()))
out, prev = {}, (0.0, 0.0)
for name, (own, children) in marks:
    out[name] = {"python": own - prev[0], "git": children - prev[1]}
    prev = (own, children)
print(json.dumps(out))
"""
CLI_OWN = 0.010  # seconds a CLI framework may add to the entry point (argparse, once `cli` lands)


def wall_and_cpu(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, user+sys seconds of the process and every child it waited for) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_clone_http(work: Path, n: int, repeat: int, baseline: Path | None = None) -> dict[str, object]:
    """Clone of an n-version registry served by Apache smart HTTP (tests/servers/apache): `gitreg
    clone`, the same clone through its entry point without the CLI framework (CLONE_ENTRY; also
    under `python -S`), and `git clone --mirror`, wall and CPU (the server's CPU is not counted),
    rotated run by run; `ModelRegistry.clone` in process (wall) after them. `baseline`: another
    checkout's `gitreg clone` (e.g. `git archive main | tar -x -C DIR`) rotated with them."""
    from gitreg import ModelRegistry
    from tests.servers import apache

    source = work / f"server-{n}.git"
    if not source.exists():
        build_gitreg(source, n, lean=True)
    c, m = work / "clone-http.git", work / "mirror-http.git"
    out: dict[str, object] = {"load before": load()}
    with apache.running(work / "apache-clone") as server:
        shutil.copytree(source, server.path(), symlinks=True)
        subprocess.run(["chown", "-R", f"{apache.RUN_AS}:{apache.RUN_AS}", str(server.path())], check=True)
        url = server.url()
        sides = {
            "clone": [*GITREG, "clone", url, str(c)],
            "clone (entry point)": [sys.executable, "-c", CLONE_ENTRY, url, str(c)],
            # the same without site (this venv's editable-install finder costs ~15 ms a process; an
            # installed gitreg needs no third-party package on this path)
            "clone (entry point, python -S)": [sys.executable, "-S", "-c",
                                               f"import sys; sys.path.insert(0, {str(ROOT)!r})\n{CLONE_ENTRY}",
                                               url, str(c)],
            "git clone --mirror": ["git", "clone", "-q", "--mirror", url, str(m)],
        }
        envs: dict[str, dict[str, str]] = {}
        if baseline is not None:  # run from its own directory: `python -m` puts the cwd first on sys.path
            sides["clone (baseline)"] = sides["clone"]
            envs["clone (baseline)"] = {**os.environ, "PYTHONPATH": str(baseline)}
        for i in range(repeat):  # rotated, so that load shifts hit every side alike
            run: dict[str, float] = {}
            names = list(sides)
            for name in names[i % len(names):] + names[:i % len(names)]:
                fresh(c)
                fresh(m)
                run[name], run[f"{name} CPU"] = wall_and_cpu(sides[name], envs.get(name),
                                                             baseline if name in envs else ROOT)
            fresh(c)
            run["clone (API)"] = timed(lambda: fresh(c), lambda: ModelRegistry.clone(url, c), 1)
            out.setdefault("runs", []).append(run)
        steps = []
        for _ in range(repeat):
            fresh(c)
            steps.append(json.loads(subprocess.run([sys.executable, "-c", CLONE_STEPS, url, str(c)], cwd=ROOT,
                                                   capture_output=True, text=True, check=True).stdout))
        out["entry point steps, CPU ms (medians)"] = {
            step: {side: round(1000 * statistics.median(s[step][side] for s in steps), 1) for side in ("python", "git")}
            for step in steps[0]}
        fresh(c)  # once more, untimed: what the entry point printed
        said = subprocess.run(sides["clone (entry point)"], capture_output=True, text=True, cwd=ROOT)
        out["entry point says"] = said.stdout.strip() + said.stderr.strip()
    runs = out["runs"]
    for key in runs[0]:
        out[key] = statistics.median(r[key] for r in runs)
    for kind in ("", " CPU"):
        git = out[f"git clone --mirror{kind}"]
        out[f"clone / git clone --mirror{kind}"] = out[f"clone{kind}"] / git
        out[f"median of per-run ratios clone / git{kind}"] = statistics.median(
            r[f"clone{kind}"] / r[f"git clone --mirror{kind}"] for r in runs)
        if baseline is not None:
            out[f"baseline clone / git clone --mirror{kind}"] = out[f"clone (baseline){kind}"] / git
        out[f"entry point / git clone --mirror{kind}"] = out[f"clone (entry point){kind}"] / git
        out[f"entry point without site / git clone --mirror{kind}"] = out[f"clone (entry point, python -S){kind}"] / git
        out[f"expected CLI (entry point + {CLI_OWN * 1000:.0f} ms) / git clone --mirror{kind}"] = \
            (out[f"clone (entry point){kind}"] + CLI_OWN) / git
        # per run, then the median: the ratio of one run's pair, less disturbed by load drifting
        out[f"median of per-run ratios entry point / git{kind}"] = statistics.median(
            r[f"clone (entry point){kind}"] / r[f"git clone --mirror{kind}"] for r in runs)
    out["load after"] = load()
    return out


def bench_retries(work: Path, writers: int, per_writer: int, tree: Path = ROOT) -> dict[str, float]:
    """6 clones x 20 synced registrations of one model through Apache (tests/servers/apache),
    the writers running the gitreg of `tree` (a peer: another checkout, e.g. of the base branch)."""
    from tests.features.sync import concurrency
    from tests.servers import apache

    base = work / "retries"
    fresh(base)
    base.mkdir(parents=True)
    subprocess.run(["git", "config", "--global", "--add", "safe.directory", "*"], check=True)
    with apache.running(base / "apache") as server:
        _seed, clones = concurrency.prepare(server, base, writers + 2)
        before = server.requests("service=git-receive-pack HTTP")
        outcome = concurrency.run(base, clones, writers, per_writer, 2,
                                  env={**os.environ, "PYTHONPATH": str(tree)})
        pushes = server.requests("service=git-receive-pack HTTP") - before
        tags = subprocess.run(["git", f"--git-dir={server.path()}", "tag", "--list", "shared/*"],
                              capture_output=True, text=True, check=True).stdout.split()
    registrations = writers * per_writer
    given = [v for vs in outcome.versions for v in vs]
    adds = sorted(s for w in outcome.latencies[:writers] for s in w)
    return {"writers": writers, "registrations": registrations, "deploys": 2 * per_writer,
            "push attempts": pushes, "retries per write": pushes / (registrations + 2 * per_writer) - 1,
            "seconds": outcome.seconds,
            "lost": len({f"shared/{v}" for v in given} - set(tags)), "duplicated": len(given) - len(set(given)),
            "add p50": percentile(adds, 50), "add p90": percentile(adds, 90), "add p95": percentile(adds, 95),
            "add max": adds[-1], "p95 / p50": percentile(adds, 95) / percentile(adds, 50),
            "add seconds per writer": [[round(s, 2) for s in w] for w in outcome.latencies[:writers]],
            "deploy seconds per deployer": [[round(s, 2) for s in w] for w in outcome.latencies[writers:]]}


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile of an ascending list."""
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def main() -> None:
    # gitreg runs here as separate processes, as users run it: with its bytecode cached
    # (a PYTHONDONTWRITEBYTECODE environment would recompile ~160 modules per command).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big-repeat", type=int, default=1, help=f"repeats at sizes >= {BIG:,}")
    ap.add_argument("--writers", type=int, default=6)
    ap.add_argument("--per-writer", type=int, default=20)
    ap.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / ".work" / "remote")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--no-retries", action="store_true", help="skip the 6-writer run (a smoke test)")
    ap.add_argument("--clone-http", action="store_true", help="only clone over Apache smart HTTP, at --sizes")
    ap.add_argument("--baseline", type=Path, help="--clone-http: also run this checkout's `gitreg clone`, rotated")
    ap.add_argument("--peer-tree", type=Path, help="also run the 6-writer run with the gitreg of this checkout "
                                                   "first (e.g. `git archive integ2 | tar -x -C DIR`)")
    ap.add_argument("--retries-only", action="store_true", help="only the 6-writer run")
    ap.add_argument("--clone-only", action="store_true", help="only the clone rows (no pull/add/push/retries)")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    results: dict[str, object] = {"commit": commit, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if args.clone_http:
        for n in args.sizes:
            results[f"clone over HTTP {n}"] = bench_clone_http(args.workdir, n, args.repeat, args.baseline)
            print(n, json.dumps(results[f"clone over HTTP {n}"], indent=1), flush=True)
        if args.out:
            args.out.write_text(json.dumps(results, indent=1) + "\n")
        return
    for n in [] if args.retries_only else args.sizes:
        _RSS.clear()
        results[str(n)] = bench_size(args.workdir, n, args.big_repeat if n >= BIG else args.repeat,
                                     args.clone_only)
        print(n, json.dumps(results[str(n)], indent=1), flush=True)
    if args.clone_only or args.no_retries:
        if args.out:
            args.out.write_text(json.dumps(results, indent=1) + "\n")
        return
    if args.peer_tree:
        results["retries (peer)"] = {"tree": str(args.peer_tree), "load before": load(),
                                     **bench_retries(args.workdir, args.writers, args.per_writer, args.peer_tree),
                                     "load after": load()}
        print(json.dumps(results["retries (peer)"], indent=1))
    results["retries"] = {"load before": load(), **bench_retries(args.workdir, args.writers, args.per_writer),
                          "load after": load()}
    print(json.dumps(results["retries"], indent=1))
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
