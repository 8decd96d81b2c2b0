"""ModelRegistry.verify: signatures as git judges them, names that agree, artifact
integrity, and tampering done with plain git reported by name."""
from __future__ import annotations

import pytest

from gitreg import ModelNotFoundError, ModelRegistry


def failures(report) -> dict[str, list[str]]:
    return {c.subject: c.problems for c in report.failures}


def only_failure(report, subject: str) -> str:
    found = failures(report)
    assert list(found) == [subject], found
    return " ".join(found[subject])


@pytest.fixture
def signed(ssh_key, registry_path, git, tmp_path):
    """A registry signing with an ssh key: majora v1 (with a LoRA file), v2; v1 then v2 deployed."""
    ssh_key.apply(registry_path)
    git(registry_path, "config", "gitreg.sign", "true")
    lora = tmp_path / "lora.bin"
    lora.write_bytes(b"weights" * 1000)
    reg = ModelRegistry(registry_path)
    reg.register_model("majora", lora_path=str(lora), gguf_path="s3://bucket/majora.gguf")
    reg.register_model("majora")
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v2")
    return reg


def test_a_signed_registry_verifies(signed, ssh_key):
    report = signed.verify(files=True)
    assert report.ok, failures(report)
    assert report.tags_must_be_signed and report.commits_must_be_signed
    kinds = [(c.kind, c.subject.split("@")[0]) for c in report.checks]
    assert kinds.count(("version", "refs/tags/majora/v1")) == 1
    assert kinds.count(("deployment", "refs/deployed/production/majora")) == 2
    signatures = [c for c in report.checks if c.kind != "file"]
    assert all(c.signed and c.key == ssh_key.fingerprint and c.signer == "tester@example.com"
               for c in signatures)
    files = {c.subject: c for c in report.checks if c.kind == "file"}
    assert files["s3://bucket/majora.gguf"].skipped
    assert [c for c in files.values() if not c.skipped and c.subject.endswith("lora.bin")]


def test_an_unsigned_registry_without_signing_configured_verifies(reg):
    reg.register_model("majora")
    reg.deploy("majora", "v1")
    report = reg.verify()
    assert report.ok
    assert [c.signed for c in report.checks] == [False, False]


def test_unsigned_objects_fail_once_signing_is_in_force(reg, registry_path, git):
    reg.register_model("majora")
    reg.deploy("majora", "v1")
    git(registry_path, "config", "gitreg.requireSigned", "true")
    report = reg.verify()
    assert set(failures(report)) == {
        "refs/tags/majora/v1", f"refs/deployed/production/majora@{report.checks[1].subject[-12:]}"
    }
    assert all("unsigned" in " ".join(p) for p in failures(report).values())


def test_tag_replaced_by_an_unsigned_one_is_reported(signed, registry_path, git):
    git(registry_path, "tag", "-f", "-a", "-m", "replaced", "majora/v2", "majora/v2^{commit}")
    problems = only_failure(signed.verify(), "refs/tags/majora/v2")
    assert "unsigned" in problems and "replaced" in problems


def test_tag_replaced_by_a_differently_signed_one_is_reported(signed, ssh_keys, registry_path, git):
    """Another key in the allowed-signers file: git itself accepts the new tag, verify does not."""
    other = ssh_keys("key2")
    git(registry_path, "-c", f"user.signingkey={other.signingkey}", "tag", "-f", "-s", "-m", "replaced",
        "majora/v1", "majora/v1^{commit}")
    git(registry_path, "tag", "-v", "majora/v1")  # a good signature, as git judges it
    problems = only_failure(signed.verify(), "refs/tags/majora/v1")
    assert other.fingerprint in problems and "replaced" in problems


def test_tag_signed_by_an_unknown_key_is_not_valid(signed, ssh_keys, registry_path, git):
    stranger = ssh_keys("stranger", allowed_signer=False)
    git(registry_path, "-c", f"user.signingkey={stranger.signingkey}", "tag", "-f", "-s", "-m", "x",
        "majora/v1", "majora/v1^{commit}")
    report = signed.verify()
    problems = only_failure(report, "refs/tags/majora/v1")
    assert "tag signature not valid" in problems
    assert report.failures[0].key == stranger.fingerprint


def test_tag_moved_to_another_models_commit(reg, registry_path, git):
    reg.register_model("majora")
    reg.register_model("oracle")
    git(registry_path, "tag", "-f", "-a", "-m", "moved", "majora/v1", "oracle/v1^{commit}")
    problems = only_failure(reg.verify("majora"), "refs/tags/majora/v1")
    assert "is not on refs/heads/majora" in problems
    assert "manifest.yaml names oracle:v1, not majora:v1" in problems


def test_manifest_that_disagrees_with_its_tag(reg, registry_path, git):
    """A commit made with plain git on the branch, tagged v2, whose manifest still says v1."""
    reg.register_model("majora")
    commit = git(registry_path, "commit-tree", "-p", "majora", "-m", "copy",
                 "majora/v1^{tree}").strip()
    git(registry_path, "update-ref", "refs/heads/majora", commit)
    git(registry_path, "tag", "-a", "-m", "majora v2", "majora/v2", commit)
    report = reg.verify()
    assert only_failure(report, "refs/tags/majora/v2") == "manifest.yaml names majora:v1, not majora:v2"


def test_lightweight_tag_is_reported(reg, registry_path, git):
    reg.register_model("majora")
    git(registry_path, "tag", "-f", "majora/v1", "majora/v1^{commit}")
    assert "lightweight" in only_failure(reg.verify(), "refs/tags/majora/v1")


def test_unsigned_deployment_appended_with_plain_git(signed, registry_path, git):
    tip = "refs/deployed/production/majora"
    commit = git(registry_path, "commit-tree", "-p", tip, "-m", "sneaky", f"{tip}^{{tree}}").strip()
    git(registry_path, "update-ref", tip, commit)
    problems = only_failure(signed.verify("majora"), f"{tip}@{commit[:12]}")
    assert "unsigned" in problems


def test_deployment_whose_manifest_is_not_the_versions(reg, registry_path, git):
    reg.register_model("majora")
    reg.register_model("majora")
    reg.deploy("majora", "v2")
    tip = "refs/deployed/production/majora"
    # v1's tree with v2's deployment.yaml: says v2, runs v1
    blob = git(registry_path, "rev-parse", f"{tip}:deployment.yaml").strip()
    v1_manifest = git(registry_path, "rev-parse", "majora/v1:manifest.yaml").strip()
    tree = git(registry_path, "mktree", input=f"100644 blob {blob}\tdeployment.yaml\n"
                                            f"100644 blob {v1_manifest}\tmanifest.yaml\n").strip()
    commit = git(registry_path, "commit-tree", "-p", tip, "-m", "swap", tree).strip()
    git(registry_path, "update-ref", tip, commit)
    problems = only_failure(reg.verify(), f"{tip}@{commit[:12]}")
    assert "manifest.yaml is not majora v2's" in problems
    assert "previous_version" in problems  # the copied deployment.yaml does not chain to its parent


def test_files_changed_or_missing_are_reported_per_file(reg, tmp_path):
    a, b, d = tmp_path / "a.gguf", tmp_path / "b.ckpt", tmp_path / "lora"
    a.write_bytes(b"a" * 100)
    b.write_bytes(b"b" * 100)
    d.mkdir()
    (d / "adapter.bin").write_bytes(b"x")
    reg.register_model("majora", gguf_path=str(a), checkpoint_path=str(b), lora_path=str(d))
    assert reg.verify(files=True).ok
    a.write_bytes(b"A" + b"a" * 99)  # same size, different content
    b.unlink()
    (d / "extra.bin").write_bytes(b"y")
    report = reg.verify("majora:v1", files=True)
    found = failures(report)
    assert set(found) == {str(a), str(b), str(d)}
    assert "sha256" in found[str(a)][0] and len(found[str(a)]) == 1
    assert found[str(b)] == ["missing"]
    assert found[str(d)] == ["added: extra.bin"]  # a directory names the file (contents:)
    assert not [c for c in reg.verify().checks if c.kind == "file"]  # only with files=True


def test_progress_is_reported_while_hashing(reg, tmp_path):
    f = tmp_path / "model.gguf"
    f.write_bytes(b"z" * 3000)
    reg.register_model("majora", gguf_path=str(f))
    seen = []

    class Progress:
        def begin(self, label, total):
            seen.append(("begin", label, total))

        def advance(self, n):
            seen.append(("advance", n))

        def end(self):
            seen.append(("end",))

    reg.verify(files=True, progress=Progress())
    assert seen == [("begin", "model.gguf", 3000), ("advance", 3000), ("end",)]


def test_gpg_signatures_need_the_key_in_the_keyring(gpg_key, registry_path, git, monkeypatch, tmp_path):
    gpg_key.apply(registry_path)
    git(registry_path, "config", "gitreg.sign", "true")
    reg = ModelRegistry(registry_path)
    reg.register_model("majora")
    reg.deploy("majora", "v1")
    report = reg.verify()
    assert report.ok, failures(report)
    assert {c.key for c in report.checks} == {gpg_key.fingerprint}
    assert {c.signer for c in report.checks} == {"Gitreg Tester <tester@example.com>"}

    empty = tmp_path / "empty-gnupg"
    empty.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(empty))
    report = reg.verify()
    assert len(report.failures) == 2
    assert all("key not in the keyring" in " ".join(c.problems) for c in report.failures)


def test_scope_and_missing_things(reg, registry_path):
    assert reg.verify().ok and reg.verify().checks == []  # no registry yet: nothing to check
    assert not registry_path.exists()
    reg.register_model("majora")
    reg.register_model("majora")
    reg.register_model("oracle")
    assert [c.subject for c in reg.verify("majora", "v2").checks] == ["refs/tags/majora/v2"]
    assert [c.subject for c in reg.verify("majora:v1").checks] == ["refs/tags/majora/v1"]
    assert len(reg.verify().checks) == 3
    with pytest.raises(ModelNotFoundError):
        reg.verify("nosuch")


def test_verify_files_names_the_lfs_object_it_checked_not_the_local_path(tmp_path, capsys):
    from gitreg.clients.cli.main import main

    path, weights = tmp_path / "r.git", tmp_path / "adapter.bin"
    weights.write_bytes(b"weights" * 100)
    assert main(["-R", str(path), "add", "m", "-f", f"lora={weights}", "--store"]) == 0
    weights.unlink()  # the original is gone: what is checked is the stored object
    capsys.readouterr()
    assert main(["-R", str(path), "verify", "--files", "--json"]) == 0
    import hashlib
    import json
    oid = hashlib.sha256(b"weights" * 100).hexdigest()
    files = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["kind"] == "file"]
    assert [c["subject"] for c in files] == [f"artifacts/lora/adapter.bin (LFS object {oid[:12]})"]
    assert str(weights) not in str(files)
