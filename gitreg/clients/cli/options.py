"""Options shared by several commands (metric flags of add and score, --json, --env)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

from gitreg.clients.cli import complete
from gitreg.clients.cli.coercion import parse_number
from gitreg.clients.cli.framework import Argument, BadParameter, Option
from gitreg.clients.cli.terminal import write

Model = Annotated[str, Argument(help="Model name.", autocompletion=complete.models)]
Ref = Annotated[str, Argument(
    metavar="REF", autocompletion=complete.models,
    help="MODEL VERSION, or one reference: MODEL:VERSION, MODEL@ENV, MODEL@latest.")]
Json = Annotated[bool, Option("--json", help="Print one JSON document instead of text.")]
DryRun = Annotated[bool, Option(
    "--dry-run", "-n", help="Write nothing: show what would be recorded (refs, files, note) from the local refs.")]
Env = Annotated[
    str, Option("--env", "-e", metavar="ENV", help="Deployment environment.", show_default=True,
                      autocompletion=complete.environments)
]
Sign = Annotated[
    Optional[bool],
    Option(
        "--sign/--no-sign",
        help="Sign (or not) with your git signing key, overriding gitreg.sign / tag.gpgSign / "
             "commit.gpgSign.",
        show_default=False,
    ),
]
Metrics = Annotated[
    Optional[str],
    Option("--metrics", metavar="A,B",
                 help="Metrics to show, comma-separated (default: those the versions have)."),
]
Where = Annotated[
    Optional[str],
    Option("--where", "-w", metavar="QUERY",
           help="Only versions matching this query (the language: gitreg search --help)."),
]
Sort = Annotated[
    Optional[list[str]],
    Option("--sort", "-s", metavar="KEY[:asc|desc]",
                 help="Order by a field or metric; repeatable (metrics default to best first)."),
]
Reason = Annotated[str, Option("--reason", help="Why; recorded in deployment.yaml.")]

Accuracy = Annotated[Optional[float], Option("--accuracy", help="Accuracy (0-1).")]
F1 = Annotated[Optional[float], Option("--f1-score", help="F1 score.")]
Perplexity = Annotated[Optional[float], Option("--perplexity", help="Perplexity.")]
Bleu = Annotated[Optional[float], Option("--bleu", help="BLEU score.")]
Speed = Annotated[
    Optional[float], Option("--speed", help="Inference speed, tokens per second.")
]
MemoryMb = Annotated[Optional[float], Option("--memory-mb", help="Memory use in MB.")]
LatencyMs = Annotated[Optional[float], Option("--latency-ms", help="Latency in ms.")]
Metric = Annotated[
    Optional[list[str]],
    Option("--metric", "-m", metavar="NAME=VALUE",
                 help="A metric; repeatable. Unknown names are custom metrics."),
]


def collect_scores(
    accuracy: Optional[float], f1_score: Optional[float], perplexity: Optional[float],
    bleu: Optional[float], speed: Optional[float], memory_mb: Optional[float],
    latency_ms: Optional[float], metric: Optional[list[str]],
) -> dict[str, float]:
    scores = {
        "accuracy": accuracy, "f1_score": f1_score, "perplexity": perplexity, "bleu": bleu,
        "inference_speed_tokens_per_sec": speed, "memory_mb": memory_mb, "latency_ms": latency_ms,
    }
    scores = {k: v for k, v in scores.items() if v is not None}
    for item in metric or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="'--metric'")
        try:
            scores[name.strip()] = parse_number(raw)
        except ValueError as exc:
            raise BadParameter(f"{name.strip()}: {exc}", param_hint="'--metric'") from None
    return scores


MetricsFrom = Annotated[
    Optional[Path],
    Option("--from", metavar="FILE",
                 help="Read metrics from a file or output directory: lm-evaluation-harness results*.json, "
                      "HF Trainer all_results.json / eval_results.json / trainer_state.json, or JSON/YAML."),
]
MetricsFormat = Annotated[
    str, Option("--format", metavar="FORMAT", help="Format of --from: auto, lm-eval, hf-trainer or flat.")
]
Include = Annotated[
    Optional[list[str]], Option("--include", metavar="GLOB", help="Record only metrics matching; repeatable.")
]
Exclude = Annotated[
    Optional[list[str]], Option("--exclude", metavar="GLOB", help="Leave out metrics matching; repeatable.")
]


def metrics_from(path: Optional[Path], format: str, include: Optional[list[str]],
                 exclude: Optional[list[str]]) -> dict[str, float]:
    """The scores of a metrics file; what was skipped is one warning on stderr."""
    return metrics_read(path, format, include, exclude)[0]


def metrics_read(path: Optional[Path], format: str, include: Optional[list[str]],
                 exclude: Optional[list[str]]) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """(scores, metric_info) of a metrics file; what was skipped is one warning on stderr."""
    if path is None:
        return {}, {}
    from gitreg.api.registry import ModelRegistry

    read = ModelRegistry.read_metrics_file(path, format, include=include or (), exclude=exclude or ())
    if read.note():
        write(f"gitreg: note: {read.note()}", sys.stderr)
    return read.scores, read.info


Param = Annotated[
    Optional[list[str]],
    Option("--param", "-p", metavar="NAME=VALUE",
                 help="A training parameter recorded under params (lora_r=16, optim=adamw_torch, bf16=true, "
                      "target_modules=[q_proj,v_proj]); repeatable."),
]


def collect_params(items: Optional[list[str]]) -> dict[str, Any]:
    """--param NAME=VALUE: the value read as YAML 1.2 (numbers, true/false, [a, b]), else text."""
    from gitreg.core import yamlio
    from gitreg.core.errors import InvalidValueError

    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="'--param'")
        try:
            value = yamlio.load_user(raw.encode(), "--param") if raw.strip() else raw
        except InvalidValueError:
            value = raw
        if isinstance(value, dict) or value is None:  # 'a: b' or '~' were meant as text
            value = raw
        out[name.strip()] = value
    return out
