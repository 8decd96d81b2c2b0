"""The server's pre-receive (gitreg server install): honest gitreg writes pass, and each kind of
plain-git tampering a collaborator with push access could try is refused, naming the ref and
the rule. Real bare repositories, the real git push and receive-pack running the hook."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitreg.core import yamlio
from gitreg.core.errors import DeploymentError
from tests.conftest import trials
from tests.features.policy.conftest import push

ZERO = "0" * 40


def git(path, *args: str, input: str | None = None) -> str:
    proc = subprocess.run(["git", f"--git-dir={path}", *args], capture_output=True, text=True, input=input)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def commit(path, files: dict[str, bytes], *parents: str, message: str = "forged") -> str:
    """A commit made with plain git plumbing (what a collaborator could push)."""
    entries = []
    for name, data in files.items():
        blob = subprocess.run(["git", f"--git-dir={path}", "hash-object", "-w", "--stdin"], input=data,
                              capture_output=True, check=True).stdout.decode().strip()
        entries.append(f"100644 blob {blob}\t{name}")
    tree = git(path, "mktree", input="\n".join(entries) + "\n")
    return git(path, "commit-tree", tree, *sum((["-p", p] for p in parents), []), "-m", message)


def rev(path, ref: str) -> str:
    return git(path, "rev-parse", ref)


PROD = "refs/deployed/production/m"
NOTES = "refs/notes/gitreg/m"


def deployment(path, parent: str, version, previous, env="production", action="deploy") -> str:
    record = {"model_name": "m", "version": version, "environment": env, "action": action,
              "previous_version": previous, "deployed_by": "x <x@example.com>", "deployed_at": "", "reason": ""}
    return commit(path, {"deployment.yaml": yamlio.dump(record)}, parent)


@pytest.fixture(scope="module")
def _built(tmp_path_factory):
    """Built once: two versions, v1 in staging and production then v2 in production, a score note."""
    from gitreg import ModelRegistry
    from gitreg.clients.server.install import install

    root = tmp_path_factory.mktemp("honest")
    served = root / "served.git"
    subprocess.run(["git", "init", "-q", "--bare", str(served)], check=True)
    install(served)
    with pytest.MonkeyPatch.context() as mp:
        for role in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{role}_NAME", "Tester")
            mp.setenv(f"GIT_{role}_EMAIL", "tester@example.com")
        reg = ModelRegistry(root / "local.git")
        reg.add_remote("origin", str(served), sync=True)
        reg.register_model("m", evaluation_scores={"accuracy": 0.9}, status="completed")
        reg.register_model("m", status="completed")
        reg.deploy("m", "v1", environment="staging", new_environment=True)
        reg.deploy("m", "v1")
        reg.deploy("m", "v2")
        reg.update_evaluation_scores("m", "v2", accuracy=0.5)
        reg.update_evaluation_scores("m", "v1", accuracy=0.91)
    return root


@pytest.fixture
def served(_built, tmp_path):
    shutil.copytree(_built / "served.git", tmp_path / "served.git", symlinks=True)
    return tmp_path / "served.git"


@pytest.fixture
def honest(_built, served, tmp_path):
    """A copy of the built clone, its remote the test's copy of the served registry."""
    from gitreg import ModelRegistry

    shutil.copytree(_built / "local.git", tmp_path / "local.git", symlinks=True)
    git(tmp_path / "local.git", "config", "remote.origin.url", str(served))
    return ModelRegistry(tmp_path / "local.git")


def _notes_on(path, target: str, text: bytes) -> str:
    tip = git(path, "rev-parse", "refs/notes/gitreg/m")
    entries = git(path, "ls-tree", tip).splitlines()
    blob = subprocess.run(["git", f"--git-dir={path}", "hash-object", "-w", "--stdin"], input=text,
                          capture_output=True, check=True).stdout.decode().strip()
    tree = git(path, "mktree", input="\n".join(entries + [f"100644 blob {blob}\t{target}"]) + "\n")
    return git(path, "commit-tree", tree, "-p", tip, "-m", "forged note")


def _renamed_tag(p) -> str:
    """v1's tag object copied under the name m/v8 (a valid tag, naming another version)."""
    return git(p, "mktag", input=git(p, "cat-file", "tag", "refs/tags/m/v1").replace("tag m/v1", "tag m/v8"))


V1 = "refs/tags/m/v1^{commit}"

# Each attack: (name, rule named in the refusal, fn(local path) -> refspecs to push)
ATTACKS = [
    ("delete a version tag", "append-only", lambda p: [":refs/tags/m/v1"]),
    ("delete a deployment history", "append-only", lambda p: [f":{PROD}"]),
    ("delete a model branch", "append-only", lambda p: [":refs/heads/m"]),
    ("move a version tag", "tags never move", lambda p: ["+refs/tags/m/v1:refs/tags/m/v2"]),
    ("rewind a deployment", "fast-forward", lambda p: [f"+{rev(p, PROD + '~1')}:{PROD}"]),
    ("rewind a model branch", "fast-forward", lambda p: [f"+{V1}:refs/heads/m"]),
    ("rewind the notes", "fast-forward", lambda p: [f"+{rev(p, NOTES + '~1')}:{NOTES}"]),
    ("a branch that is not a model's", "model root",
     lambda p: [f"{commit(p, {'README.md': b'code'})}:refs/heads/code"]),
    ("a tag on a blob", "well-formed",
     lambda p: [f"{git(p, 'hash-object', '-w', '--stdin', input='x')}:refs/tags/m/v9"]),
    ("a lightweight tag", "well-formed", lambda p: [f"{V1}:refs/tags/m/v7"]),
    ("an annotated tag naming another version", "well-formed", lambda p: [f"{_renamed_tag(p)}:refs/tags/m/v8"]),
    ("a case twin of an environment", "case twin", lambda p: [f"{PROD}:refs/deployed/Production/m"]),
    ("a case twin of a model", "case twin", lambda p: ["refs/heads/m:refs/heads/M"]),
    ("a deployment of a version that does not exist", "well-formed",
     lambda p: [f"{deployment(p, rev(p, PROD), 'v99', 'v2')}:{PROD}"]),
    ("a deployment whose previous_version lies", "well-formed",
     lambda p: [f"{deployment(p, rev(p, PROD), 'v1', 'v1')}:{PROD}"]),
    ("a deployment commit without deployment.yaml", "well-formed",
     lambda p: [f"{commit(p, {'x': b'y'}, rev(p, PROD))}:{PROD}"]),
    ("a note on something that is not a version", "well-formed",
     lambda p: [f"{_notes_on(p, rev(p, PROD), b'status: completed')}:{NOTES}"]),
    ("a note with an unknown status", "well-formed",
     lambda p: [f"{_notes_on(p, rev(p, V1), b'status: hacked')}:{NOTES}"]),
    ("a ref outside gitreg's namespaces", "namespace", lambda p: ["refs/heads/m:refs/other/m"]),
    ("a private gitreg ref", "namespace", lambda p: ["refs/heads/m:refs/gitreg/pending/origin/x"]),
    ("refs for a model that does not exist", "well-formed", lambda p: [f"{PROD}:refs/deployed/production/ghost"]),
]


@pytest.mark.parametrize("name,rule,attack", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_each_tampering_is_refused_naming_ref_and_rule(honest, served, refs, name, rule, attack):
    before = refs(served)
    specs = attack(honest.path)
    proc = push(honest.path, *specs)
    assert proc.returncode != 0, name
    target = specs[0].rsplit(":", 1)[1]
    lines = [ln for ln in proc.stderr.splitlines() if "gitreg: refused" in ln]
    assert lines and all(target in ln for ln in lines), proc.stderr
    assert any(f"[{rule}]" in ln for ln in lines), proc.stderr
    assert refs(served) == before


def test_honest_rollback_undeploy_and_new_models_pass(honest, served, refs):
    honest.rollback("m")
    honest.undeploy("m", environment="staging")
    honest.register_model("other", parent_version="m:v1")
    assert refs(served)["refs/heads/other"] == git(honest.path, "rev-parse", "refs/heads/other")
    assert refs(served)["refs/deployed/production/m"] == git(honest.path, "rev-parse", "refs/deployed/production/m")


@pytest.mark.scale
@settings(max_examples=trials(ci=3, full=60))
@given(st.lists(st.sampled_from(["register", "deploy-staging", "deploy-prod", "score", "status", "rollback",
                                 "approve"]), min_size=1, max_size=6))
def test_honest_write_sequences_pass_the_hook(tmp_path_factory, ops):
    """Any sequence of gitreg writes, each published through the hook, is accepted."""
    from gitreg import ModelRegistry
    from gitreg.clients.server.install import install

    root = tmp_path_factory.mktemp("seq")
    served = root / "served.git"
    subprocess.run(["git", "init", "-q", "--bare", str(served)], check=True)
    install(served)
    reg = ModelRegistry(root / "local.git")
    reg.add_remote("origin", str(served), sync=True)
    reg.register_model("m", status="completed")
    reg.set_policy("admins: [tester@example.com]\nenvironments:\n  production: {approvals: 1}\n")
    for op in ops:  # a refused push raises RemoteError: the test fails
        latest = reg.get_latest("m").version
        if op == "register":
            reg.register_model("m", status="completed")
        elif op == "deploy-staging":
            reg.deploy("m", latest, environment="staging", new_environment=True)
        elif op == "deploy-prod":
            try:
                reg.deploy("m", latest)
            except DeploymentError as exc:  # the client's own check, before anything is pushed
                assert str(exc).startswith("refused by the policy") and "approvals" in str(exc)
        elif op == "approve" and latest not in {a.version for a in reg.approvals("m")}:
            reg.approve("m", latest, environment="production")
        elif op == "score":
            reg.update_evaluation_scores("m", latest, accuracy=0.7)
        elif op == "status":
            reg.set_status("m", latest, "completed")
        elif op == "rollback" and len(reg.deployment_history("m")) > 1:
            try:
                reg.rollback("m")
            except DeploymentError as exc:  # the API's refusal (nothing to roll back to), not the hook's
                assert "roll back" in str(exc) or "already deployed" in str(exc) or "policy" in str(exc)
    assert git(served, "rev-parse", "refs/heads/m") == git(reg.path, "rev-parse", "refs/heads/m")


def test_a_whole_registry_written_offline_passes_in_one_push(tmp_path):
    """Everything at once (gitreg push to an empty served registry): several models, lineage
    across models, deployments, notes, approvals and a policy, judged as one push."""
    from gitreg import ModelRegistry
    from gitreg.clients.server.install import install

    served = tmp_path / "served.git"
    subprocess.run(["git", "init", "-q", "--bare", str(served)], check=True)
    install(served)
    reg = ModelRegistry(tmp_path / "local.git")
    for _ in range(3):
        reg.register_model("base", evaluation_scores={"accuracy": 0.9}, status="completed")
    reg.register_model("tuned", parent_version="base:v2", status="completed")
    reg.register_model("tuned", parent_version="base:v3", status="completed")
    reg.deploy("base", "v3", environment="staging", new_environment=True)
    reg.set_policy("admins: [tester@example.com]\nenvironments:\n  production: {requires: [staging], approvals: 1}\n")
    reg.approve("base:v3", environment="production")
    reg.deploy("base", "v3")
    reg.update_evaluation_scores("tuned", "v1", accuracy=0.7)
    reg.add_remote("origin", str(served))
    reg.push("origin")
    assert git(served, "rev-parse", "refs/deployed/production/base") == git(reg.path, "rev-parse",
                                                                             "refs/deployed/production/base")
    assert git(served, "rev-parse", "refs/gitreg/approvals/base") == git(reg.path, "rev-parse",
                                                                          "refs/gitreg/approvals/base")
