"""Many clones writing one HTTP remote at once: the driver shared by the test and the benchmark.

Each writer is its own process with its own clone (as on separate machines): registrations
of one model, synced; deployers deploy existing versions to one environment. All start
together on a 'go' file.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

WORKER = r"""
import json, sys, time
from pathlib import Path
from gitreg import ModelRegistry

task, path, sync, ident, n = sys.argv[1:]
(Path(sync) / f"ready-{ident}").touch()
deadline = time.monotonic() + 120
while not (Path(sync) / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("never got the start signal")
    time.sleep(0.005)
reg = ModelRegistry(path)
out, seconds = [], []
for j in range(int(n)):
    began = time.monotonic()
    if task == "register":
        out.append(reg.register_model("shared", notes=f"writer {ident} #{j}").version)
    else:
        record = reg.deploy("shared", ("v1", "v2")[j % 2], reason=f"deployer {ident} #{j}")
        out.append(None if record is None else record.commit)
    seconds.append(time.monotonic() - began)
print(json.dumps([out, seconds]))
"""


@dataclass
class Outcome:
    versions: list[list[str]]  # per writer, the versions it was given
    deploys: list[list]
    seconds: float
    latencies: list[list[float]]  # per worker (writers, then deployers), seconds of each call in order


def prepare(server, base: Path, clones: int) -> tuple[Path, list[Path]]:
    """A seed registry that published shared v1 and v2 to a new repo on `server` (an Apache from
    tests/servers/apache), and `clones` clones of it, each with the server's credentials."""
    from gitreg import ModelRegistry

    url = server.repo()
    seed = ModelRegistry(base / "seed.git")
    seed.init()
    server.credentials(seed.path)
    seed.add_remote("origin", url)
    seed.register_model("shared")
    seed.register_model("shared")
    paths = []
    for i in range(clones):
        clone = ModelRegistry.clone(url, base / f"clone{i}.git")
        server.credentials(clone.path)
        paths.append(clone.path)
    return seed.path, paths


def run(tmp: Path, clones: list[Path], writers: int, per_writer: int, deployers: int,
        timeout: float = 540, env: dict[str, str] | None = None) -> Outcome:
    """clones[:writers] register `per_writer` versions each; the next `deployers` clones deploy.
    Workers run in `tmp` with `env` (default: this one): a benchmark points PYTHONPATH at another gitreg."""
    sync = tmp / "sync"
    sync.mkdir()
    jobs = [("register", c, per_writer) for c in clones[:writers]]
    jobs += [("deploy", c, per_writer) for c in clones[writers:writers + deployers]]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, task, str(path), str(sync), str(i), str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp, env=env)
             for i, (task, path, n) in enumerate(jobs)]
    try:
        deadline = time.monotonic() + 60
        while len(list(sync.glob("ready-*"))) < len(procs):
            failed = [p.communicate() for p in procs if p.poll() is not None]
            assert not failed, failed
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.01)
        start = time.monotonic()
        (sync / "go").touch()
        results = []
        end = start + timeout
        for p in procs:
            out, err = p.communicate(timeout=max(1, end - time.monotonic()))
            assert p.returncode == 0, f"worker failed ({p.returncode}):\n{err}"
            results.append(json.loads(out))
        seconds = time.monotonic() - start
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    given = [r[0] for r in results]
    return Outcome(given[:writers], given[writers:], seconds, [r[1] for r in results])
