"""Which way is better for a metric: higher, except for the names below.

The name is split into words at every character that is not a letter or digit
(`eval_loss` -> eval, loss; `mmlu/acc,none` -> mmlu, acc, none), so `wer` matches
the word error rate and not `answer`.
"""
from __future__ import annotations

import re

LOWER_IS_BETTER_WORDS = frozenset({
    "loss", "perplexity", "ppl", "error", "err", "errors", "wer", "cer", "ter",
    "latency", "memory", "mem", "cost", "duration", "runtime", "seconds", "ms", "mb", "gb",
})
LOWER_IS_BETTER_NAMES = frozenset({"memory_mb", "latency_ms", "cost_usd", "duration_hours", "perplexity"})
# training parameters: no better direction in a comparison
NEUTRAL = frozenset({"samples", "epochs", "batch_size", "learning_rate"})
_WORDS = re.compile(r"[^a-z0-9]+")


def lower_is_better(name: str) -> bool:
    key = name.lower()
    return key in LOWER_IS_BETTER_NAMES or any(w in LOWER_IS_BETTER_WORDS for w in _WORDS.split(key))


def higher_is_better(name: str) -> bool:
    return not lower_is_better(name)
