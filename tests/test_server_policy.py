"""examples/server/pre-receive: the documented server-side policy, on a real bare remote."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import RemoteError

HOOK = Path(__file__).resolve().parents[1] / "examples" / "server" / "pre-receive"


@pytest.fixture
def guarded(bare_remote, tmp_path):
    shutil.copy(HOOK, bare_remote / "hooks" / "pre-receive")
    reg = ModelRegistry(tmp_path / "local.git")
    reg.add_remote("origin", str(bare_remote))
    reg.register_model("m")
    reg.register_model("m")
    reg.deploy("m", "v2")
    return reg


def plain_push(local: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", f"--git-dir={local}", "push", "origin", *args],
                          capture_output=True, text=True)


def test_gitreg_writes_pass_the_policy(guarded, bare_remote, refs):
    guarded.deploy("m", "v1")
    guarded.rollback("m")
    guarded.update_evaluation_scores("m", "v1", accuracy=0.3)
    assert {k for k in refs(bare_remote)} >= {"refs/heads/m", "refs/tags/m/v1", "refs/tags/m/v2",
                                              "refs/deployed/production/m", "refs/notes/gitreg/m"}


@pytest.mark.parametrize("spec", [
    ":refs/tags/m/v1",                                    # delete a version
    ":refs/deployed/production/m",                        # delete a deployment history
    "+refs/tags/m/v1:refs/tags/m/v2",                     # move a version tag
    "+refs/tags/m/v1^{commit}:refs/heads/m",              # rewind a model branch
])
def test_force_pushes_and_deletions_are_refused(guarded, bare_remote, refs, spec):
    before = refs(bare_remote)
    proc = plain_push(guarded.path, spec)
    assert proc.returncode != 0 and "gitreg policy:" in proc.stderr
    assert refs(bare_remote) == before


def test_unsigned_versions_are_refused_when_required(guarded, bare_remote, refs):
    subprocess.run(["git", f"--git-dir={bare_remote}", "config", "gitreg.requireSignedTags", "true"], check=True)
    before = refs(bare_remote)
    with pytest.raises(RemoteError, match="is not signed"):
        guarded.register_model("m")
    assert refs(bare_remote) == before
    assert [v.version for v in guarded.list_versions("m")] == ["v1", "v2"]  # nothing written locally
