"""N clones x M synced registrations + 2 clones deploying, all at once through Apache:
nothing lost, nothing duplicated, all converge after pull, the server passes fsck --strict."""
from __future__ import annotations

import pytest

from gitreg import ModelRegistry
from tests.conftest import trials
from tests.features.sync import concurrency
from tests.servers.apache import apache  # noqa: F401


@pytest.mark.scale
def test_concurrent_synced_writers_over_http(tmp_path, apache, git, refs, fsck):  # noqa: F811
    writers, per_writer, deployers = trials(3, 6), trials(5, 20), 2
    seed, clones = concurrency.prepare(apache, tmp_path, writers + deployers)

    outcome = concurrency.run(tmp_path, clones, writers, per_writer, deployers)

    given = [v for vs in outcome.versions for v in vs]
    assert len(given) == len(set(given)) == writers * per_writer  # none duplicated
    server_tags = git(apache.path(), "tag", "--list", "shared/*").split()
    assert sorted(server_tags) == sorted(["shared/v1", "shared/v2"] + [f"shared/{v}" for v in given])  # none lost
    deploy_log = git(apache.path(), "log", "--format=%H", "refs/deployed/production/shared").split()
    assert all(c in deploy_log for cs in outcome.deploys for c in cs if c)  # every deploy is in the history
    server = refs(apache.path())
    for path in [seed, *clones]:
        ModelRegistry(path).pull()
        assert {k: v for k, v in refs(path).items() if not k.startswith("refs/gitreg/")} == server
    assert fsck(apache.path()) == []
    assert ModelRegistry(clones[0]).verify().ok
