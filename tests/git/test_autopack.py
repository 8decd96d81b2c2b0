"""Auto-packing of tag refs as the registry grows: refs still resolve with plain git,
fsck stays clean, and registrations racing a pack lose nothing."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from gitreg import ModelRegistry
from gitreg.git import repository

WORKER = r"""
import json, sys
import gitreg.git.repository as repository
from gitreg import ModelRegistry
repository.PACK_LOOSE_TAGS = int(sys.argv[3])
reg = ModelRegistry(sys.argv[1])
print(json.dumps([reg.register_model(sys.argv[2]).version for _ in range(int(sys.argv[4]))]))
"""


def _loose_tags(path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in (path / "refs" / "tags").rglob("*") if p.is_file())


def test_tags_are_packed_past_the_threshold(reg, registry_path, git, fsck, monkeypatch):
    monkeypatch.setattr(repository, "PACK_LOOSE_TAGS", 4)
    for _ in range(4):
        reg.register_model("majora")
    assert len(_loose_tags(registry_path)) == 4  # at the threshold: nothing packed yet
    reg.register_model("majora")  # the fifth loose tag triggers a pack
    assert _loose_tags(registry_path) == []
    packed = (registry_path / "packed-refs").read_text()
    assert all(f" refs/tags/majora/v{i}\n" in packed for i in range(1, 6))

    reg.register_model("majora")  # v6 is loose again, beside the packed ones
    assert _loose_tags(registry_path) == ["refs/tags/majora/v6"]
    for i in range(1, 7):  # plain git resolves every tag to its version commit
        commit = git(registry_path, "rev-parse", f"refs/tags/majora/v{i}^{{commit}}").strip()
        assert git(registry_path, "show", f"{commit}:manifest.yaml").count(f"version: v{i}\n") == 1
    assert git(registry_path, "tag", "-l", "majora/*").split() == [f"majora/v{i}" for i in range(1, 7)]
    assert fsck(registry_path) == []
    fresh = ModelRegistry(registry_path)
    assert [v.version for v in fresh.list_versions("majora")] == [f"v{i}" for i in range(1, 7)]
    assert fresh.get_metadata("majora").model_name == "majora"


def test_registry_without_git_cli_still_registers(reg, registry_path, monkeypatch):
    """Packing is an optimisation: when git cannot run, registration still succeeds."""
    monkeypatch.setattr(repository, "PACK_LOOSE_TAGS", 1)
    monkeypatch.setenv("PATH", "")
    for _ in range(3):
        reg.register_model("majora")
    assert len(_loose_tags(registry_path)) == 3
    assert [v.version for v in reg.list_versions("majora")] == ["v1", "v2", "v3"]


def test_concurrent_registrations_while_packing_lose_nothing(registry_path, git, fsck):
    """Four processes register with a tiny threshold (so they pack constantly), while a
    thread runs `git pack-refs --all` in a loop: every version is claimed once and kept."""
    ModelRegistry(registry_path).register_model("seed")
    workers, each = 4, 12
    stop = threading.Event()

    def packer() -> None:
        while not stop.is_set():
            subprocess.run(["git", f"--git-dir={registry_path}", "pack-refs", "--all"], capture_output=True)
            time.sleep(0.005)

    thread = threading.Thread(target=packer)
    thread.start()
    try:
        procs = [
            subprocess.Popen([sys.executable, "-c", WORKER, str(registry_path), "majora", "3", str(each)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(workers)
        ]
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            outs.append(out)
    finally:
        stop.set()
        thread.join()
    claimed = [v for out in outs for v in json.loads(out)]
    assert sorted(claimed, key=lambda v: int(v[1:])) == [f"v{i}" for i in range(1, workers * each + 1)]
    tags = git(registry_path, "for-each-ref", "--format=%(refname)", "refs/tags/majora/").split()
    assert len(tags) == workers * each
    branch = git(registry_path, "rev-list", "refs/heads/majora").split()
    for tag in tags:  # every version commit is on the branch (no lost fast-forward)
        assert git(registry_path, "rev-parse", f"{tag}^{{commit}}").strip() in branch
    assert fsck(registry_path) == []
    assert len(ModelRegistry(registry_path).list_versions("majora")) == workers * each
