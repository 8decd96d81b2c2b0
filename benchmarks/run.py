"""gitreg benchmarks, with GTO and MLflow side by side on request. See benchmarks/README.md.

    python benchmarks/run.py                       # gitreg at 100, 1,000, 10,000, 100,000 versions
    python benchmarks/run.py --peers               # + GTO and MLflow in throwaway venvs
    python benchmarks/run.py --sizes 100 --repeat 1 --chain-depth 20   # the CI smoke size

Every number is a median over --repeat runs, in seconds. Writes results.json (and,
with --chart, a PNG) to --out; prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fixtures  # noqa: E402

PER_MODEL = 100  # every model holds 100 versions: one-model commands see the same model at every size
MODEL = fixtures.model_name(0)
ONE_MODEL_MAX = 10_000  # also register into a single model of N versions up to this size


# -- measuring -------------------------------------------------------------------------
GNU_TIME = Path("/usr/bin/time")


def peak_rss_kib(cmd: list[str]) -> Optional[int]:
    """Peak RSS of one run of cmd, via GNU time (None without it).

    Not from our own wait4: a child forked from this (big) process starts with its
    resident pages counted, and Linux's ru_maxrss survives exec. GNU time is small.
    """
    if not GNU_TIME.exists():
        return None
    proc = subprocess.run([str(GNU_TIME), "-f", "PEAK_RSS_KIB %M", *cmd], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("PEAK_RSS_KIB ")]
    return int(lines[-1].split()[1]) if proc.returncode == 0 and lines else None


def timed_process(cmd: list[str], *, cwd: Optional[Path] = None, timeout: Optional[float] = None,
                  env: Optional[dict] = None) -> tuple[float, int, int]:
    """(wall seconds, exit status, ru_maxrss) of one process; raises TimeoutError."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.strip()[-400:]}")
            return wall, proc.returncode, usage.ru_maxrss
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
            proc.wait()
            raise TimeoutError(timeout)
        time.sleep(0.002)


def median_of(repeat: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(repeat))


def process_median(cmd: list[str], repeat: int, **kw) -> dict[str, Any]:
    return {"s": statistics.median(timed_process(cmd, **kw)[0] for _ in range(repeat))}


def gitreg_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "gitreg"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "gitreg"]


# -- fixtures ---------------------------------------------------------------------------
def fixture(workdir: Path, kind: str, size: int) -> Path:
    """A cached fixture (built by git fast-import, see fixtures.py), reused across runs."""
    path = workdir / "fixtures" / f"{kind}-{size}{'.git' if kind != 'gto' else ''}"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    if kind == "gitreg":
        fixtures.build_gitreg(path, size, PER_MODEL)
        fixtures.verify(path, size, PER_MODEL)
    elif kind == "onemodel":
        fixtures.build_gitreg(path, size, size)
        fixtures.verify(path, size, size)
    elif kind == "chain":
        fixtures.build_chain(path, size)
    else:
        fixtures.build_gto(path, size, PER_MODEL)
    print(f"  built {path.name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return path


def scratch_copy(workdir: Path, src: Path) -> Path:
    dst = workdir / "scratch" / src.name
    shutil.rmtree(dst, ignore_errors=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("gitreg-cache"))
    return dst


# -- gitreg -----------------------------------------------------------------------------
REGISTER_ARGS = dict(base_model="Qwen2.5-Coder-7B", framework="unsloth", samples=2000, epochs=3,
                     batch_size=8, learning_rate=2e-4, training_data=["oracle", "toolbench"],
                     lora_path="s3://models/bench-lora", gguf_path="s3://models/bench.gguf",
                     evaluation_scores={"accuracy": 0.85, "f1_score": 0.8, "pass_at_1": 0.4},
                     git_commit="abc123def456", tags=["bench"], notes="benchmark")


def bench_gitreg(workdir: Path, size: int, repeat: int) -> dict[str, Any]:
    from gitreg import ModelRegistry

    cli = gitreg_cmd()
    src = fixture(workdir, "gitreg", size)
    out: dict[str, Any] = {}

    def run(*args: str, **kw) -> dict[str, Any]:
        return process_median([*cli, "-R", str(src), *args], repeat, **kw)

    shutil.rmtree(src / "gitreg-cache", ignore_errors=True)
    wall = timed_process([*cli, "-R", str(src), "list"])[0]  # builds the derived cache
    out["list_cold"] = {"s": wall}
    out["list"] = run("list")
    out["list"]["peak_kib"] = peak_rss_kib([*cli, "-R", str(src), "list"])
    out["versions"] = run("versions", MODEL)
    out["info"] = run("info", MODEL)
    out["show"] = run("show", MODEL, "v50")
    out["compare"] = run("compare", MODEL, "v10", "v50")

    def api(fn: Callable[[ModelRegistry], Any]) -> dict[str, Any]:
        def once() -> float:
            reg = ModelRegistry(src)  # a fresh open each time, as a new caller would
            t = time.perf_counter()
            fn(reg)
            return time.perf_counter() - t
        return {"s": median_of(repeat, once)}

    # in-process reads, to compare with MLflow's in-process client calls
    out["list_api"] = api(lambda reg: [reg.list_versions(m) for m in reg.list_models()])
    out["versions_api"] = api(lambda reg: reg.list_versions(MODEL))

    scratch = scratch_copy(workdir, src)
    times = []
    for _ in range(max(repeat, 3)):
        reg = ModelRegistry(scratch)  # a fresh open each time, as a new caller would
        t = time.perf_counter()
        reg.register_model(MODEL, **REGISTER_ARGS)
        times.append(time.perf_counter() - t)
    out["register_api"] = {"s": statistics.median(times)}
    if size <= ONE_MODEL_MAX:  # the same, into one model that already holds `size` versions
        one = scratch_copy(workdir, fixture(workdir, "onemodel", size))
        times = []
        for _ in range(max(repeat, 3)):
            reg = ModelRegistry(one)
            t = time.perf_counter()
            reg.register_model(MODEL, **REGISTER_ARGS)
            times.append(time.perf_counter() - t)
        out["register_api_one_model"] = {"s": statistics.median(times)}
        shutil.rmtree(one, ignore_errors=True)
    out["register_cli"] = process_median(
        [*cli, "-R", str(scratch), "add", MODEL, "--base-model", "Qwen2.5-Coder-7B", "--framework", "unsloth",
         "--accuracy", "0.85", "--lora-path", "s3://models/bench-lora", "--notes", "benchmark", "-q"], repeat)
    deploy, rollback = [], []
    for i in range(repeat):
        deploy.append(timed_process([*cli, "-R", str(scratch), "deploy", MODEL, f"v{20 + i}"])[0])
        deploy.append(timed_process([*cli, "-R", str(scratch), "deploy", MODEL, f"v{40 + i}"])[0])
        rollback.append(timed_process([*cli, "-R", str(scratch), "rollback", MODEL])[0])
    out["deploy"] = {"s": statistics.median(deploy)}
    out["rollback"] = {"s": statistics.median(rollback)}
    shutil.rmtree(scratch, ignore_errors=True)
    return out


def bench_common(workdir: Path, repeat: int, chain_depth: int) -> dict[str, Any]:
    cli = gitreg_cmd()
    chain = fixture(workdir, "chain", chain_depth)
    startup_runs = max(repeat, 9) if repeat > 1 else 1  # start-up is short and noisy: more runs
    out = {
        "help": process_median([*cli, "--help"], startup_runs),
        "import_pygit2": process_median([sys.executable, "-c", "import pygit2"], startup_runs),
    }
    shutil.rmtree(chain / "gitreg-cache", ignore_errors=True)
    out["lineage_cold"] = {"s": timed_process([*cli, "-R", str(chain), "lineage", "chain", f"v{chain_depth}"])[0]}
    out["lineage"] = process_median([*cli, "-R", str(chain), "lineage", "chain", f"v{chain_depth}"], repeat)
    from gitreg import LineageTracker

    tracker = LineageTracker(chain)
    t = time.perf_counter()
    ancestors = tracker.get_ancestors("chain", f"v{chain_depth}")
    out["lineage_api"] = {"s": time.perf_counter() - t}
    assert len(ancestors) == chain_depth - 1, len(ancestors)
    out["chain_depth"] = chain_depth
    return out


# -- peers ------------------------------------------------------------------------------
def peer_venv(workdir: Path, name: str, package: str) -> Optional[Path]:
    """`<workdir>/venvs/<name>` with `package` installed (made once); None, with a note, on failure."""
    venv = workdir / "venvs" / name
    py = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.exists():
        return venv
    print(f"  installing {package} into {venv} ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", package], check=True, capture_output=True,
                       timeout=1800)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"  NOTE: skipping {name}: could not install {package} ({exc})", file=sys.stderr)
        return None
    marker.touch()
    return venv


def capped(fn: Callable[[], dict[str, Any]], timeout: float) -> dict[str, Any]:
    """A peer's measurement; a timeout or failure is reported, not fatal."""
    try:
        return fn()
    except TimeoutError:
        return {"s": None, "timeout": timeout}
    except RuntimeError as exc:
        return {"s": None, "error": str(exc)[-200:]}


def bench_gto(workdir: Path, venv: Path, size: int, repeat: int, timeout: float) -> dict[str, Any]:
    gto = str(venv / "bin" / "gto")
    repo = fixture(workdir, "gto", size)
    env = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.com"}
    reps = 1 if size >= 1000 else repeat  # GTO's reads are seconds to minutes from 1,000 versions
    out = {
        "list": capped(lambda: process_median([gto, "show", "-r", str(repo)], reps, timeout=timeout), timeout),
        "versions": capped(lambda: process_median([gto, "show", "-r", str(repo), MODEL], reps, timeout=timeout),
                           timeout),
    }
    scratch = scratch_copy(workdir, repo)

    def register() -> dict[str, Any]:
        walls = []
        for i in range(reps):  # GTO registers a commit once: give each registration a new one (untimed)
            subprocess.run(["git", "-C", str(scratch), "commit", "-q", "--allow-empty", "-m", f"train {i}"],
                           check=True, env={**os.environ, **env})
            walls.append(timed_process([gto, "register", "-r", str(scratch), MODEL], timeout=timeout, env=env)[0])
        return {"s": statistics.median(walls)}

    out["register_cli"] = capped(register, timeout)
    shutil.rmtree(scratch, ignore_errors=True)
    return out


def peer_json(cmd: list[str], timeout: float) -> dict[str, Any]:
    """The JSON object a peer script prints last, or {"error": why}."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"> {timeout:.0f} s (build or measure)"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_mlflow(workdir: Path, venv: Path, size: int, repeat: int, timeout: float) -> dict[str, Any]:
    cmd = [str(venv / "bin" / "python"), str(HERE / "peers" / "mlflow_bench.py"),
           str(workdir / "fixtures" / f"mlflow-{size}"), str(size), str(PER_MODEL), str(max(repeat, 3))]
    data = peer_json(cmd, timeout)
    if "error" in data:
        return data
    return {"register_api": {"s": data["register_s"]}, "list": {"s": data["list_s"]},
            "versions": {"s": data["versions_s"]}, "import": {"s": data["import_s"]}, "version": data["mlflow"]}


# -- report -----------------------------------------------------------------------------
def fmt(entry: Optional[dict[str, Any]]) -> str:
    if not entry:
        return "-"
    if entry.get("s") is None:
        return f"> {entry['timeout']:.0f} s" if "timeout" in entry else "failed (see results.json)"
    s = entry["s"]
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def ratio(a: Optional[dict], b: Optional[dict]) -> str:
    """How many times faster a is than b (b / a)."""
    if not a or not b or a.get("s") is None:
        return "-"
    if b.get("s") is None:
        return f"> {b['timeout'] / a['s']:.0f}x" if "timeout" in b else "-"
    return f"{b['s'] / a['s']:.1f}x"


def table(results: dict[str, Any]) -> str:
    sizes = [int(s) for s in results["sizes"]]
    rows = ["| workload | " + " | ".join(f"{s:,}" for s in sizes) + " |",
            "|---|" + "---|" * len(sizes)]
    g = results["gitreg"]
    labels = [("register_api", "register one version (API)"),
              ("register_api_one_model", "register into one model of N versions (API)"),
              ("register_cli", "register one version (CLI)"),
              ("list_cold", "`list` (no cache yet)"), ("list", "`list`"), ("versions", f"`versions {MODEL}`"),
              ("list_api", "list every version (API)"), ("versions_api", f"versions of {MODEL} (API)"),
              ("info", f"`info {MODEL}`"), ("show", f"`show {MODEL} v50`"), ("compare", "`compare` two versions"),
              ("deploy", "`deploy`"), ("rollback", "`rollback`")]
    for key, label in labels:
        rows.append(f"| gitreg {label} | " + " | ".join(fmt(g[str(s)].get(key)) for s in sizes) + " |")
    rows.append("| gitreg `list` peak RSS | " + " | ".join(
        f"{g[str(s)]['list']['peak_kib'] / 1024:.0f} MiB" if g[str(s)]["list"].get("peak_kib") else "-"
        for s in sizes) + " |")
    for peer, keys in (("gto", [("list", "`gto show`"), ("versions", f"`gto show {MODEL}`"),
                                ("register_cli", "`gto register`")]),
                       ("mlflow", [("register_api", "`create_model_version`"),
                                   ("list", "search all versions"), ("versions", f"search `{MODEL}`")])):
        if peer not in results:
            continue
        p = results[peer]
        for key, label in keys:
            rows.append(f"| {peer} {label} | " + " | ".join(fmt(p.get(str(s), {}).get(key)) for s in sizes) + " |")
    for peer, pairs in (("gto", [("list", "list", "list vs `gto show`"),
                                 ("versions", "versions", "versions vs `gto show MODEL`"),
                                 ("register_cli", "register_cli", "register (CLI) vs `gto register`")]),
                        ("mlflow", [("register_api", "register_api", "register vs `create_model_version`"),
                                    ("list_api", "list", "list (API) vs search all"),
                                    ("versions_api", "versions", "versions (API) vs search one model")])):
        if peer not in results:
            continue
        for mine, theirs, label in pairs:
            rows.append(f"| **gitreg faster: {label}** | " + " | ".join(
                ratio(g[str(s)].get(mine), results[peer].get(str(s), {}).get(theirs)) for s in sizes) + " |")
    c = results["common"]
    rows += ["", "| once per run | gitreg | reference |", "|---|---|---|",
             f"| `gitreg --help` | {fmt(c['help'])} | `python -c 'import pygit2'` {fmt(c['import_pygit2'])} "
             f"(ratio {c['help']['s'] / c['import_pygit2']['s']:.2f}) |",
             f"| `lineage` of a {c['chain_depth']:,}-deep chain (CLI) | {fmt(c['lineage'])} "
             f"(no cache yet: {fmt(c['lineage_cold'])}) | API `get_ancestors` {fmt(c['lineage_api'])} |"]
    if "gto_help" in results:
        rows.append(f"| start-up of peers | | `gto --help` {fmt(results['gto_help'])} |")
    if "mlflow" in results:
        imports = [v["import"] for v in results["mlflow"].values() if isinstance(v, dict) and "import" in v]
        if imports:
            rows.append(f"| | | `import mlflow` {fmt(imports[0])} |")
    return "\n".join(rows)


def chart(results: dict[str, Any], path: Path) -> Optional[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install '.[bench]'): no chart"
    sizes = [int(s) for s in results["sizes"]]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    series = [("gitreg", "list", "gitreg list (CLI process)"), ("gitreg", "list_api", "gitreg list (API)"),
              ("gto", "list", "gto show"),
              ("mlflow", "list", "MLflow search all versions")]
    for ax, what, title in ((axes[0], series, "List every version"),
                            (axes[1], [("gitreg", "register_api", "gitreg register (API)"),
                                       ("gitreg", "register_cli", "gitreg add (CLI process)"),
                                       ("gto", "register_cli", "gto register"),
                                       ("mlflow", "register_api", "MLflow create_model_version")],
                             "Register one version")):
        for tool, key, label in what:
            if tool not in results:
                continue
            data = results[tool] if tool != "gitreg" else results["gitreg"]
            xs, ys = [], []
            for s in sizes:
                e = data.get(str(s), {}).get(key)
                if e and e.get("s") is not None:
                    xs.append(s)
                    ys.append(e["s"])
            if xs:
                ax.plot(xs, ys, marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("versions in the registry")
        ax.set_ylabel("seconds (median)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return None


def machine() -> dict[str, Any]:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["mem_gib"] = round(int(mem) / 1024 / 1024, 1)
    except OSError:
        pass
    import pygit2
    import yaml

    info["pygit2"] = pygit2.__version__
    info["libgit2"] = pygit2.LIBGIT2_VERSION
    info["libyaml"] = bool(getattr(yaml, "CSafeLoader", None))
    info["git"] = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return info


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000,100000", help="registry sizes (versions), comma-separated")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (the median is reported)")
    ap.add_argument("--chain-depth", type=int, default=1000, help="generations of the lineage chain")
    ap.add_argument("--peers", action="store_true", help="also run GTO and MLflow (installed into throwaway venvs)")
    ap.add_argument("--gto-sizes", default="100,1000,10000", help="sizes GTO runs at (each capped by --peer-timeout)")
    ap.add_argument("--mlflow-sizes", default="100,1000,10000", help="sizes MLflow runs at")
    ap.add_argument("--peer-timeout", type=float, default=120.0, help="seconds before a peer command is cut off")
    ap.add_argument("--mlflow-timeout", type=float, default=1800.0, help="seconds for building + measuring MLflow")
    ap.add_argument("--workdir", type=Path, default=HERE / ".work", help="fixtures, scratch copies and venvs")
    ap.add_argument("--out", type=Path, default=HERE / ".work" / "results.json", help="JSON results file")
    ap.add_argument("--chart", type=Path, default=None, help="write the PNG chart here")
    args = ap.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.workdir.mkdir(parents=True, exist_ok=True)
    env_git = {"GIT_AUTHOR_NAME": "Bench Writer", "GIT_AUTHOR_EMAIL": "bench@example.com",
               "GIT_COMMITTER_NAME": "Bench Writer", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    for key, value in env_git.items():
        os.environ.setdefault(key, value)
    results: dict[str, Any] = {"sizes": sizes, "repeat": args.repeat, "machine": machine(),
                               "command": " ".join([Path(sys.executable).name, *sys.argv]),
                               "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "gitreg": {}}
    def save() -> None:  # after every stage, so a failure later keeps what was measured
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))

    for size in sizes:
        print(f"gitreg at {size:,} versions", file=sys.stderr)
        results["gitreg"][str(size)] = bench_gitreg(args.workdir, size, args.repeat)
        save()
    print("gitreg start-up and lineage", file=sys.stderr)
    results["common"] = bench_common(args.workdir, args.repeat, args.chain_depth)

    if args.peers:
        gto_venv = peer_venv(args.workdir, "gto", "gto")
        if gto_venv is not None:
            results["gto"] = {}
            results["gto_help"] = process_median([str(gto_venv / "bin" / "gto"), "--help"], 3)
            for size in [s for s in sizes if str(s) in args.gto_sizes.split(",")]:
                print(f"GTO at {size:,} versions", file=sys.stderr)
                results["gto"][str(size)] = bench_gto(args.workdir, gto_venv, size, args.repeat, args.peer_timeout)
                save()
        else:
            results["notes"] = results.get("notes", []) + ["GTO skipped: install failed"]
        ml_venv = peer_venv(args.workdir, "mlflow", "mlflow")
        if ml_venv is not None:
            results["mlflow"] = {}
            for size in [s for s in sizes if str(s) in args.mlflow_sizes.split(",")]:
                print(f"MLflow at {size:,} versions", file=sys.stderr)
                results["mlflow"][str(size)] = bench_mlflow(args.workdir, ml_venv, size, args.repeat,
                                                            args.mlflow_timeout)
                save()
        else:
            results["notes"] = results.get("notes", []) + ["MLflow skipped: install failed"]

    save()
    text = table(results)
    print(text)
    if args.chart is not None:
        note = chart(results, args.chart)
        if note:
            print(f"NOTE: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
