"""Provenance that can be checked (issue 23): training data and the base model with revision,
sha256 and uri, from the API, `add --data`, `.gitreg.yaml` and PEFT's adapter_config.json;
lineage shows them, `verify --files` re-hashes local data, the seed's names stay as they were."""
from __future__ import annotations

import hashlib
import json

import pytest

from gitreg import LineageTracker, ModelRegistry
from gitreg.clients.cli.main import main
from gitreg.clients.training import config as training_config
from gitreg.core.errors import InvalidValueError
from gitreg.core.records import DataSource
from tests.features.ingest.test_readers import FIXTURES


def test_sources_are_stored_as_mappings_and_read_back(tmp_path):
    reg = ModelRegistry(tmp_path / "r.git")
    sha = "ab" * 32
    v = reg.register_model("m", base_model={"name": "Qwen/Qwen2.5-0.5B", "revision": "7ae5"},
                           training_data=["oracle", {"name": "toolbench", "revision": "v1.2", "sha256": sha.upper(),
                                                     "uri": "hf://datasets/lab/toolbench"}])
    assert v.base_model == "Qwen/Qwen2.5-0.5B" and v.training.base_model == "Qwen/Qwen2.5-0.5B"
    assert v.base_model_source == DataSource("Qwen/Qwen2.5-0.5B", "7ae5")
    assert v.training_data_sources == ["oracle", "toolbench"]  # the seed's names
    assert v.training_data == [DataSource("oracle"), DataSource("toolbench", "v1.2", sha, "hf://datasets/lab/toolbench")]
    reg.register_model("m", parent_version="v1", training_data=["more@3"])
    tracker = LineageTracker(tmp_path / "r.git")
    assert tracker.get_data_lineage("m", "v2") == {"v2": ["more@3"], "v1": ["oracle", "toolbench"]}
    provenance = tracker.get_data_provenance("m", "v2")
    assert provenance["v1"][1].revision == "v1.2"
    registry_doc, _ = reg.export_json()
    assert registry_doc["models"]["m"]["versions"]["v1"]["training_data_sources"] == ["oracle", "toolbench"]


@pytest.mark.parametrize("bad, message", [
    ({"name": "x", "sha256": "123"}, "64 hexadecimal"),
    ({"revision": "v1"}, "a name is required"),
    ({"name": "x", "size": 3}, "unknown key"),
    ({"name": "x\ny"}, "one line"),
])
def test_bad_sources_are_refused_before_anything_is_written(tmp_path, bad, message):
    reg = ModelRegistry(tmp_path / "r.git")
    with pytest.raises(InvalidValueError, match=message):
        reg.register_model("m", training_data=[bad])
    with pytest.raises(InvalidValueError, match=message):
        reg.register_model("m", base_model=bad)
    assert not (tmp_path / "r.git").exists()


def test_add_data_pins_revisions_and_hashes_local_data_that_verify_checks(tmp_path, capsys):
    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "a"}\n')
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "part-0.jsonl").write_text("{}\n")
    r = str(tmp_path / "r.git")
    assert main(["-R", r, "add", "m", "--data", "HuggingFaceH4/ultrachat_200k@8049631", "--data", str(data),
                 "--data", str(folder), "--params-from", str(FIXTURES / "peft-run" / "adapter_config.json")]) == 0
    v = ModelRegistry(r).get_version("m", "v1")
    assert v.training_data[0] == DataSource("HuggingFaceH4/ultrachat_200k", "8049631")
    assert v.training_data[1] == DataSource("train.jsonl", None, hashlib.sha256(data.read_bytes()).hexdigest(),
                                            str(data))
    assert v.training_data[2].name == "shards" and v.training_data[2].sha256
    assert v.base_model_source == DataSource("sshleifer/tiny-gpt2", "5f91d94bd9cd7190a9f3216ff93cd1dd95f2c7be")
    capsys.readouterr()
    assert main(["-R", r, "verify", "m", "--files", "--json"]) == 0
    checks = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["kind"] == "data"]
    assert [c["ok"] for c in checks] == [True, True]
    (folder / "part-1.jsonl").write_text("{}\n")
    assert main(["-R", r, "verify", "m", "--files"]) == 1
    out = capsys.readouterr()
    assert "shards" in out.out + out.err and "sha256" in out.out + out.err
    assert main(["-R", r, "lineage", "m", "v1"]) == 0
    assert "ultrachat_200k@8049631" in capsys.readouterr().out


def test_gitreg_yaml_training_data_takes_revisions_and_mappings():
    parsed = training_config.parse(b"model: m\nwhen: always\ntraining_data: [oracle, 'lab/set@3f2a', "
                                   b"{name: x, sha256: '" + b"0" * 64 + b"'}]\n")
    assert parsed.training_data == ["oracle", {"name": "lab/set", "revision": "3f2a"},
                                    {"name": "x", "sha256": "0" * 64}]
    with pytest.raises(training_config.TrainingConfigError, match="sha256"):
        training_config.parse(b"model: m\nwhen: always\ntraining_data: [{name: x, sha256: nope}]\n")
