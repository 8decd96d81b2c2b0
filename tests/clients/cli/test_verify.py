"""`gitreg verify` and --sign/--no-sign on the write commands, as a user runs them."""
from __future__ import annotations

import datetime as dt
import json
import subprocess


def verified(path, *args: str) -> bool:
    return subprocess.run(["git", f"--git-dir={path}", *args], capture_output=True).returncode == 0


def test_global_git_config_signs_and_verify_passes(ssh_key, registry_path, gitreg_proc, tmp_path):
    """The user's ~/.gitconfig alone (a fresh process reads it) turns signing on."""
    ssh_key.apply(registry_path, scope="global")
    subprocess.run(["git", "config", "--global", "tag.gpgSign", "true"], check=True)
    subprocess.run(["git", "config", "--global", "commit.gpgSign", "true"], check=True)
    artifact = tmp_path / "m.gguf"
    artifact.write_bytes(b"gguf")
    assert gitreg_proc("add", "majora", "--gguf-path", str(artifact)).code == 0
    assert gitreg_proc("deploy", "majora", "v1").code == 0
    assert verified(registry_path, "tag", "-v", "majora/v1")
    assert verified(registry_path, "verify-commit", "refs/deployed/production/majora")

    result = gitreg_proc("verify", "--files")
    assert result.code == 0, result.out + result.err
    assert "refs/tags/majora/v1" in result.out and "good" in result.out
    assert "3 checked, 0 failed" in result.out

    doc = json.loads(gitreg_proc("verify", "majora", "--json").out)
    assert doc["ok"] is True and doc["signing_required"] == {"tags": True, "commits": True}
    assert [c["kind"] for c in doc["checks"]] == ["version", "deployment"]
    assert doc["checks"][0]["key"] == ssh_key.fingerprint


def test_sign_and_no_sign_override_the_configuration(ssh_key, registry_path, cli, git):
    ssh_key.apply(registry_path)
    assert cli("add", "majora", "--sign").code == 0
    assert cli("deploy", "majora", "v1", "--sign").code == 0
    assert verified(registry_path, "tag", "-v", "majora/v1")
    assert verified(registry_path, "verify-commit", "refs/deployed/production/majora")

    git(registry_path, "config", "gitreg.sign", "true")
    assert cli("add", "majora", "--no-sign").code == 0
    assert cli("deploy", "majora", "v2", "--no-sign").code == 0
    assert not verified(registry_path, "tag", "-v", "majora/v2")
    assert cli("rollback", "majora", "--sign").code == 0
    assert verified(registry_path, "verify-commit", "refs/deployed/production/majora")
    assert cli("undeploy", "majora", "--no-sign").code == 0
    assert not verified(registry_path, "verify-commit", "refs/deployed/production/majora")

    result = cli("verify", "--json")  # signing is in force: the --no-sign objects fail
    assert result.code == 1
    failed = {c["subject"].split("@")[0] for c in json.loads(result.out)["checks"] if not c["ok"]}
    assert failed == {"refs/tags/majora/v2", "refs/deployed/production/majora"}


def test_signing_failure_is_one_line_and_writes_nothing(ssh_key, registry_path, gitreg_proc, git, refs):
    ssh_key.apply(registry_path)
    assert gitreg_proc("add", "majora").code == 0
    before = refs(registry_path)
    git(registry_path, "config", "gpg.ssh.program", "/nonexistent/ssh-keygen")
    for args in (["add", "majora", "--sign"], ["deploy", "majora", "v1", "--sign"]):
        result = gitreg_proc(*args)
        assert result.code == 1
        assert result.err.startswith("gitreg: error: cannot sign: '/nonexistent/ssh-keygen' not found")
        assert len(result.err.splitlines()) == 1 and "Traceback" not in result.err
    assert refs(registry_path) == before


def test_tampering_fails_verify_and_names_what(ssh_key, registry_path, cli, git, tmp_path):
    ssh_key.apply(registry_path)
    git(registry_path, "config", "gitreg.sign", "true")
    artifact = tmp_path / "lora.bin"
    artifact.write_bytes(b"weights")
    assert cli("add", "majora", "--lora-path", str(artifact)).code == 0
    assert cli("add", "majora").code == 0
    assert cli("verify").code == 0

    git(registry_path, "tag", "-f", "-a", "-m", "evil", "majora/v2", "majora/v2^{commit}")
    artifact.write_bytes(b"poisoned")
    result = cli("verify", "--files")
    assert result.code == 1
    out = " ".join(result.out.split())
    assert "refs/tags/majora/v2" in out and "replaced" in out
    assert str(artifact) in out and "sha256" in out
    assert "3 checked, 2 failed" in out  # v1, its file, v2 (no deployments)

    assert cli("verify", "majora:v1").code == 0  # the file is only checked with --files


def test_verify_bad_target_is_an_error(cli):
    cli("add", "majora")
    result = cli("verify", "majora:nope")
    assert result.code == 1 and result.err.startswith("gitreg: error:")
    assert cli("verify", "oracle").code == 1


def test_a_registry_adopts_signing_with_verify_since(ssh_key, registry_path, cli, git):
    """Signing turned on later: every earlier unsigned object would fail forever; --since
    DATE|REF accepts those dated before the adoption, and only those (issue 24)."""
    import time

    cli("add", "majora")
    cli("add", "majora")
    cli("deploy", "majora", "v1")
    cli("score", "majora", "v1", "--accuracy", "0.8")
    time.sleep(1.1)  # git dates have whole seconds: the adoption comes strictly later
    ssh_key.apply(registry_path)
    git(registry_path, "config", "gitreg.sign", "true")
    assert cli("add", "majora").code == 0  # v3, the first signed version
    assert cli("deploy", "majora", "v3").code == 0
    assert cli("verify").code == 1  # the unsigned history fails

    r = cli("verify", "--since", "refs/tags/majora/v3", "--json")
    doc = json.loads(r.out)
    assert r.code == 0 and doc["ok"] and doc["failed"] == 0, r.out
    tagged = int(git(registry_path, "for-each-ref", "--format=%(taggerdate:unix)", "refs/tags/majora/v3"))
    assert doc["signed_since"] == dt.datetime.fromtimestamp(tagged, dt.timezone.utc).isoformat()
    assert sum(1 for c in doc["checks"] if c["signed"] is False) >= 4  # accepted, still shown as unsigned
    text = cli("verify", "--since", doc["signed_since"])
    assert text.code == 0 and f"(unsigned objects dated before {doc['signed_since']} accepted)" in text.out

    assert cli("add", "majora", "--no-sign").code == 0  # unsigned after the adoption: still a failure
    late = json.loads(cli("verify", "--since", "refs/tags/majora/v3", "--json").out)
    assert [c["subject"] for c in late["checks"] if not c["ok"]] == ["refs/tags/majora/v4"]
    assert cli("verify", "--since", "2000-01-01").code == 1  # a cutoff before everything accepts nothing
    bad = cli("verify", "--since", "last tuesday")
    assert bad.code == 1 and bad.err == ("gitreg: error: --since 'last tuesday' is neither a date (2026-12-01, "
                                         "2026-12-01T10:00:00+00:00) nor a ref or object of the registry\n")
