"""The storage contract (DESIGN.md), checked with the real git CLI only."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
import yaml

from gitreg import LineageTracker, ModelRegistry

MANIFEST_KEYS = {
    "schema", "model_name", "version", "created_at", "status", "parent_version", "base_model",
    "training", "evaluation_scores", "files", "lora_path", "gguf_path", "training_data_sources",
    "git_commit", "tags", "notes",
}
TRAINING_KEYS = {"framework", "base_model", "samples", "epochs", "batch_size", "learning_rate",
                 "duration_hours", "cost_usd", "hardware"}
SCORE_KEYS = {"accuracy", "f1_score", "perplexity", "bleu", "rouge", "inference_speed_tokens_per_sec",
              "memory_mb", "latency_ms", "custom_metrics"}
MODEL_KEYS = {"model_name", "created_at", "description", "owner", "tags", "notes"}
DEPLOYMENT_KEYS = {"model_name", "version", "environment", "action", "previous_version",
                   "deployed_by", "deployed_at", "reason"}
CARD = "# majora v1\n\nA coder model.\n"


def _yaml(text: str):
    return yaml.safe_load(text)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def _parents(git, path, rev: str) -> list[str]:
    return git(path, "rev-list", "--parents", "-n", "1", rev).split()[1:]


def _commit(git, path, rev: str) -> str:
    return git(path, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()


def _is_ancestor(path, old: str, new: str) -> bool:
    proc = subprocess.run(["git", f"--git-dir={path}", "merge-base", "--is-ancestor", old, new],
                          capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode == 0


def _root_of(git, path, model: str) -> str:
    for line in _lines(git(path, "log", "--format=%H %s", f"refs/heads/{model}")):
        sha, subject = line.split(" ", 1)
        if subject == f"create model {model}":
            return sha
    raise AssertionError(f"no 'create model {model}' commit on refs/heads/{model}")


@pytest.fixture
def lineage(reg):
    """majora: v1 -> v2 -> v3, v1 -> v2b (registered in that order)."""
    reg.register_model("majora", model_card=CARD, evaluation_scores={"accuracy": 0.85})
    reg.register_model("majora", parent_version="v1")
    reg.register_model("majora", parent_version="v2")
    reg.register_model("majora", "v2b", parent_version="v1")
    return reg


# -- refs ------------------------------------------------------------------------------
def test_refs_written_by_registration(lineage, registry_path, git, refs):
    assert set(refs(registry_path)) == {
        "refs/heads/majora", "refs/tags/majora/v1", "refs/tags/majora/v2",
        "refs/tags/majora/v3", "refs/tags/majora/v2b",
    }
    assert git(registry_path, "rev-parse", "--is-bare-repository").strip() == "true"
    assert git(registry_path, "rev-parse", "refs/heads/majora").strip() == lineage.get_version("majora", "v2b").commit
    for v in ("v1", "v2", "v3", "v2b"):
        tag_ref = f"refs/tags/majora/{v}"
        assert git(registry_path, "cat-file", "-t", tag_ref).strip() == "tag"
        commit = lineage.get_version("majora", v).commit
        assert _commit(git, registry_path, tag_ref) == commit
        raw = git(registry_path, "cat-file", "tag", tag_ref)
        assert f"object {commit}\n" in raw
        assert "type commit\n" in raw
        assert f"tag majora/{v}\n" in raw
        assert "tagger Gitreg Tester <tester@example.com> " in raw
        # every version is reachable from the branch
        assert _is_ancestor(registry_path, commit, "refs/heads/majora")
    assert git(registry_path, "describe", "--tags", "--exact-match", "majora/v2^{commit}").strip() == "majora/v2"


def test_manifest_readable_with_git_show(registry_path, reg, git, tmp_path):
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF-bytes")
    reg.register_model(
        "majora", base_model="Qwen2.5-Coder-7B", framework="unsloth", samples=223, epochs=3,
        batch_size=4, learning_rate=2e-4, duration_hours=3.0, cost_usd=0.8, hardware="M2 Max",
        training_data=["oracle", "toolbench"], lora_path="s3://bucket/lora", gguf_path=str(gguf),
        evaluation_scores={"accuracy": 0.85, "rouge1": 0.5, "humaneval": 0.6},
        git_commit="abc123def456", tags=["experimental"], notes="Initial training", model_card=CARD,
    )
    reg.register_model("majora", parent_version="v1", status="draft")
    m = _yaml(git(registry_path, "show", "majora/v1:manifest.yaml"))
    assert m["schema"] == "gitreg/1"
    assert MANIFEST_KEYS <= set(m)
    assert (m["model_name"], m["version"], m["status"]) == ("majora", "v1", "completed")
    assert isinstance(m["created_at"], str)
    assert dt.datetime.fromisoformat(m["created_at"]).utcoffset() is not None
    assert m["parent_version"] is None
    assert m["base_model"] == "Qwen2.5-Coder-7B"
    assert set(m["training"]) == TRAINING_KEYS
    assert m["training"]["samples"] == 223 and m["training"]["learning_rate"] == 2e-4
    assert set(m["evaluation_scores"]) == SCORE_KEYS
    assert m["evaluation_scores"]["accuracy"] == 0.85
    assert m["evaluation_scores"]["rouge"] == {"rouge1": 0.5}
    assert m["evaluation_scores"]["custom_metrics"] == {"humaneval": 0.6}
    files = {f["role"]: f for f in m["files"]}
    assert files["lora"] == {"role": "lora", "path": "s3://bucket/lora"}
    assert files["gguf"]["size_bytes"] == len(b"GGUF-bytes") and len(files["gguf"]["sha256"]) == 64
    assert m["lora_path"] == "s3://bucket/lora" and m["gguf_path"] == str(gguf.resolve())
    assert m["training_data_sources"] == ["oracle", "toolbench"]
    assert (m["git_commit"], m["tags"], m["notes"]) == ("abc123def456", ["experimental"], "Initial training")
    assert git(registry_path, "show", "majora/v1:README.md") == CARD
    assert _lines(git(registry_path, "ls-tree", "--name-only", "majora/v1")) == ["README.md", "manifest.yaml"]
    assert _lines(git(registry_path, "ls-tree", "--name-only", "majora/v2")) == ["manifest.yaml"]
    m2 = _yaml(git(registry_path, "show", "majora/v2:manifest.yaml"))
    assert (m2["version"], m2["status"], m2["parent_version"]) == ("v2", "draft", "majora:v1")
    assert git(registry_path, "log", "-1", "--format=%s", "majora/v1").strip() == "register majora v1"
    assert "Initial training" in git(registry_path, "log", "-1", "--format=%b", "majora/v1")


def test_model_root_commit(lineage, registry_path, git):
    root = _root_of(git, registry_path, "majora")
    assert git(registry_path, "rev-list", "--max-parents=0", "refs/heads/majora").split() == [root]
    assert _parents(git, registry_path, root) == []
    assert _lines(git(registry_path, "ls-tree", "--name-only", root)) == ["model.yaml"]
    model = _yaml(git(registry_path, "show", f"{root}:model.yaml"))
    assert set(model) == MODEL_KEYS
    assert model["model_name"] == "majora"
    assert dt.datetime.fromisoformat(model["created_at"]).utcoffset() is not None


# -- lineage as commit parentage ---------------------------------------------------------
def test_first_parent_walks_the_lineage(lineage, registry_path, git):
    def subjects(rev):
        return _lines(git(registry_path, "log", "--first-parent", "--format=%s", rev))

    assert subjects("majora/v3") == ["register majora v3", "register majora v2",
                                     "register majora v1", "create model majora"]
    assert subjects("majora/v2b") == ["register majora v2b", "register majora v1", "create model majora"]
    assert subjects("majora/v1") == ["register majora v1", "create model majora"]


def test_second_parent_only_when_the_tip_is_not_the_first_parent(lineage, registry_path, git):
    c = {v: lineage.get_version("majora", v).commit for v in ("v1", "v2", "v3", "v2b")}
    root = _root_of(git, registry_path, "majora")
    assert _parents(git, registry_path, c["v1"]) == [root]
    assert _parents(git, registry_path, c["v2"]) == [c["v1"]]
    assert _parents(git, registry_path, c["v3"]) == [c["v2"]]
    assert _parents(git, registry_path, c["v2b"]) == [c["v1"], c["v3"]]  # tip was v3
    v4 = lineage.register_model("majora").commit                       # no parent: from the root
    assert _parents(git, registry_path, v4) == [root, c["v2b"]]
    v5 = lineage.register_model("majora", parent_version="v4").commit  # from the tip: one parent
    assert _parents(git, registry_path, v5) == [v4]
    # `git show majora/v2` shows what changed from its parent
    diff = git(registry_path, "show", "--format=", "majora/v2")
    assert "+version: v2" in diff and "-version: v1" in diff


def test_cross_model_parent(reg, registry_path, git):
    other = reg.register_model("other").commit
    v1 = reg.register_model("majora", parent_version="other:v1")
    assert v1.parent_version == "other:v1"
    m = _yaml(git(registry_path, "show", "majora/v1:manifest.yaml"))
    assert m["parent_version"] == "other:v1"
    parents = _parents(git, registry_path, v1.commit)
    root = _root_of(git, registry_path, "majora")
    assert parents == [other, root]
    assert _lines(git(registry_path, "log", "--first-parent", "--format=%s", "majora/v1")) == [
        "register majora v1", "register other v1", "create model other"]
    assert _lines(git(registry_path, "ls-tree", "--name-only", root)) == ["model.yaml"]
    assert _yaml(git(registry_path, "show", f"{root}:model.yaml"))["model_name"] == "majora"
    # the other model's refs did not move
    assert git(registry_path, "rev-parse", "refs/heads/other").strip() == other
    v2 = reg.register_model("majora", parent_version="v1").commit
    assert _parents(git, registry_path, v2) == [v1.commit]


# -- notes -------------------------------------------------------------------------------
def _note(git, path, model, rev):
    return _yaml(git(path, "notes", f"--ref=gitreg/{model}", "show", rev))


def test_later_changes_are_git_notes(lineage, registry_path, git):
    manifest_before = git(registry_path, "show", "majora/v1:manifest.yaml")
    tags_before = git(registry_path, "for-each-ref", "refs/tags")
    lineage.update_evaluation_scores("majora", "v1", accuracy=0.9, humaneval=0.7)
    lineage.update_evaluation_scores("majora", "v1", f1_score=0.8)
    lineage.set_status("majora", "v1", "deprecated")
    lineage.add_tags("majora", "v1", "stable")
    lineage.update_notes("majora", "v1", "re-evaluated")
    lineage.update_metadata("majora", description="Code generation model", owner="scawful")

    note = _note(git, registry_path, "majora", "majora/v1^{commit}")
    assert note["evaluation_scores"]["accuracy"] == 0.9
    assert note["evaluation_scores"]["f1_score"] == 0.8
    assert note["evaluation_scores"]["custom_metrics"] == {"humaneval": 0.7}
    assert note["status"] == "deprecated"
    assert note["tags"] == ["stable"]
    assert note["notes"] == "re-evaluated"
    root = _root_of(git, registry_path, "majora")
    model_note = _note(git, registry_path, "majora", root)
    assert (model_note["description"], model_note["owner"]) == ("Code generation model", "scawful")
    listed = {line.split()[1] for line in _lines(git(registry_path, "notes", "--ref=gitreg/majora", "list"))}
    assert listed == {_commit(git, registry_path, "majora/v1"), root}
    # the ref's history is the change log: one commit per change, linear
    log = _lines(git(registry_path, "log", "--format=%s", "refs/notes/gitreg/majora"))
    assert len(log) == 6
    assert git(registry_path, "rev-list", "--merges", "refs/notes/gitreg/majora").strip() == ""
    # registration records are untouched
    assert git(registry_path, "show", "majora/v1:manifest.yaml") == manifest_before
    assert git(registry_path, "for-each-ref", "refs/tags") == tags_before


def test_notes_from_git_notes_add_and_gitreg_coexist(lineage, registry_path, git):
    v1 = _commit(git, registry_path, "majora/v1")
    v2 = _commit(git, registry_path, "majora/v2")
    git(registry_path, "notes", "--ref=gitreg/majora", "add", "-m", "notes: written by hand", v1)
    names = _lines(git(registry_path, "ls-tree", "--name-only", "refs/notes/gitreg/majora"))
    assert names == [v1]  # fanout-free
    assert ModelRegistry(registry_path).get_version("majora", "v1").notes == "written by hand"

    lineage.update_evaluation_scores("majora", "v2", accuracy=0.91)
    lineage.update_evaluation_scores("majora", "v1", accuracy=0.77)
    assert _note(git, registry_path, "majora", v1) == {
        "notes": "written by hand", "evaluation_scores": {"accuracy": 0.77}}
    assert _note(git, registry_path, "majora", v2) == {"evaluation_scores": {"accuracy": 0.91}}

    git(registry_path, "notes", "--ref=gitreg/majora", "add", "-f", "-m",
        "evaluation_scores: {accuracy: 0.95}\ntags: [hand]", v2)
    r = ModelRegistry(registry_path)
    assert r.get_version("majora", "v2").evaluation_scores.accuracy == 0.95
    assert r.get_version("majora", "v2").tags == ["hand"]
    v1_now = r.get_version("majora", "v1")
    assert (v1_now.notes, v1_now.evaluation_scores.accuracy) == ("written by hand", 0.77)
    r.add_tags("majora", "v2", "gitreg")
    assert _note(git, registry_path, "majora", v2)["tags"] == ["hand", "gitreg"]
    assert git(registry_path, "rev-list", "--count", "refs/notes/gitreg/majora").strip() == "5"


# -- deployments ---------------------------------------------------------------------------
def _deployment(git, path, rev):
    return _yaml(git(path, "show", f"{rev}:deployment.yaml"))


def test_deployment_commits(lineage, registry_path, git, actor):
    ref = "refs/deployed/production/majora"
    lineage.deploy("majora", "v1", reason="first release")
    assert git(registry_path, "show", f"{ref}:manifest.yaml") == git(registry_path, "show", "majora/v1:manifest.yaml")
    assert git(registry_path, "show", f"{ref}:README.md") == CARD
    listing = _lines(git(registry_path, "ls-tree", "--name-only", ref))
    assert listing == ["README.md", "deployment.yaml", "manifest.yaml"]
    d = _deployment(git, registry_path, ref)
    assert set(d) == DEPLOYMENT_KEYS
    assert (d["model_name"], d["version"], d["environment"], d["action"], d["previous_version"]) == (
        "majora", "v1", "production", "deploy", None)
    assert d["deployed_by"] == actor and d["reason"] == "first release"
    assert dt.datetime.fromisoformat(d["deployed_at"]).utcoffset() is not None
    assert _parents(git, registry_path, ref) == []

    first = git(registry_path, "rev-parse", ref).strip()
    lineage.deploy("majora", "v2")
    assert _parents(git, registry_path, ref) == [first]
    assert git(registry_path, "show", f"{ref}:manifest.yaml") == git(registry_path, "show", "majora/v2:manifest.yaml")
    assert _lines(git(registry_path, "ls-tree", "--name-only", ref)) == ["deployment.yaml", "manifest.yaml"]
    d = _deployment(git, registry_path, ref)
    assert (d["version"], d["action"], d["previous_version"]) == ("v2", "deploy", "v1")

    lineage.rollback("majora")
    d = _deployment(git, registry_path, ref)
    assert (d["version"], d["action"], d["previous_version"]) == ("v1", "rollback", "v2")
    assert git(registry_path, "show", f"{ref}:manifest.yaml") == git(registry_path, "show", "majora/v1:manifest.yaml")

    lineage.undeploy("majora")
    assert _lines(git(registry_path, "ls-tree", "--name-only", ref)) == ["deployment.yaml"]
    d = _deployment(git, registry_path, ref)
    assert (d["version"], d["action"], d["previous_version"]) == (None, "undeploy", "v1")
    assert "version: null" in git(registry_path, "show", f"{ref}:deployment.yaml")

    log = _lines(git(registry_path, "log", "--format=%H", ref))
    assert len(log) == 4
    assert git(registry_path, "rev-list", "--merges", ref).strip() == ""
    assert log[-1] == first
    actions = [_deployment(git, registry_path, sha)["action"] for sha in reversed(log)]
    assert actions == ["deploy", "deploy", "rollback", "undeploy"]


def test_deployment_refs_per_environment(lineage, registry_path, git, refs):
    lineage.deploy("majora", "v1", environment="staging", new_environment=True)
    lineage.deploy("majora", "v3")
    deployed = {r for r in refs(registry_path) if r.startswith("refs/deployed/")}
    assert deployed == {"refs/deployed/staging/majora", "refs/deployed/production/majora"}
    assert _deployment(git, registry_path, "refs/deployed/staging/majora")["version"] == "v1"
    assert _deployment(git, registry_path, "refs/deployed/production/majora")["environment"] == "production"


# -- append-only history ------------------------------------------------------------------------
def test_refs_only_fast_forward_and_tags_never_move(reg, registry_path, refs, fsck):
    tracker = LineageTracker(registry_path)
    ops = [
        lambda: reg.register_model("majora", model_card=CARD),
        lambda: reg.register_model("majora", parent_version="v1"),
        lambda: reg.register_model("other"),
        lambda: reg.register_model("majora", "v2b", parent_version="v1"),
        lambda: reg.register_model("majora", parent_version="other:v1"),
        lambda: reg.deploy("majora", "v1"),
        lambda: reg.update_evaluation_scores("majora", "v1", accuracy=0.9),
        lambda: reg.deploy("majora", "v2"),
        lambda: reg.deploy("majora", "v3", environment="staging", new_environment=True),
        lambda: reg.set_status("majora", "v2b", "archived"),
        lambda: reg.rollback("majora"),
        lambda: reg.add_tags("majora", "v2", "x", "y"),
        lambda: reg.remove_tags("majora", "v2", "x"),
        lambda: reg.update_notes("majora", "v3", "n"),
        lambda: reg.update_metadata("majora", owner="me"),
        lambda: tracker.add_version("majora", "v4", parent_version="v3"),
        lambda: reg.undeploy("majora"),
        lambda: reg.deploy("other", "v1"),
        lambda: reg.register_model("other", parent_version="majora:v4"),
        lambda: reg.rollback("majora", "v2"),
        lambda: reg.update_evaluation_scores("other", "v1", humaneval=0.5),
    ]
    seen: dict[str, str] = {}
    for i, op in enumerate(ops):
        op()
        now = refs(registry_path)
        assert now != seen, f"op {i} wrote no ref"
        for name, old in seen.items():
            assert name in now, f"op {i} deleted {name}"
            new = now[name]
            if new == old:
                continue
            assert not name.startswith("refs/tags/"), f"op {i} moved tag {name}"
            assert _is_ancestor(registry_path, old, new), f"op {i} moved {name} {old} -> {new}, not a fast-forward"
        seen = now
    kinds = {name.split("/")[1] for name in seen}
    assert kinds == {"heads", "tags", "deployed", "notes"}
    assert fsck(registry_path) == []


def test_fsck_strict_is_clean(lineage, registry_path, fsck):
    lineage.deploy("majora", "v1")
    lineage.update_evaluation_scores("majora", "v1", accuracy=0.5)
    lineage.undeploy("majora")
    assert fsck(registry_path) == []


def test_a_mirror_clone_reads_the_same(lineage, registry_path, git, tmp_path):
    lineage.deploy("majora", "v2")
    lineage.update_evaluation_scores("majora", "v1", accuracy=0.99)
    lineage.update_metadata("majora", owner="scawful")
    clone = tmp_path / "clone.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(registry_path), str(clone)], check=True)
    copy = ModelRegistry(clone)
    assert copy.list_models() == ["majora"]
    assert copy.list_versions("majora") == lineage.list_versions("majora")
    assert copy.deployments("majora") == {"production": "v2"}
    assert copy.get_version("majora", "v1").evaluation_scores.accuracy == 0.99
    assert copy.get_metadata("majora").owner == "scawful"
