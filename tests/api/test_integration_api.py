"""The facade calls integrations use (the MLflow store): models without versions, integration
manifest keys, and tag changes that are applied under the notes ref's compare-and-swap."""
from __future__ import annotations

import threading

import pytest
import yaml

from gitreg import InvalidValueError, ModelRegistry, VersionExistsError


def test_create_model_without_versions(reg, registry_path, git):
    meta = reg.create_model("empty", description="no versions yet", tags=["team=nlp"])
    assert (meta.description, meta.tags) == ("no versions yet", ["team=nlp"])
    assert reg.list_versions("empty") == []
    assert git(registry_path, "log", "--format=%s", "empty").strip() == "create model empty"
    model_file = yaml.safe_load(git(registry_path, "show", "empty:model.yaml"))
    assert model_file["description"] == "no versions yet" and model_file["created_at"] == meta.created_at
    with pytest.raises(VersionExistsError, match="already exists"):
        reg.create_model("empty")
    assert reg.register_model("empty").version == "v1"


def test_extra_manifest_keys_round_trip_and_gitreg_keys_are_refused(reg, registry_path, git, refs):
    v = reg.register_model("m", extra_keys={"mlflow": {"run_id": "abc", "source": "s3://b/m"}})
    assert v.extra["mlflow"] == {"run_id": "abc", "source": "s3://b/m"}
    assert yaml.safe_load(git(registry_path, "show", "m/v1:manifest.yaml"))["mlflow"]["run_id"] == "abc"
    before = refs(registry_path)
    for bad in ({"files": "x"}, {"Bad-Key": 1}, {"mlflow": {"run_id": ["a", "list"]}},
                {"mlflow": {"source": "x" * 5000}}, ["not", "a", "mapping"]):
        with pytest.raises(InvalidValueError):
            reg.register_model("m", extra_keys=bad)
    assert refs(registry_path) == before


def test_concurrent_tag_changes_are_not_lost(registry_path):
    ModelRegistry(registry_path).register_model("m")
    errors: list[Exception] = []

    def work(i: int) -> None:
        try:
            registry = ModelRegistry(registry_path)  # one per thread, as pygit2 wants
            registry.update_metadata("m", add_tags=[f"model-{i}"])
            registry.change_tags("m", "v1", add=[f"version-{i}"])
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    reg = ModelRegistry(registry_path)
    assert sorted(reg.get_metadata("m").tags) == sorted(f"model-{i}" for i in range(6))
    assert sorted(reg.get_version("m", "v1").tags) == sorted(f"version-{i}" for i in range(6))
    reg.update_metadata("m", remove_tags=["model-0"], add_tags=["model-9"])
    assert "model-0" not in reg.get_metadata("m").tags and reg.get_metadata("m").tags[-1] == "model-9"


def test_create_model_signs_its_root_commit_when_signing_is_in_force(reg, registry_path, git, ssh_key):
    ssh_key.apply(registry_path)
    git(registry_path, "config", "gitreg.sign", "true")
    reg.create_model("signed")
    assert "gpgsig" in git(registry_path, "cat-file", "commit", "signed")
    assert reg.verify("signed").ok
