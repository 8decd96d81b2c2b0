"""`get --layout hf`: one directory transformers / PEFT / llama.cpp take, with a Hub model card."""
from __future__ import annotations

import json

import pytest

from gitreg.core.errors import InvalidValueError
from tests.features.artifacts.conftest import sha256_of
from tests.features.supply.conftest import TINY_CONFIG


def test_hf_layout_is_flat_and_transformers_reads_its_config(reg, registered, run_dir, tmp_path):
    out = reg.write_layout("majora:v1", tmp_path / "hf", layout="hf")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["README.md", "adapter_config.json", "adapter_model.safetensors", "config.json",
                     "tiny-Q4_K_M.gguf"]
    for name, source in (("config.json", run_dir["config"]), ("tiny-Q4_K_M.gguf", run_dir["gguf"]),
                         ("adapter_model.safetensors", run_dir["lora"] / "adapter_model.safetensors")):
        assert sha256_of(out / name) == sha256_of(source)
    assert not (out / "model.sig").exists()  # not signed yet

    from transformers import AutoConfig  # CPU-only, no torch: configuration loading, no download

    config = AutoConfig.from_pretrained(str(out), local_files_only=True)
    assert config.model_type == "gpt2" and config.n_layer == TINY_CONFIG["n_layer"]
    # PEFT reads adapter_config.json at the top of the directory it is given (PeftConfig.from_pretrained)
    assert json.loads((out / "adapter_config.json").read_text())["peft_type"] == "LORA"


def test_model_card_front_matter_is_what_the_hub_reads(reg, registered, tmp_path):
    reg.update_evaluation_scores("majora:v1", f1_score=0.7)  # a later score (a note) is in the card
    out = reg.write_layout("majora:v1", tmp_path / "hf", layout="hf")
    from huggingface_hub import ModelCard

    card = ModelCard.load(out / "README.md")  # huggingface_hub's own parser of model-index
    assert card.data.base_model == "Qwen/Qwen2.5-0.5B"
    assert card.data.datasets == ["oracle", "toolbench"]
    got = {(r.dataset_name, r.metric_type): r.metric_value for r in card.data.eval_results}
    assert got == {("evaluation", "accuracy"): 0.91, ("evaluation", "f1_score"): 0.7, ("mmlu", "acc,none"): 0.52}


def test_a_registered_card_keeps_its_text_and_front_matter(reg, run_dir, tmp_path):
    card = tmp_path / "card.md"
    card.write_text("---\nlicense: apache-2.0\nbase_model: org/other\n---\n# Majora\n\nHand-written.\n")
    reg.register_model("majora", files=[("gguf", str(run_dir["gguf"]))], store=True, model_card=card,
                       base_model="Qwen/Qwen2.5-0.5B")
    text = (reg.write_layout("majora:v1", tmp_path / "hf", layout="hf") / "README.md").read_text()
    assert "license: apache-2.0" in text and "base_model: org/other" in text  # the author's word wins
    assert text.endswith("# Majora\n\nHand-written.\n")


def test_two_files_on_one_path_are_refused_before_anything_is_written(reg, run_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text("{}")
    reg.register_model("majora", files=[("config", str(run_dir["config"])), ("tokenizer", str(other))], store=True)
    dest = tmp_path / "hf"
    with pytest.raises(InvalidValueError, match="config.json would come from both the config and the tokenizer"):
        reg.write_layout("majora:v1", dest, layout="hf")
    assert not dest.exists()
    only = reg.write_layout("majora:v1", dest, layout="hf", role="tokenizer")
    assert (only / "config.json").read_text() == "{}"


def test_without_a_destination_it_is_a_snapshot_of_links_in_the_cache(reg, registered, registry_path):
    first = reg.write_layout("majora:v1", layout="hf")
    assert first.parent.name == "snapshots-hf" and first.name == registered.commit
    target = (first / "tiny-Q4_K_M.gguf")
    assert target.is_symlink() and str(registry_path) in str(target.resolve())
    assert reg.write_layout("majora:v1", layout="hf") == first
    from transformers import AutoConfig  # from_pretrained reads through the links, as on a huggingface_hub snapshot
    assert AutoConfig.from_pretrained(str(first), local_files_only=True).model_type == "gpt2"
