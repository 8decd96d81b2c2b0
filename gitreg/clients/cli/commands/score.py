from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, BadParameter, Context


def run(
    ctx: Context,
    model: options.Ref,
    version: Annotated[Optional[str], Argument(autocompletion=complete.versions, help="Version.")] = None,
    accuracy: options.Accuracy = None,
    f1_score: options.F1 = None,
    perplexity: options.Perplexity = None,
    bleu: options.Bleu = None,
    speed: options.Speed = None,
    memory_mb: options.MemoryMb = None,
    latency_ms: options.LatencyMs = None,
    metric: options.Metric = None,
    from_file: options.MetricsFrom = None,
    format: options.MetricsFormat = "auto",
    include: options.Include = None,
    exclude: options.Exclude = None,
    dry_run: options.DryRun = False,
) -> None:
    """Record new evaluation scores for a version.

    Stored as a git note; earlier scores stay in the notes history.
    """
    scores, metric_info = options.metrics_read(from_file, format, include, exclude)
    scores.update(options.collect_scores(
        accuracy, f1_score, perplexity, bleu, speed, memory_mb, latency_ms, metric
    ))
    if not scores:
        raise BadParameter("give at least one score (e.g. --accuracy 0.9 or --metric name=1.0)")
    v = context.registry(ctx).update_evaluation_scores(model, version, dry_run=dry_run,
                                                       metric_info=metric_info or None, **scores)
    if dry_run:
        context.show_preview(v)
        return
    shown = ", ".join(f"{k}={v:g}" for k, v in list(scores.items())[:8])
    if len(scores) > 8:
        shown += f", ... ({len(scores)} metrics)"
    context.say(f"Updated scores of {v.model_name} {v.version}: {shown}")
