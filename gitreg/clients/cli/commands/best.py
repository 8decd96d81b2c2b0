from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Argument, Context, Option


def run(
    ctx: Context,
    model: Annotated[str, Argument(help="Model name.")],
    by: Annotated[Optional[str], Option(
        "--by", metavar="METRIC", help="Metric or numeric field to rank by (default: accuracy).")] = None,
    where: options.Where = None,
    highest: Annotated[bool, Option(
        "--max", help="Highest wins (default: the direction recorded with the metric, else the table of "
                      "known names, else the name: lower for losses, perplexity, error rates, latency, "
                      "memory, cost).")] = False,
    lowest: Annotated[bool, Option("--min", help="Lowest wins.")] = False,
    json_out: options.Json = False,
) -> None:
    """The best version of a model by a metric, among those matching --where."""
    from gitreg.api.queries import lookup, view_of
    from gitreg.core.errors import InvalidValueError

    if highest and lowest:  # as two flags: a pair would silently take the last one given
        raise InvalidValueError("--max and --min contradict each other: give one of them")
    maximize = True if highest else False if lowest else None
    metric = by or "accuracy"
    record, direction = context.registry(ctx).rank(model, by=metric, where=where, maximize=maximize)
    value = lookup(view_of(record), metric)
    if json_out:
        context.emit_json({"model_name": model, "by": metric, "direction": "max" if direction.maximize else "min",
                           "direction_from": direction.how, "value": value, "version": record.version,
                           "record": record.to_dict()})
        return
    from gitreg.clients.cli.render import fmt

    stderr = record.metric_info.get(metric, {}).get("stderr")
    error = f" ± {fmt(stderr)}" if stderr is not None else ""
    context.say(f"{record.model_name} {record.version}: {metric} = {fmt(value)}{error} ({direction.describe()})")
