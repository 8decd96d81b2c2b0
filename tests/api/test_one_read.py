"""ModelRegistry.one_read: the reads inside share one snapshot per model (its tags listed once)."""
from __future__ import annotations

TAGS = "refs/tags/m/"


def test_reads_inside_one_read_list_a_models_tags_once(reg):
    for _ in range(3):
        reg.register_model("m", evaluation_scores={"accuracy": 0.5})
    plain = type(reg)(reg.path)
    plain.version_names("m"), plain.get_versions("m", ["v1", "v3"]), plain.deployments("m")
    assert plain.ref_listings[TAGS] == 2  # without it, each read lists the model again

    shared = type(reg)(reg.path)
    with shared.one_read():
        names = shared.version_names("m")
        records = shared.get_versions("m", ["v1", "v3"])
        shared.deployments("m"), shared.get_metadata("m"), shared.list_versions("m")
        with shared.one_read():  # nested: the same snapshots
            assert shared.version_names("m") == names
    assert shared.ref_listings[TAGS] == 1
    assert names == ["v1", "v2", "v3"] and [r.version for r in records] == ["v1", "v3"]
    shared.version_names("m")  # after it, reads list again
    assert shared.ref_listings[TAGS] == 2


def test_a_write_inside_one_read_is_seen_by_the_reads_after_it(reg):
    reg.register_model("m", evaluation_scores={"accuracy": 0.5})
    with reg.one_read():
        assert reg.version_names("m") == ["v1"]
        reg.register_model("m", evaluation_scores={"accuracy": 0.6})
        assert reg.version_names("m") == ["v1", "v2"]
        reg.deploy("m", "v2")
        assert reg.deployments("m") == {"production": "v2"}
        assert reg.get_versions("m", ["v2"])[0].deployed
