"""The Hugging Face model card of a version: README.md with the front matter the Hub reads.

`base_model`, `datasets` and `model-index` come from the record (training data sources,
base model, the scores as they are now, notes included); anything the version's own card
already says is kept, its text below the front matter too.
"""
from __future__ import annotations

from typing import Any

from gitreg.core import yamlio
from gitreg.core.errors import GitregError
from gitreg.core.records import ModelVersion
from gitreg.model.cards import front_matter

UNNAMED_DATASET = "evaluation"  # model-index needs a dataset: metrics recorded without one name this


def model_index(v: ModelVersion) -> list[dict[str, Any]]:
    """The recorded metrics as model-index results: `mmlu/acc,none` is metric `acc,none` on dataset `mmlu`."""
    by_dataset: dict[str, list[dict[str, Any]]] = {}
    for name, value in sorted(v.evaluation_scores.flat().items()):
        dataset, _, metric = name.rpartition("/")
        by_dataset.setdefault(dataset or UNNAMED_DATASET, []).append({"type": metric, "value": value})
    if not by_dataset:
        return []
    results = [{"task": {"type": "text-generation"}, "dataset": {"name": d, "type": d}, "metrics": m}
               for d, m in by_dataset.items()]
    return [{"name": v.model_name, "results": results}]


def _base_model(v: ModelVersion) -> Any:
    base = v.base_model or (v.training.base_model if v.training else None)
    if isinstance(base, dict):  # provenance mapping: {name, revision, sha256, uri}
        base = base.get("name")
    return base if isinstance(base, str) and base else None


def card(v: ModelVersion) -> bytes:
    """README.md for the hf layout (module doc)."""
    existing = v.card
    meta: dict[str, Any] = {}
    body = f"# {v.model_name} {v.version}\n\nRegistered in gitreg (commit {v.commit}).\n"
    if existing is not None:
        head = front_matter(existing.text)
        body = existing.text
        if head is not None:
            try:
                loaded = yamlio.load_user(head.encode("utf-8"), "model card front matter")
            except GitregError:  # front matter that does not parse is rebuilt; the text is kept
                loaded = None
            meta = dict(loaded) if isinstance(loaded, dict) else {}
            lines = existing.text.split("\n", head.count("\n") + 3)
            body = lines[-1] if len(lines) > head.count("\n") + 3 else ""  # after the closing ---
    base = _base_model(v)
    if base and "base_model" not in meta:
        meta["base_model"] = base
    datasets = [d if isinstance(d, str) else d.get("name") for d in v.training_data_sources]
    datasets = [d for d in datasets if isinstance(d, str) and d]
    if datasets and "datasets" not in meta:
        meta["datasets"] = datasets
    index = model_index(v)
    if index and "model-index" not in meta:
        meta["model-index"] = index
    meta.setdefault("tags", ["gitreg"])
    head = yamlio.dump(meta).decode("utf-8") if meta else ""
    return f"---\n{head}---\n{body}".encode("utf-8")
