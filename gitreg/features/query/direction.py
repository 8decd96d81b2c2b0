"""Which way is better for a metric, decided in this order (and said which):

1. **recorded**: the direction stored with the metric (`metric_info: {name: {direction: min}}`,
   e.g. from lm-eval's `higher_is_better`);
2. **table**: KNOWN below, by the metric's base name (`wikitext/bits_per_byte,none` ->
   `bits_per_byte`; `eval_loss` -> `loss`), the names lm-eval, HF and the seed use;
3. **name**: the name split into words at every character that is not a letter or digit
   (`eval_loss` -> eval, loss; `mmlu/acc,none` -> mmlu, acc, none): lower is better when a
   word is a loss, error, cost, size or time word (so `wer` matches the word error rate and
   not `answer`); otherwise higher is better.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

LOWER_IS_BETTER_WORDS = frozenset({
    "loss", "perplexity", "ppl", "error", "err", "errors", "wer", "cer", "ter",
    "latency", "memory", "mem", "cost", "duration", "runtime", "seconds", "ms", "mb", "gb",
})
LOWER_IS_BETTER_NAMES = frozenset({"memory_mb", "latency_ms", "cost_usd", "duration_hours", "perplexity"})
# The documented table of known names (docs/training-records.md): base name -> "max" or "min".
KNOWN: dict[str, str] = {
    **dict.fromkeys((
        "accuracy", "acc", "acc_norm", "exact_match", "em", "f1", "f1_score", "mcc", "bleu", "chrf",
        "rouge1", "rouge2", "rougeL", "rougeLsum", "rouge.rouge1", "rouge.rouge2", "rouge.rougeL",
        "pass@1", "pass@10", "pass@100", "mc1", "mc2", "inference_speed_tokens_per_sec", "contains",
        "prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc",
        "inst_level_loose_acc", "samples_per_second", "tokens_per_second",
    ), "max"),
    **dict.fromkeys((
        "loss", "perplexity", "ppl", "word_perplexity", "byte_perplexity", "bits_per_byte",
        "brier_score", "ter", "wer", "cer", "latency_ms", "memory_mb", "cost_usd", "duration_hours",
    ), "min"),
}
# training parameters: no better direction in a comparison
NEUTRAL = frozenset({"samples", "epochs", "batch_size", "learning_rate"})
_WORDS = re.compile(r"[^a-z0-9]+")
_PREFIX = re.compile(r"^(eval|test|train|validation|val|best)_")


@dataclass(frozen=True)
class Direction:
    """Whether the highest value wins, and which rule said so: recorded, table, name, given
    (--max/--min) or date (the newest)."""
    maximize: bool
    how: str

    def describe(self) -> str:
        return f"{'highest' if self.maximize else 'lowest'} wins, {self.how}"


def base_name(name: str) -> str:
    """`mmlu/acc_norm,none` -> `acc_norm`; `eval_loss` -> `loss`; `best/eval_loss` -> `loss`."""
    leaf = name.rsplit("/", 1)[-1].split(",", 1)[0]
    return _PREFIX.sub("", leaf) if leaf not in KNOWN else leaf


def decide(name: str, recorded: Optional[str] = None) -> Direction:
    if recorded in ("max", "min"):
        return Direction(recorded == "max", "recorded")
    known = KNOWN.get(name) or KNOWN.get(base_name(name))
    if known is not None:
        return Direction(known == "max", "table")
    return Direction(not _by_words(name), "name")


def _by_words(name: str) -> bool:
    key = name.lower()
    return key in LOWER_IS_BETTER_NAMES or any(w in LOWER_IS_BETTER_WORDS for w in _WORDS.split(key))


def lower_is_better(name: str) -> bool:
    """By the table, then the name (no recorded direction at hand)."""
    return not decide(name).maximize


def higher_is_better(name: str) -> bool:
    return not lower_is_better(name)
