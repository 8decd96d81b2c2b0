"""Shared remotes through a real git server: clone, push, pull, sync on write, conflicts.

Every remote here is real: a `git daemon --enable=receive-pack` on 127.0.0.1
(`git_daemon`) or a bare repository by path (`bare_remote`); what the server
holds is checked with the git CLI.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import RemoteError, SyncConflictError, VersionExistsError
from gitreg.features.sync.sync import merge_mappings


def gitreg_refs(refs, path) -> dict[str, str]:
    """The refs another clone would see: everything but this registry's private mirror."""
    return {k: v for k, v in refs(path).items() if not k.startswith("refs/gitreg/")}


@pytest.fixture
def origin(git_daemon):
    return git_daemon.repo()


@pytest.fixture
def first(tmp_path, origin) -> ModelRegistry:
    reg = ModelRegistry(tmp_path / "first.git")
    reg.add_remote("origin", origin)
    return reg


# -- round trip -------------------------------------------------------------------------
def test_round_trip_through_a_daemon(tmp_path, git_daemon, origin, first, refs, fsck):
    first.register_model("majora", evaluation_scores={"accuracy": 0.8})
    first.register_model("majora", parent_version="v1")
    first.deploy("majora", "v1")
    first.update_evaluation_scores("majora", "v1", accuracy=0.81)
    server = git_daemon.path()
    assert gitreg_refs(refs, first.path) == refs(server)  # sync on write published everything

    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    assert [v.version for v in second.list_versions("majora")] == ["v1", "v2"]
    assert second.get_version("majora", "v1").evaluation_scores.accuracy == 0.81
    assert second.deployments("majora") == {"production": "v1"}
    assert second.get_version("majora", "v1").deployed

    v3 = second.register_model("majora", parent_version="v2")
    second.deploy("majora", "v2")
    assert v3.version == "v3"
    result = first.pull()
    assert "refs/tags/majora/v3" in result.created
    assert first.deployments("majora") == {"production": "v2"}
    assert gitreg_refs(refs, first.path) == gitreg_refs(refs, second.path) == refs(server)
    assert fsck(server) == [] and fsck(first.path) == []


def test_clone_sets_origin_as_sync_remote(tmp_path, origin, first):
    first.register_model("m")
    clone = ModelRegistry.clone(origin, tmp_path / "c.git")
    assert [(r.name, r.url, r.sync) for r in clone.remotes()] == [("origin", origin, True)]


def test_push_and_pull_with_a_bare_path_remote(tmp_path, bare_remote, refs):
    local = ModelRegistry(tmp_path / "a.git")
    local.register_model("m")  # no remote yet: local only
    local.add_remote("backup", str(bare_remote), sync=False)
    assert refs(bare_remote) == {}
    report = local.push("backup")
    assert report.pushed == ["refs/heads/m", "refs/tags/m/v1"]
    assert refs(bare_remote) == gitreg_refs(refs, local.path)
    assert local.push("backup").pushed == []  # up to date
    other = ModelRegistry.clone(str(bare_remote), tmp_path / "b.git")
    assert other.get_latest("m").version == "v1"


# -- sync on write ---------------------------------------------------------------------------
def test_auto_number_takes_the_next_free_number(tmp_path, origin, first, git_daemon, git):
    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    first.register_model("m")
    first.register_model("m")
    # second has not pulled: the write fetches first, so it becomes v3 everywhere
    assert second.register_model("m").version == "v3"
    assert git(git_daemon.path(), "tag", "--list").split() == ["m/v1", "m/v2", "m/v3"]


def test_an_explicit_version_someone_else_took_is_an_error(tmp_path, origin, first, git_daemon, refs):
    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    first.register_model("m", "v7")
    with pytest.raises(VersionExistsError):
        second.register_model("m", "v7", notes="mine")
    assert gitreg_refs(refs, second.path) == refs(git_daemon.path())  # theirs came in; ours was not written
    assert second.get_version("m", "v7").notes == ""


def test_notes_from_two_stale_clones_are_both_kept(tmp_path, origin, first, git_daemon, git):
    first.register_model("m")
    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    first.update_evaluation_scores("m", "v1", accuracy=0.5)
    second.update_evaluation_scores("m", "v1", f1_score=0.4)  # re-applied on the new notes tip
    log = git(git_daemon.path(), "log", "--format=%P", "refs/notes/gitreg/m").splitlines()
    assert all(len(parents.split()) <= 1 for parents in log)  # linear: no merge was needed
    first.pull()
    scores = first.get_version("m", "v1").evaluation_scores
    assert (scores.accuracy, scores.f1_score) == (0.5, 0.4)


def test_offline_writes_stay_local_until_pushed(tmp_path, origin, first, git_daemon, refs):
    first.register_model("m")
    server_before = refs(git_daemon.path())
    offline = ModelRegistry(first.path, offline=True)
    offline.register_model("m")
    offline.deploy("m", "v2")
    assert refs(git_daemon.path()) == server_before
    first.push()
    assert refs(git_daemon.path()) == gitreg_refs(refs, first.path)


def test_local_work_is_published_by_the_next_synced_write_to_its_model(tmp_path, origin, first, git_daemon, git):
    ModelRegistry(first.path, offline=True).register_model("m")
    first.register_model("n")  # a synced write touches only its own model's refs (O(model))
    assert git(git_daemon.path(), "tag", "--list").split() == ["n/v1"]
    first.register_model("m")
    assert git(git_daemon.path(), "tag", "--list").split() == ["m/v1", "m/v2", "n/v1"]


def test_unreachable_remote_is_a_clear_error_and_nothing_changes(tmp_path, refs, fsck):
    reg = ModelRegistry(tmp_path / "a.git")
    reg.register_model("m")
    reg.add_remote("origin", "git://127.0.0.1:9/nothing.git")
    before = refs(reg.path)
    with pytest.raises(RemoteError, match="cannot fetch from origin"):
        reg.register_model("m")
    with pytest.raises(RemoteError):
        reg.deploy("m", "v1")
    assert refs(reg.path) == before and fsck(reg.path) == []
    assert ModelRegistry(reg.path, offline=True).register_model("m").version == "v2"


def test_a_remote_that_refuses_fails_at_once_with_its_reason(tmp_path, bare_remote, refs):
    hook = bare_remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'registry is frozen for the release' >&2\nexit 1\n")
    hook.chmod(0o755)
    reg = ModelRegistry(tmp_path / "a.git")
    reg.add_remote("origin", str(bare_remote))
    with pytest.raises(RemoteError, match="registry is frozen"):
        reg.register_model("m")
    assert gitreg_refs(refs, reg.path) == {} and refs(bare_remote) == {}


# -- conflicts ---------------------------------------------------------------------------------
def test_both_registered_the_same_version_offline(tmp_path, origin, first, refs):
    first.register_model("m")
    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    ModelRegistry(first.path, offline=True).register_model("m", notes="first's v2")
    ModelRegistry(second.path, offline=True).register_model("m", notes="second's v2")
    first.push()
    mine = refs(second.path)["refs/tags/m/v2"]

    result = second.pull()
    assert [c.ref for c in result.conflicts] == ["refs/tags/m/v2", "refs/heads/m"]
    assert refs(second.path)["refs/tags/m/v2"] == mine  # both kept: ours here, theirs in the mirror
    assert refs(second.path)["refs/gitreg/remotes/origin/tags/m/v2"] == refs(first.path)["refs/tags/m/v2"]
    with pytest.raises(SyncConflictError, match="refs/tags/m/v2"):
        second.register_model("m")

    resolved = second.pull(take_remote=True)
    assert resolved.conflicts == []
    kept = resolved.saved["refs/tags/m/v2"]
    assert refs(second.path)[kept] == mine
    assert second.get_version("m", "v2").notes == "first's v2"
    assert second.register_model("m").version == "v3"


def test_versions_with_different_names_on_both_sides_are_merged(tmp_path, origin, first, git, fsck):
    first.register_model("m")
    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    ModelRegistry(first.path, offline=True).register_model("m", "v2a")
    ModelRegistry(second.path, offline=True).register_model("m", "v2b")
    first.push()
    result = second.pull()
    assert result.conflicts == [] and result.merged == ["refs/heads/m"]
    assert [v.version for v in second.list_versions("m")] == ["v1", "v2a", "v2b"]
    assert git(second.path, "merge-base", "--is-ancestor", "m/v2a", "refs/heads/m") == ""
    assert git(second.path, "merge-base", "--is-ancestor", "m/v2b", "refs/heads/m") == ""
    second.push()
    first.pull()
    assert [v.version for v in first.list_versions("m")] == ["v1", "v2a", "v2b"]
    assert fsck(second.path) == []


def test_deployments_made_on_both_sides_offline_are_a_conflict(tmp_path, origin, first, refs):
    first.register_model("m")
    first.register_model("m")
    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    ModelRegistry(first.path, offline=True).deploy("m", "v1")
    ModelRegistry(second.path, offline=True).deploy("m", "v2")
    first.push()
    result = second.pull()
    assert [c.ref for c in result.conflicts] == ["refs/deployed/production/m"]
    assert second.deployments("m") == {"production": "v2"}  # ours until the user chooses
    second.pull(take_remote=True)
    assert second.deployments("m") == {"production": "v1"}
    second.deploy("m", "v2")
    first.pull()
    assert [d.version for d in first.deployment_history("m")] == ["v1", "v2"]


def test_push_does_not_overwrite_a_diverged_remote(tmp_path, origin, first, git_daemon, refs):
    first.register_model("m")
    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    ModelRegistry(first.path, offline=True).register_model("m")
    ModelRegistry(second.path, offline=True).register_model("m")
    first.push()
    server = refs(git_daemon.path())
    report = second.push()
    assert [c.ref for c in report.conflicts] == ["refs/heads/m", "refs/tags/m/v2"]
    assert refs(git_daemon.path()) == server


# -- concurrency through the server -----------------------------------------------------------
WRITER = textwrap.dedent("""
    import sys
    from gitreg import ModelRegistry
    reg = ModelRegistry(sys.argv[1])
    for i in range(int(sys.argv[2])):
        print(reg.register_model("shared", evaluation_scores={"accuracy": 0.5}).version, flush=True)
""")


def test_four_clones_register_concurrently(tmp_path, origin, first, git_daemon, git, refs, fsck):
    first.register_model("shared")
    clones = [ModelRegistry.clone(origin, tmp_path / f"clone{i}.git") for i in range(4)]
    per_clone = 5
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(c.path), str(per_clone)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in clones]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in outputs]
    claimed = [v for out, _ in outputs for v in out.split()]
    assert len(claimed) == len(set(claimed)) == 4 * per_clone
    expected = {f"shared/v{n}" for n in range(1, 4 * per_clone + 2)}
    assert set(git(git_daemon.path(), "tag", "--list").split()) == expected
    for clone in clones:
        clone.pull()
        assert gitreg_refs(refs, clone.path) == refs(git_daemon.path())
    assert fsck(git_daemon.path()) == []
    # every version is reachable from the branch
    reachable = git(git_daemon.path(), "tag", "--merged", "refs/heads/shared").split()
    assert set(reachable) == expected


DEPLOYER = textwrap.dedent("""
    import sys
    from gitreg import ModelRegistry
    reg = ModelRegistry(sys.argv[1])
    for version in sys.argv[2:]:
        reg.deploy("m", version)
""")


def test_concurrent_deploys_from_two_clones_stay_linear(tmp_path, origin, first, git_daemon, git):
    for _ in range(4):
        first.register_model("m")
    a = ModelRegistry.clone(origin, tmp_path / "a.git")
    b = ModelRegistry.clone(origin, tmp_path / "b.git")
    procs = [subprocess.Popen([sys.executable, "-c", DEPLOYER, str(a.path), "v1", "v2"],
                              stderr=subprocess.PIPE, text=True),
             subprocess.Popen([sys.executable, "-c", DEPLOYER, str(b.path), "v3", "v4"],
                              stderr=subprocess.PIPE, text=True)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    lines = git(git_daemon.path(), "log", "--format=%P", "refs/deployed/production/m").splitlines()
    assert len(lines) == 4 and all(len(parents.split()) <= 1 for parents in lines)
    first.pull()
    deployed = [d.version for d in first.deployment_history("m")]
    assert sorted(deployed) == ["v1", "v2", "v3", "v4"]
    assert deployed.index("v1") < deployed.index("v2") and deployed.index("v3") < deployed.index("v4")


# -- remote configuration -----------------------------------------------------------------------
def test_remote_management(tmp_path, bare_remote):
    reg = ModelRegistry(tmp_path / "a.git")
    assert reg.remotes() == []
    reg.add_remote("origin", str(bare_remote))
    reg.add_remote("mirror", "git://example.invalid/r.git")
    assert [(r.name, r.sync) for r in reg.remotes()] == [("mirror", False), ("origin", True)]
    reg.add_remote("third", str(bare_remote), sync=True)
    assert [r.name for r in reg.remotes() if r.sync] == ["third"]
    reg.remove_remote("third")
    assert [(r.name, r.sync) for r in reg.remotes()] == [("mirror", False), ("origin", False)]
    with pytest.raises(RemoteError, match="no remote named"):
        reg.remove_remote("nope")
    with pytest.raises(RemoteError, match="no sync remote"):
        reg.pull()


@pytest.mark.parametrize("name", ["", "a/b", "-x", "..", "x.lock"])
def test_bad_remote_names_are_refused(tmp_path, name):
    reg = ModelRegistry(tmp_path / "a.git")
    with pytest.raises(Exception) as info:
        reg.add_remote(name, "/x")
    assert "remote" in str(info.value)


def test_clone_failures_leave_nothing_behind(tmp_path, first):
    first.register_model("m")
    with pytest.raises(RemoteError):
        ModelRegistry.clone("git://127.0.0.1:9/none.git", tmp_path / "new.git")
    assert not (tmp_path / "new.git").exists()
    with pytest.raises(Exception, match="already exists"):
        ModelRegistry.clone(str(first.path), first.path)


# -- notes merge rule ----------------------------------------------------------------------------
def test_three_way_merge_of_note_values():
    base = {"evaluation_scores": {"accuracy": 0.5}, "status": "completed"}
    ours = {"evaluation_scores": {"accuracy": 0.5, "f1_score": 0.3}, "status": "deprecated"}
    theirs = {"evaluation_scores": {"accuracy": 0.7}, "status": "completed", "tags": ["x"]}
    assert merge_mappings(base, ours, theirs) == {
        "evaluation_scores": {"accuracy": 0.7, "f1_score": 0.3}, "status": "deprecated", "tags": ["x"],
    }
    assert merge_mappings({"a": 1}, {"a": 2}, {"a": 3}) == {"a": 3}  # both changed: the remote's


def test_history_after_a_notes_merge_lists_each_change_once(tmp_path, origin, first):
    first.register_model("m")
    second = ModelRegistry.clone(origin, tmp_path / "second.git")
    ModelRegistry(first.path, offline=True).update_evaluation_scores("m", "v1", accuracy=0.1)
    ModelRegistry(second.path, offline=True).update_evaluation_scores("m", "v1", f1_score=0.2)
    first.push()
    assert second.pull().merged == ["refs/notes/gitreg/m"]
    kinds = [(e.kind, e.version) for e in second.history("m")]
    assert kinds.count(("scores_updated", "v1")) == 2 and len(kinds) == 4  # created, registered, 2 scores


def test_processes_sharing_one_synced_clone(tmp_path, origin, first, git_daemon, git):
    first.register_model("shared")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(first.path), "6"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 3, [err for _, err in outputs]
    claimed = [v for out, _ in outputs for v in out.split()]
    assert len(set(claimed)) == 18
    assert len(git(git_daemon.path(), "tag", "--list").split()) == 19


def test_signed_versions_and_deploys_verify_in_every_clone(tmp_path, origin, ssh_key, git_daemon, git):
    signer = ModelRegistry(tmp_path / "signer.git")
    signer.init()
    ssh_key.apply(signer.path)
    git(signer.path, "config", "gitreg.sign", "true")
    signer.add_remote("origin", origin)
    signer.register_model("m")
    signer.deploy("m", "v1")
    ssh_key.apply(git_daemon.path())  # (for its allowed-signers file)
    git(git_daemon.path(), "tag", "-v", "m/v1")  # the server holds the signed tag as written
    git(git_daemon.path(), "verify-commit", "refs/deployed/production/m")
    reader = ModelRegistry.clone(origin, tmp_path / "reader.git")
    ssh_key.apply(reader.path)
    git(reader.path, "config", "gitreg.requireSigned", "true")
    report = reader.verify()
    assert report.ok, [(c.subject, c.problems) for c in report.failures]
    assert len(report.checks) >= 2


def test_a_published_write_is_never_published_twice(tmp_path, origin, first, git_daemon, git):
    """If the local ref diverged while the remote took the change, the write is not rebuilt."""
    from gitreg.features.notes import annotations
    from gitreg.features.sync import sync

    first.register_model("m")
    first._sync()  # the store now publishes to origin
    store = first._store
    publish = sync.publisher(store, "origin")

    def publish_then_diverge(updates):
        publish(updates)
        ModelRegistry(first.path, offline=True).update_evaluation_scores("m", "v1", f1_score=0.1)

    store.publisher = publish_then_diverge
    with pytest.raises(SyncConflictError, match="was published"):
        annotations.annotate_version(store, "m", "v1", "score", "accuracy=0.9",
                                     lambda note: {**note, "evaluation_scores": {"accuracy": 0.9}})
    assert git(git_daemon.path(), "rev-list", "--count", "refs/notes/gitreg/m").strip() == "1"


# -- big pushes: namespace wildcards with the refs that must not go left out -------------
def test_a_big_push_sends_whole_models_and_leaves_a_diverged_one_out(tmp_path, bare_remote, refs, git,
                                                                     monkeypatch):
    from benchmarks.fixtures import build_gitreg
    from gitreg.git.transport import remote as transport

    monkeypatch.setattr(transport, "EXPLICIT_MAX", 4)  # "big" from 5 refs on, so the test stays small
    local_path = tmp_path / "local.git"
    build_gitreg(local_path, 200, per_model=50, lean=True)
    local = ModelRegistry(local_path)
    local.add_remote("origin", str(bare_remote), sync=False)
    report = local.push()
    assert len(report.pushed) == 204 and not report.conflicts
    assert refs(bare_remote) == gitreg_refs(refs, local_path)

    other = ModelRegistry.clone(str(bare_remote), tmp_path / "other.git")
    other.register_model("model-0001", notes="theirs")
    offline = ModelRegistry(local_path, offline=True)
    offline.register_model("model-0001", notes="ours")
    for _ in range(3):
        offline.register_model("model-0002")
    server_before = refs(bare_remote)
    report = local.push()
    assert {c.ref for c in report.conflicts} == {"refs/heads/model-0001", "refs/tags/model-0001/v51"}
    assert len(report.pushed) == 4 and all("model-0002" in r for r in report.pushed)
    after = refs(bare_remote)
    assert {k: v for k, v in after.items() if "model-0001" in k} == \
        {k: v for k, v in server_before.items() if "model-0001" in k}
    assert len(git(bare_remote, "tag", "--list", "model-0002/*").split()) == 53


def test_a_synced_write_with_much_local_work_pushes_only_its_model(tmp_path, bare_remote, refs, git,
                                                                  monkeypatch):
    from gitreg.git.transport import remote as transport

    monkeypatch.setattr(transport, "EXPLICIT_MAX", 2)  # a per-model wildcard push from 3 refs on
    reg = ModelRegistry(tmp_path / "a.git")
    reg.add_remote("origin", str(bare_remote))
    reg.register_model("n")
    offline = ModelRegistry(reg.path, offline=True)
    for _ in range(3):
        offline.register_model("m")
    offline.register_model("n")
    reg.register_model("m")
    assert git(bare_remote, "tag", "--list").split() == ["m/v1", "m/v2", "m/v3", "m/v4", "n/v1"]
    assert ModelRegistry.clone(str(bare_remote), tmp_path / "b.git").verify().ok
    assert reg.push(model="n").pushed == ["refs/heads/n", "refs/tags/n/v2"]


def test_a_lost_push_answer_that_cannot_be_checked_says_so_and_changes_nothing(tmp_path, refs, git):
    """The server commits, its receive-pack dies, and the repository is gone when gitreg looks."""
    served = tmp_path / "served.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(served)], check=True)
    hook = served / "hooks" / "reference-transaction"
    hook.write_text(f"""#!/bin/sh
[ "$1" = committed ] || exit 0
[ -e {tmp_path}/fired ] && exit 0
touch {tmp_path}/fired
mv {served} {tmp_path}/away.git
kill -9 $PPID
""")
    hook.chmod(0o755)
    reg = ModelRegistry(tmp_path / "a.git")
    reg.add_remote("origin", str(served))
    with pytest.raises(RemoteError, match="may or may not have it"):
        reg.register_model("m")
    assert gitreg_refs(refs, reg.path) == {}  # nothing changed here
    (tmp_path / "away.git").rename(served)
    assert reg.pull().created == ["refs/tags/m/v1", "refs/heads/m"]  # it had arrived
    assert reg.register_model("m").version == "v2"


def test_the_sync_remote_is_read_as_git_reads_it(tmp_path, bare_remote, refs, monkeypatch):
    """gitreg.remote given in a way only git reads (GIT_CONFIG_COUNT, as `git -c` passes it) counts,
    as for every other gitreg setting: a write publishes there (libgit2's reading never saw it)."""
    local = ModelRegistry(tmp_path / "a.git")
    local.add_remote("backup", str(bare_remote), sync=False)
    local.register_model("m")
    assert refs(bare_remote) == {}
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "gitreg.remote")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "backup")
    local.register_model("m")
    assert {"refs/heads/m", "refs/tags/m/v2"} <= set(refs(bare_remote))
    assert [(r.name, r.sync) for r in local.remotes()] == [("backup", True)]
