"""Registry events: what they cost (benchmarks/RESULTS.md, "Events").

1. Derivation per pushed ref: `derive` on pushes of 1, 10 and 100 ref updates, in registries
   of two sizes (the cost must follow the refs pushed, not the registry).
2. post-receive's added latency: `git push` of one new version (tag + branch) to a bare
   repository without hooks vs the same push with `gitreg server install`'s post-receive
   (spool + detached deliverer), medians in the same run.
3. Delivery throughput: the outbox's events sent, signed and recorded, to a local receiver,
   vs bare unsigned POSTs of the same bodies to the same receiver (the floor).

    python benchmarks/events_bench.py [--repeat 15] [--events 300]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import median_time  # noqa: E402
from gitreg import ModelRegistry  # noqa: E402
from gitreg.features.events import delivery, derive, outbox  # noqa: E402
from gitreg.git.refs.changes import RefChange  # noqa: E402
from gitreg.git.repository import Store  # noqa: E402

ZERO = "0" * 40


def git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                          text=True).stdout


def refs(git_dir: Path) -> dict[str, str]:
    out = git(git_dir, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ", 1) for line in out.splitlines())


def build(path: Path, models: int, versions: int) -> ModelRegistry:
    reg = ModelRegistry(path)
    for m in range(models):
        for v in range(versions):
            reg.register_model(f"m{m}", evaluation_scores={"accuracy": v / versions})
        reg.deploy(f"m{m}", "v1")
        reg.update_evaluation_scores(f"m{m}", "v1", accuracy=0.5)
    return reg


def bench_derive(work: Path, repeat: int) -> dict[str, float]:
    out = {}
    for size, (models, versions) in {"small": (100, 2), "large": (100, 20)}.items():
        reg = build(work / f"derive-{size}.git", models, versions)
        store = Store.open(reg.path)
        state = {r: o for r, o in refs(reg.path).items() if r.startswith(derive.PREFIXES)}
        names = sorted(state)
        for k in (1, 10, 100):
            # k updates, each a ref created from nothing: tags (one registration each), deployments, notes
            picked = [names[(i * len(names)) // k] for i in range(k)]
            changes = [RefChange(ZERO, state[r], r) for r in picked]
            t = median_time(lambda: derive.derive(store, changes), repeat)
            out[f"derive {k} refs ({models * versions} versions)"] = t
            out[f"derive per ref, {k} refs ({models * versions} versions)"] = t / k
    return out


def bench_post_receive(work: Path, repeat: int) -> dict[str, float]:
    local = build(work / "pusher.git", 1, 2 * repeat + 2)
    tags = sorted((r for r in refs(local.path) if r.startswith("refs/tags/")),
                  key=lambda r: int(r.rsplit("/v", 1)[1]))
    out = {}
    for label, hooked in (("push without post-receive", False), ("push with gitreg's post-receive", True)):
        server = work / f"server-{hooked}.git"
        subprocess.run(["git", "init", "-q", "--bare", str(server)], check=True)
        if hooked:
            subprocess.run([sys.executable, "-m", "gitreg", "server", "install", str(server)], check=True,
                           capture_output=True)
            (server / "hooks" / "pre-receive").unlink()  # the pre-receive is issue 22's: not measured here
        queue = list(tags)

        def push() -> None:
            tag = queue.pop(0)
            commit = git(local.path, "rev-parse", f"{tag}^{{commit}}").strip()
            git(local.path, "push", "-q", str(server), f"{commit}:refs/heads/m0", f"{tag}:{tag}")

        # pushes 3 s apart in both series: the deliverer a push starts (1 s after it) is done
        # before the next push, which measures the push alone
        out[label] = median_time(push, repeat, before=lambda: time.sleep(3))
    out["post-receive added latency"] = out["push with gitreg's post-receive"] - out["push without post-receive"]
    return out


def bench_delivery(work: Path, events: int) -> dict[str, float]:
    from tests.servers.receiver import Receiver

    reg = build(work / "delivery.git", events // 4, 2)  # each model: 2 registered, a deploy, a score
    store = Store.open(reg.path)
    state = {r: o for r, o in refs(reg.path).items() if r.startswith(derive.PREFIXES)}
    outbox.spool(reg.path, [f"{ZERO} {o} {r}" for r, o in sorted(state.items())])
    receiver = Receiver("bench-secret")
    os.environ["BENCH_SECRET"] = "bench-secret"
    try:
        reg.add_webhook(receiver.url, secret_env="BENCH_SECRET", name="bench")
        start = time.perf_counter()
        delivery.run(store)
        sent = time.perf_counter() - start
        count = len(receiver.events)
        assert receiver.bad_signatures == 0 and count == len(outbox.events(reg.path)), (count, receiver.bad_signatures)
        bodies = [json.dumps(e).encode() for e in outbox.events(reg.path)]
        start = time.perf_counter()
        for body in bodies:
            req = urllib.request.Request(receiver.url.replace("/hook", "/raw"), data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            receiver.secret = None
            with urllib.request.urlopen(req) as r:
                r.read()
        raw = time.perf_counter() - start
    finally:
        receiver.stop()
    derive_and_send = sent
    return {"events delivered": count, "delivery (derive, sign, send, record) events/s": count / derive_and_send,
            "bare unsigned POSTs events/s": count / raw}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("GIT_AUTHOR_NAME", "Bench")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "bench@example.com")
    os.environ.setdefault("GIT_COMMITTER_NAME", "Bench")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "bench@example.com")
    work = Path(tempfile.mkdtemp(prefix="gitreg-events-bench-"))
    try:
        results = {**bench_derive(work, args.repeat), **bench_post_receive(work, args.repeat),
                   **bench_delivery(work, args.events)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for key, value in results.items():
        shown = f"{value * 1000:.2f} ms" if isinstance(value, float) and "events/s" not in key else f"{value:.1f}"
        print(f"{key}: {shown}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
