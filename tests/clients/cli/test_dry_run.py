"""--dry-run on add, score, deploy and status (issue 24): what would be recorded, and nothing
written — checked with real git on the registry and on its sync remote."""
from __future__ import annotations

import json
import subprocess

import yaml


def _all_refs(git, path) -> str:
    return git(path, "for-each-ref", "--format=%(refname) %(objectname)")


def test_dry_runs_show_what_would_be_recorded_and_write_nothing(cli, registry_path, git, tmp_path):
    weights = tmp_path / "w.gguf"
    weights.write_bytes(b"weights" * 100)
    r = cli("add", "majora", "--gguf-path", str(weights), "--store", "--accuracy", "0.8", "--dry-run")
    assert r.code == 0 and r.out.startswith("Would register majora v1 (dry run: nothing written)\n")
    assert "refs/tags/majora/v1" in r.out and "the registry would be created" in r.out
    assert f"gguf {weights} (700 B, sha256 " in r.out and "artifacts/gguf/w.gguf:" in r.out
    assert not registry_path.exists()

    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    assert cli("init").code == 0 and cli("remote", "add", "origin", str(remote)).code == 0
    cli("add", "majora", "--accuracy", "0.8")
    cli("add", "majora", "--accuracy", "0.85")
    cli("deploy", "majora", "v1")
    before, remote_before = _all_refs(git, registry_path), _all_refs(git, remote)
    objects = git(registry_path, "count-objects", "-v")

    r = cli("add", "majora", "--parent", "v2", "--tag", "candidate", "-n", "--json")
    preview = json.loads(r.out)
    assert preview["action"] == "register majora v3" and preview["effects"] == ["published to origin at once"]
    assert [x["ref"] for x in preview["refs"]] == ["refs/tags/majora/v3", "refs/heads/majora"]
    manifest = yaml.safe_load(preview["files"]["manifest.yaml"])
    assert (manifest["version"], manifest["parent_version"], manifest["tags"]) == ("v3", "majora:v2", ["candidate"])

    r = cli("score", "majora", "v2", "--accuracy", "0.9", "--dry-run")
    assert r.code == 0 and "refs/notes/gitreg/majora  created: the model's notes" in r.out
    assert "evaluation_scores:\n    accuracy: 0.9" in r.out
    r = cli("deploy", "majora", "v2", "--reason", "better", "--dry-run")
    assert r.code == 0 and r.out.startswith("Would deploy majora v2 to production (was v1)")
    assert "refs/notes/gitreg/majora         moves: v1 becomes deprecated" in r.out
    assert "  reason: better" in r.out and "  previous_version: v1" in r.out
    r = cli("status", "majora", "v2", "archived", "--dry-run")
    assert r.code == 0 and "  status: archived" in r.out
    refused = cli("status", "majora", "v1", "archived", "--dry-run")  # the same checks as the write
    assert refused.code == 1 and "is deployed in production" in refused.err
    assert "already runs in production" in cli("deploy", "majora", "v1", "-n").out

    assert _all_refs(git, registry_path) == before and _all_refs(git, remote) == remote_before
    assert git(registry_path, "count-objects", "-v") == objects  # not even an unreferenced object
    assert cli("score", "majora", "v2", "--accuracy", "0.9").code == 0  # the real write still works
    assert _all_refs(git, registry_path) != before
