"""References (DESIGN.md): MODEL:VERSION, MODEL@ENV, MODEL@latest, MODEL; parsed and resolved."""
from __future__ import annotations

import pytest

from gitreg.core.errors import InvalidNameError, VersionNotFoundError
from gitreg.core.references import Reference, parse, reference


@pytest.mark.parametrize("text, expected", [
    ("majora:v3", Reference("majora", version="v3")),
    ("majora@production", Reference("majora", environment="production")),
    ("majora@latest", Reference("majora")),
    ("majora", Reference("majora")),
    ("m.x-1:v2.1-rc1", Reference("m.x-1", version="v2.1-rc1")),
])
def test_parse(text, expected):
    assert parse(text) == expected
    assert parse(str(expected)) == expected  # round trip through the written form


@pytest.mark.parametrize("text, message", [
    ("majora:production", "invalid version name 'production'"),
    ("majora@v1:v2", "has both ':' and '@'"),
    ("bad/name@production", "invalid model name"),
    ("majora@", "environment name must be a non-empty string"),
    (":v1", "model name must be a non-empty string"),
    ("", "a reference must be"),
    (None, "a reference must be"),
])
def test_parse_refuses(text, message):
    with pytest.raises(InvalidNameError, match=message):
        parse(text)


def test_reference_from_model_and_version():
    assert reference("majora", "v2") == Reference("majora", version="v2")
    assert reference("majora", "@staging") == Reference("majora", environment="staging")
    assert reference("majora", "latest") == Reference("majora")
    with pytest.raises(InvalidNameError, match="already names a version"):
        reference("majora:v1", "v2")


def test_resolved_in_the_api(reg):
    for accuracy in (0.8, 0.9, 0.7):
        reg.register_model("majora", evaluation_scores={"accuracy": accuracy})
    reg.deploy("majora:v2")
    reg.deploy("majora", "v1", environment="staging", new_environment=True)
    assert reg.get_version("majora@production").version == "v2"
    assert reg.get_version("majora", "@staging").version == "v1"
    assert reg.get_version("majora@latest").version == reg.get_version("majora").version == "v3"
    assert reg.get_version("majora:v1").version == "v1"
    assert reg.resolve("majora@production") == ("majora", "v2")
    diff = reg.compare_versions("majora", "@staging", "majora@production")
    assert diff["accuracy"] == {"@staging": 0.8, "majora@production": 0.9}
    reg.deploy("majora@staging", environment="canary", new_environment=True)  # promote what staging runs
    assert reg.deployments("majora")["canary"] == "v1"
    with pytest.raises(VersionNotFoundError, match="nothing of majora is deployed in qa"):
        reg.get_version("majora@qa")
    assert [c.version for c in reg.verify("majora@production").checks] == ["v2"]



def _note(git, path, model: str, version: str) -> dict:
    import yaml

    return yaml.safe_load(git(path, "notes", f"--ref=gitreg/{model}", "show", f"{model}/{version}^{{commit}}"))


def test_every_change_to_a_version_takes_a_reference(reg, registry_path, git):
    for accuracy in (0.8, 0.9, 0.7):
        reg.register_model("majora", evaluation_scores={"accuracy": accuracy})
    reg.deploy("majora:v2")
    assert reg.update_evaluation_scores("majora@production", accuracy=0.95).version == "v2"
    assert reg.update_evaluation_scores("majora", "v1", accuracy=0.85).version == "v1"  # seed form
    assert _note(git, registry_path, "majora", "v2")["evaluation_scores"] == {"accuracy": 0.95}
    assert _note(git, registry_path, "majora", "v1")["evaluation_scores"] == {"accuracy": 0.85}
    assert reg.set_status("majora:v1", None, "archived").status.value == "archived"
    assert reg.set_status("majora", "v3", "completed").version == "v3"
    assert _note(git, registry_path, "majora", "v1")["status"] == "archived"
    assert reg.add_tags("majora@latest", None, "x").version == "v3"
    assert reg.remove_tags("majora:v3", None, "x").tags == []
    assert reg.change_tags("majora@production", add=["y"]).tags == ["y"]
    assert reg.update_notes("majora:v2", notes="checked").notes == "checked"
    assert _note(git, registry_path, "majora", "v2")["tags"] == ["y"]
    with pytest.raises(InvalidNameError, match="name the version to change: majora VERSION"):
        reg.set_status("majora", None, "archived")
    with pytest.raises(InvalidNameError, match="already names a version"):
        reg.add_tags("majora:v1", "v2", "x")
    reg.deploy("majora:v3")
    assert reg.rollback("majora:v2").version == "v2"  # explicit version as one reference
    assert reg.undeploy("majora@production").previous_version == "v2"
    assert reg.set_deployed("majora:v3").deployed
    assert reg.set_deployed("majora@production", deployed=False).version == "v3"
    assert reg.deployments("majora") == {"production": None}


def test_lineage_takes_a_reference(reg):
    reg.register_model("majora", training_data=["a.csv"])
    reg.register_model("majora", parent_version="v1", training_data=["b.csv"])
    reg.deploy("majora:v1")
    from gitreg import LineageTracker

    tracker = LineageTracker(reg.path)
    assert tracker.get_ancestors("majora@latest") == tracker.get_ancestors("majora", "v2") == ["v1"]
    assert tracker.get_descendants("majora@production") == ["v2"]
    assert tracker.get_parent("majora:v2") == "v1"
    assert tracker.get_data_lineage("majora:v2") == {"v2": ["b.csv"], "v1": ["a.csv"]}


def test_a_reference_is_resolved_after_the_sync_remote_is_read(tmp_path, bare_remote, git):
    """A stale clone's `majora@production` means what production runs on the remote now."""
    from gitreg import ModelRegistry

    first = ModelRegistry(tmp_path / "first.git")
    first.add_remote("origin", str(bare_remote))
    first.register_model("majora")
    first.register_model("majora")
    first.deploy("majora:v1")
    second = ModelRegistry.clone(str(bare_remote), tmp_path / "second.git")
    first.deploy("majora:v2")  # second has not seen this
    assert second.update_evaluation_scores("majora@production", accuracy=0.9).version == "v2"
    assert _note(git, bare_remote, "majora", "v2")["evaluation_scores"] == {"accuracy": 0.9}
