"""A bad note never hides its version, and a write never makes an object the read path
would refuse (issue 22)."""
from __future__ import annotations

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import InvalidValueError
from gitreg.core.yamlio import MANIFEST_LIMIT


def objects(git, path) -> str:
    return git(path, "count-objects", "-v")


def test_unknown_status_in_a_note_is_a_problem_of_the_notes_ref(cli, git, registry_path):
    assert cli("add", "m").code == 0 and cli("add", "m", "--accuracy", "0.9").code == 0
    commit = git(registry_path, "rev-parse", "refs/tags/m/v2^{commit}").strip()
    git(registry_path, "notes", "--ref=refs/notes/gitreg/m", "add", "-f", "-m", "status: bogus", commit)
    problem = "gitreg: problem: refs/notes/gitreg/m: note on m/v2: unknown status 'bogus'"
    for args in (("list",), ("versions", "m"), ("search", "accuracy > 0.5"), ("show", "m", "v2")):
        r = cli(*args)
        assert r.code == 1 and problem in r.err.splitlines(), (args, r.err)
        assert "v2" in r.out and "completed" in r.out, (args, r.out)  # shown as registered
    # a status set now replaces the bad note (which it names once more)
    assert "m v2 is now deprecated" in cli("status", "m", "v2", "deprecated").out
    r = cli("show", "m", "v2")
    assert r.code == 0 and "deprecated" in r.out


@pytest.mark.parametrize("write", ["register", "description", "note"])
def test_a_write_the_read_path_would_refuse_writes_nothing(registry_path, git, refs, write):
    reg = ModelRegistry(registry_path)
    reg.register_model("m")
    before, stored = refs(registry_path), objects(git, registry_path)
    big = "x" * (MANIFEST_LIMIT + (4 << 20 if write == "register" else 1 << 20))  # 5 MB, 2 MB
    with pytest.raises(InvalidValueError, match="over the 1048576-byte limit"):
        if write == "register":
            reg.register_model("m", notes=big)
        elif write == "description":
            reg.update_metadata("m", description=big)
        else:
            reg.update_metadata("m", notes=big)
    assert refs(registry_path) == before and objects(git, registry_path) == stored
    with pytest.raises(InvalidValueError, match="over the 1048576-byte limit"):
        reg.create_model("other", description="y" * (2 << 20))
    assert refs(registry_path) == before


def test_a_long_deploy_reason_is_refused_as_the_reader_would(cli, refs, registry_path):
    assert cli("add", "m").code == 0
    before = refs(registry_path)
    r = cli("deploy", "m", "v1", "--reason", "r" * (70 << 10))
    assert r.code == 1 and "over the 65536-byte limit" in r.err and len(r.err.strip().splitlines()) == 1
    assert refs(registry_path) == before
