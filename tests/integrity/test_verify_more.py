"""verify's checks of what plain git can do to a registry behind gitreg's back."""
from __future__ import annotations

from gitreg import ModelRegistry


def _failures(report):
    return {c.subject: " ".join(c.problems) for c in report.failures}


def test_a_version_registered_twice_is_a_failure(reg, registry_path, git):
    reg.register_model("m")
    reg.register_model("m")
    # re-register v2 with plain git: a new commit on the branch, the tag moved to it
    tip = git(registry_path, "rev-parse", "refs/heads/m").strip()
    tree = git(registry_path, "rev-parse", "m/v2^{tree}").strip()
    commit = git(registry_path, "commit-tree", tree, "-p", tip, "-m", "register m v2").strip()
    git(registry_path, "update-ref", "refs/heads/m", commit, tip)
    git(registry_path, "tag", "-f", "-a", "m/v2", commit, "-m", "m v2")
    failures = _failures(reg.verify())
    assert "registered 2 times" in failures["refs/tags/m/v2"]


def test_a_tag_without_a_tagger_line_is_a_failure(reg, registry_path, git):
    reg.register_model("m")
    commit = git(registry_path, "rev-parse", "m/v1^{commit}").strip()
    raw = f"object {commit}\ntype commit\ntag m/v1\n\nm v1\n"
    tag = git(registry_path, "hash-object", "-t", "tag", "-w", "--literally", "--stdin", input=raw).strip()
    git(registry_path, "update-ref", "refs/tags/m/v1", tag)
    assert "tagger" in _failures(reg.verify())["refs/tags/m/v1"]


def test_a_deployment_chain_rewritten_is_a_failure(reg, registry_path, git):
    reg.register_model("m")
    reg.register_model("m")
    reg.deploy("m", "v1")
    reg.deploy("m", "v2")
    ref = "refs/deployed/production/m"
    first = git(registry_path, "rev-parse", f"{ref}~1").strip()
    # a sibling of the tip, parented on the first deployment but claiming nothing came before
    record = git(registry_path, "show", f"{ref}:deployment.yaml")
    record = record.replace("previous_version: v1", "previous_version: null")
    blob = git(registry_path, "hash-object", "-w", "--stdin", input=record).strip()
    manifest = git(registry_path, "rev-parse", f"{ref}:manifest.yaml").strip()
    listing = f"100644 blob {blob}\tdeployment.yaml\n100644 blob {manifest}\tmanifest.yaml\n"
    tree = git(registry_path, "mktree", input=listing).strip()
    sibling = git(registry_path, "commit-tree", tree, "-p", first, "-m", "deploy m v2").strip()
    git(registry_path, "update-ref", ref, sibling)
    failures = _failures(reg.verify())
    assert "previous_version" in failures[f"{ref}@{sibling[:12]}"]


def test_a_ref_rewound_behind_the_fetched_remote_state_is_a_failure(tmp_path, git):
    remote = tmp_path / "remote.git"
    origin = ModelRegistry(remote)
    origin.register_model("m")
    origin.deploy("m", "v1")
    origin.register_model("m")
    origin.deploy("m", "v2")
    clone = ModelRegistry.clone(str(remote), tmp_path / "clone.git")
    assert clone.verify().ok
    ref = "refs/deployed/production/m"
    path = tmp_path / "clone.git"
    git(path, "update-ref", ref, git(path, "rev-parse", f"{ref}~1").strip())  # rewound with plain git
    failures = _failures(ModelRegistry(path).verify())
    assert "behind origin" in failures[ref]


def test_unsigned_notes_commits_fail_when_signing_is_in_force(reg, registry_path, git):
    reg.register_model("m")
    reg.update_evaluation_scores("m", "v1", accuracy=0.8)
    git(registry_path, "config", "commit.gpgSign", "true")
    failures = _failures(reg.verify())
    assert any(s.startswith("refs/notes/gitreg/m@") and "unsigned" in p for s, p in failures.items())


def test_require_signed_refuses_unsigned_notes_writes(reg, registry_path, git, refs):
    import pytest

    from gitreg.core.errors import SigningError

    reg.register_model("m")
    git(registry_path, "config", "gitreg.requireSigned", "true")
    before = refs(registry_path)
    for write in (lambda: reg.update_evaluation_scores("m", "v1", accuracy=0.8),
                  lambda: reg.set_status("m", "v1", "deprecated"),
                  lambda: reg.add_tags("m", "v1", "x"),
                  lambda: reg.update_metadata("m", description="d")):
        with pytest.raises(SigningError, match="requireSigned"):
            write()
    assert refs(registry_path) == before
