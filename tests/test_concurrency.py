"""Several real processes writing one registry at once (DESIGN.md 'Concurrency and remotes').

Each worker is a separate Python process (subprocess); all of them import gitreg,
report ready, and start together when the test creates a 'go' file.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

from gitreg import ModelRegistry

WORKER = r"""
import json, sys, time
from pathlib import Path
from gitreg import ModelRegistry

task, path, sync, ident, *args = sys.argv[1:]
sync = Path(sync)
(sync / f"ready-{ident}").touch()
deadline = time.monotonic() + 60
while not (sync / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("never got the start signal")
    time.sleep(0.001)

reg = ModelRegistry(path)
out = []
if task == "register":
    model, n = args[0], int(args[1])
    for _ in range(n):
        out.append(reg.register_model(model, notes=f"by worker {ident}").version)
elif task == "score":
    model, version, n = args[0], args[1], int(args[2])
    for j in range(n):
        reg.update_evaluation_scores(model, version, accuracy=j / 10, **{f"w{ident}_m{j}": float(j)})
        out.append(j)
elif task == "deploy":
    model, versions = args[0], args[1].split(",")
    for v in versions:
        record = reg.deploy(model, v)
        out.append(None if record is None else record.commit)
else:
    sys.exit(f"unknown task {task}")
print(json.dumps(out))
"""


def _run_together(tmp_path: Path, registry: Path, task: str, jobs: list[list[str]], timeout: float = 50):
    """Start one worker process per job, release them at once, return their JSON outputs."""
    sync = tmp_path / f"sync-{task}"
    sync.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, task, str(registry), str(sync), str(i), *job],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i, job in enumerate(jobs)
    ]
    try:
        deadline = time.monotonic() + 30
        while len(list(sync.glob("ready-*"))) < len(procs):
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs if p.poll() is not None]
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.01)
        (sync / "go").touch()
        results = []
        end = time.monotonic() + timeout
        for p in procs:
            out, err = p.communicate(timeout=max(1, end - time.monotonic()))
            assert p.returncode == 0, f"worker failed ({p.returncode}):\n{err}"
            results.append(json.loads(out))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def _manifests(git, path, revs: list[str]) -> dict[str, dict]:
    """{rev: parsed manifest.yaml} with one `git cat-file --batch` call."""
    out = git(path, "cat-file", "--batch", input="".join(f"{r}:manifest.yaml\n" for r in revs))
    result, pos = {}, 0
    for rev in revs:
        header_end = out.index("\n", pos)
        header = out[pos:header_end].split()
        assert len(header) == 3 and header[1] == "blob", f"{rev}: {header}"
        size = int(header[2])
        body = out[header_end + 1: header_end + 1 + size]  # manifests are ASCII here
        result[rev] = yaml.safe_load(body)
        pos = header_end + 1 + size + 1
    return result


def test_concurrent_auto_numbered_registrations(tmp_path, registry_path, git, fsck):
    ModelRegistry(registry_path).init()  # the model itself is created in the race
    workers, each = 8, 25
    results = _run_together(tmp_path, registry_path, "register", [["majora", str(each)]] * workers)

    claimed = [v for r in results for v in r]
    assert len(claimed) == workers * each
    assert set(claimed) == {f"v{i}" for i in range(1, workers * each + 1)}
    for r in results:  # each worker saw its own versions increase
        numbers = [int(v[1:]) for v in r]
        assert numbers == sorted(numbers) and len(r) == each

    tags = git(registry_path, "for-each-ref", "--format=%(refname:strip=3) %(objecttype) %(*objectname)",
               "refs/tags/majora/")
    rows = [line.split() for line in tags.splitlines()]
    assert len(rows) == workers * each
    assert all(kind == "tag" for _, kind, _ in rows)
    commits = {v: c for v, _, c in rows}
    manifests = _manifests(git, registry_path, [f"refs/tags/majora/{v}" for v in commits])
    owner = {v: i for i, r in enumerate(results) for v in r}
    for v in commits:
        m = manifests[f"refs/tags/majora/{v}"]
        assert (m["model_name"], m["version"]) == ("majora", v)
        assert m["notes"] == f"by worker {owner[v]}"  # the version is the one its worker wrote
    on_branch = set(git(registry_path, "rev-list", "refs/heads/majora").split())
    assert set(commits.values()) <= on_branch
    assert len(git(registry_path, "rev-list", "--max-parents=0", "refs/heads/majora").split()) == 1
    reg = ModelRegistry(registry_path)
    assert [v.version for v in reg.list_versions("majora")] == [f"v{i}" for i in range(1, 201)]
    assert fsck(registry_path) == []


def test_concurrent_score_updates_are_all_kept(tmp_path, registry_path, git, fsck):
    reg = ModelRegistry(registry_path)
    workers, updates = 8, 5
    for _ in range(workers):
        reg.register_model("majora", evaluation_scores={"f1_score": 0.5})
    jobs = [["majora", f"v{i + 1}", str(updates)] for i in range(workers)]
    _run_together(tmp_path, registry_path, "score", jobs)

    reg = ModelRegistry(registry_path)
    for i in range(workers):
        v = reg.get_version("majora", f"v{i + 1}")
        assert v.evaluation_scores.custom_metrics == {f"w{i}_m{j}": float(j) for j in range(updates)}
        assert v.evaluation_scores.accuracy == (updates - 1) / 10  # the worker's last update
        assert v.evaluation_scores.f1_score == 0.5
        note = yaml.safe_load(git(registry_path, "notes", "--ref=gitreg/majora", "show", v.commit))
        assert set(note["evaluation_scores"]["custom_metrics"]) == {f"w{i}_m{j}" for j in range(updates)}
    assert git(registry_path, "rev-list", "--count", "refs/notes/gitreg/majora").strip() == str(workers * updates)
    assert git(registry_path, "rev-list", "--merges", "refs/notes/gitreg/majora").strip() == ""
    assert fsck(registry_path) == []


def test_concurrent_deploys_form_one_linear_history(tmp_path, registry_path, git, fsck):
    reg = ModelRegistry(registry_path)
    workers, each = 4, 5
    for _ in range(workers * each):
        reg.register_model("majora")
    # every deploy names a version nobody else deploys, so none is a no-op
    jobs = [["majora", ",".join(f"v{k * workers + i + 1}" for k in range(each))] for i in range(workers)]
    results = _run_together(tmp_path, registry_path, "deploy", jobs)

    commits = [c for r in results for c in r]
    assert None not in commits
    successful = len(commits)
    assert successful == workers * each
    ref = "refs/deployed/production/majora"
    assert int(git(registry_path, "rev-list", "--count", ref)) == successful
    assert git(registry_path, "rev-list", "--merges", ref).strip() == ""
    assert set(git(registry_path, "rev-list", ref).split()) == set(commits)

    hist = ModelRegistry(registry_path).deployment_history("majora")
    assert len(hist) == successful
    assert sorted(d.version for d in hist) == sorted(f"v{i}" for i in range(1, successful + 1))
    assert hist[0].previous_version is None
    for before, after in zip(hist, hist[1:]):
        assert after.previous_version == before.version  # nobody deployed over a stale state
    order = [d.commit for d in hist]
    for r in results:  # each worker's deploys appear in the order it made them
        assert [order.index(c) for c in r] == sorted(order.index(c) for c in r)
    live = hist[-1].version
    reg = ModelRegistry(registry_path)
    assert reg.deployments("majora") == {"production": live}
    assert [v.version for v in reg.list_versions("majora") if v.deployed] == [live]
    assert fsck(registry_path) == []


def test_concurrent_first_writes_create_one_registry(tmp_path, registry_path, refs):
    # nobody has created the registry yet: every writer races to create it
    workers = 4
    results = _run_together(tmp_path, registry_path, "register",
                            [[f"model{i}", "3"] for i in range(workers)])
    assert results == [["v1", "v2", "v3"]] * workers
    assert ModelRegistry(registry_path).list_models() == [f"model{i}" for i in range(workers)]
    assert len(refs(registry_path)) == workers * 4
