"""Model cards: a version's README.md, with Hugging Face-style YAML front matter read.

    ---
    base_model: Qwen/Qwen2.5-Coder-7B
    datasets: [oracle, toolbench]
    license: apache-2.0
    model-index:
      - name: majora
        results:
          - task: {type: text-generation}
            dataset: {name: HumanEval, type: openai_humaneval}
            metrics: [{type: pass@1, value: 0.41}]
    ---
    # majora ...

The card is registry content (untrusted): its size is capped and front matter that does
not parse, or has values of the wrong type, is reported in `problem`, never fatal.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

from gitreg.core import yamlio
from gitreg.core.errors import GitregError

MAX_CARD_BYTES = 1 << 20  # a model card is Markdown: read and written with the manifest's bound
_LIST_KEYS = ("datasets", "language", "tags")
_TEXT_KEYS = ("base_model", "license", "library_name", "pipeline_tag")


@dataclass
class ModelCard:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)   # base_model, datasets, license, ...
    results: dict[str, float] = field(default_factory=dict)  # model-index: '<dataset>/<metric>' -> value
    problem: Optional[str] = None                            # why front matter was not (fully) read

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "metadata": dict(self.metadata), "results": dict(self.results),
                "problem": self.problem}


def front_matter(text: str) -> Optional[str]:
    """The YAML between a first line `---` and the next `---` line, or None."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None
    for i, line in enumerate(lines[1:], 1):
        if line.strip() == "---":
            return "\n".join(lines[1:i])
    return None


def _as_list(value: Any) -> Optional[list[str]]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _results(index: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for entry in index if isinstance(index, list) else []:
        for result in (entry.get("results") if isinstance(entry, dict) else None) or []:
            if not isinstance(result, dict):
                continue
            dataset = result.get("dataset") if isinstance(result.get("dataset"), dict) else {}
            where = str(dataset.get("name") or dataset.get("type") or "unknown")
            for metric in result.get("metrics") or []:
                value = metric.get("value") if isinstance(metric, dict) else None
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                    out[f"{where}/{metric.get('type') or metric.get('name')}"] = value
    return out


def parse_card(data: bytes) -> ModelCard:
    problem = None
    if len(data) > MAX_CARD_BYTES:
        data, problem = data[:MAX_CARD_BYTES], f"card is {len(data)} bytes; the first {MAX_CARD_BYTES} are shown"
    text = data.decode("utf-8", "replace")
    card = ModelCard(text=text, problem=problem)
    head = front_matter(text)
    if head is None:
        return card
    try:
        meta = yamlio.load_user(head.encode("utf-8"), "model card front matter")
    except GitregError as exc:
        card.problem = str(exc)
        return card
    if not isinstance(meta, dict):
        card.problem = "model card front matter is not a mapping"
        return card
    for key in _TEXT_KEYS:
        if isinstance(meta.get(key), str):
            card.metadata[key] = meta[key]
    for key in _LIST_KEYS:
        if _as_list(meta.get(key)) is not None:
            card.metadata[key] = _as_list(meta[key])
    if isinstance(meta.get("base_model"), list) and _as_list(meta["base_model"]):
        card.metadata["base_model"] = _as_list(meta["base_model"])[0]
    card.results = _results(meta.get("model-index"))
    return card
