"""The server hook's cost: gitreg's pre-receive judging a push, per pushed ref, at 1,000 and
(--long) 100,000 versions in the served registry, and a `git push` to a served registry with
the hook installed vs the same push to a copy without it, in the same run.

    python benchmarks/hook_bench.py --sizes 1000 --repeat 5 [--long] --out benchmarks/hook_results.json

Workloads (the served registry holds a policy with a per-environment rule and a gate, so the
judgement does the policy's reads too):
- new version: a tag and a branch update (2 refs), judged in process (`receive.judge`);
- deploy:      the same push plus a deployment of that version (3 refs); the deploy's share is
               the difference (its policy rule, gate included);
- push:        `git push` of a new version through git's receive-pack, with the hook vs without.
The hook must stay O(refs pushed): its cost per ref should not grow with the registry.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fixtures import build_gitreg, model_name  # noqa: E402
from benchmarks.timing import median_time  # noqa: E402

POLICY = """admins: [bench@example.com]
environments:
  production: {deployers: ["*"], gate: "status = completed or status = draft or accuracy >= 0"}
"""


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={path}", *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def measure(size: int, repeat: int, work: Path) -> dict:
    from gitreg import ModelRegistry
    from gitreg.clients.server.install import install
    from gitreg.features.policy import receive

    fixture = work / f"fixture-{size}.git"
    if not fixture.exists():  # kept with --workdir: a 100,000-version build takes minutes
        build_gitreg(fixture, size)
        git(fixture, "pack-refs", "--all")
        ModelRegistry(fixture).set_policy(POLICY)
    served = work / f"served-{size}.git"
    for old in work.glob(f"*-{size}.git"):
        if old != fixture:
            shutil.rmtree(old)
    shutil.copytree(fixture, served)
    plain = work / f"plain-{size}.git"
    shutil.copytree(served, plain)
    local = work / f"local-{size}.git"
    shutil.copytree(plain, local)
    model = model_name(0)
    reg = ModelRegistry(local, offline=True)
    version = reg.register_model(model, status="completed").version
    reg.deploy(model, version)
    tag, branch = f"refs/tags/{model}/{version}", f"refs/heads/{model}"
    dref = f"refs/deployed/production/{model}"
    for target in (served, plain):  # the objects are there (pushed before the hook is); refs are judged
        git(local, "push", "--quiet", str(target), f"{tag}:refs/bench/tag", f"{branch}:refs/bench/branch",
            f"{dref}:refs/bench/deploy")
    install(served)
    new_version = [("0" * 40, git(local, "rev-parse", tag), tag),
                   (git(served, "rev-parse", branch), git(local, "rev-parse", branch), branch)]
    with_deploy = new_version + [("0" * 40, git(local, "rev-parse", dref), dref)]

    def judged(updates):
        refused = receive.judge(served, updates)
        assert not refused, refused

    out = {"versions": size}
    out["judge_new_version_s"] = median_time(lambda: judged(new_version), repeat)
    out["judge_new_version_per_ref_s"] = out["judge_new_version_s"] / len(new_version)
    out["judge_version_and_deploy_s"] = median_time(lambda: judged(with_deploy), repeat)
    out["judge_deploy_s"] = out["judge_version_and_deploy_s"] - out["judge_new_version_s"]

    def reset(target: Path) -> None:
        old = git(target, "rev-parse", "refs/bench/branch^")  # the branch before the new version
        subprocess.run(["git", f"--git-dir={target}", "update-ref", "-d", tag], check=True)
        subprocess.run(["git", f"--git-dir={target}", "update-ref", branch, old], check=True)

    def pushed(target: Path) -> None:
        subprocess.run(["git", f"--git-dir={local}", "push", "--quiet", "--atomic", str(target), tag, branch],
                       check=True, capture_output=True)

    with_hook, without = [], []
    for _ in range(repeat):  # interleaved: a shared machine's load drifts between runs
        with_hook.append(median_time(lambda: pushed(served), 1, lambda: reset(served)))
        without.append(median_time(lambda: pushed(plain), 1, lambda: reset(plain)))
    out["push_with_hook_s"] = statistics.median(with_hook)
    out["push_without_hook_s"] = statistics.median(without)
    out["push_ratio"] = out["push_with_hook_s"] / out["push_without_hook_s"]
    out["push_hook_cost_s"] = out["push_with_hook_s"] - out["push_without_hook_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--long", action="store_true", help="also 100,000 versions (minutes to build)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sizes = args.sizes + ([100_000] if args.long else [])
    work = args.workdir or Path(tempfile.mkdtemp(prefix="gitreg-hook-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = [measure(size, args.repeat, work) for size in sizes]
    print("| versions | judge new version (per ref) | judge deploy | push with hook | without | ratio | hook's cost |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['versions']:,} | {r['judge_new_version_per_ref_s'] * 1000:.1f} ms | "
              f"{r['judge_deploy_s'] * 1000:.1f} ms | {r['push_with_hook_s'] * 1000:.0f} ms | "
              f"{r['push_without_hook_s'] * 1000:.0f} ms | {r['push_ratio']:.2f}x | "
              f"{r['push_hook_cost_s'] * 1000:.0f} ms |")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
