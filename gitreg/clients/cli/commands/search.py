# No `from __future__ import annotations`: the parameters' annotations are made once, here,
# rather than compiled from strings when the framework reads them at every start-up (0.3 ms
# of `gitreg search`, issue 28).
from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Argument, Context, Option


def run(
    ctx: Context,
    query: Annotated[str, Argument(
        metavar="QUERY", help="A query, e.g. 'accuracy > 0.85 and tag:production' (\"\" matches every version).")],
    model: Annotated[Optional[str], Option(
        "--model", "-m", metavar="MODEL", help="Search this model only.")] = None,
    sort: options.Sort = None,
    limit: Annotated[Optional[int], Option(
        "--limit", "-n", min=0, metavar="N", help="At most N results.")] = None,
    json_out: options.Json = False,
) -> None:
    """Find versions across every model (or one) with the query language.

    \b
    Grammar (not > and > or; keywords are case-insensitive):
      name OP value        OP: = != < <= > >= ~ (glob) !~
      name in (a, b)       name not in (a, b)     name between 1 and 2
      field:value          tag:stable  status:archived  deployed:staging
                           parent:majora:v2  tag:lora_r=16 (a key=value tag)
      name                 the value is set
      not X   X and Y   X or Y   ( X )
    Quote values with spaces or operator characters: notes ~ "*lr 2e-4*".
    Fields: model version created status registered_status deployed deployed_at
    environment tag training_data base_model framework hardware notes git_commit
    commit registered_by training_repo parent samples epochs batch_size
    learning_rate duration_hours cost_usd. Every other name is a metric (a number):
    accuracy, eval_loss, mmlu/acc,none, ...; a name no version has is warned about.
    """
    from gitreg.api.queries import names_in, parse

    reg = context.registry(ctx)
    records = reg.search(query, model=model, sort=sort, limit=limit)
    if json_out:
        context.emit_json([v.to_dict() for v in records])
        return
    if not records:
        context.say("No versions match.")
        return
    from gitreg.clients.cli.query_render import search_table, search_text
    from gitreg.clients.cli.render import print_table

    names = names_in(parse(query))
    if sort:  # the sort keys' module loads only for a sort
        from gitreg.api.queries import parse_sort

        names = list(dict.fromkeys(names + [parse_sort(s).name for s in sort]))
    print_table(lambda width, colour: search_text(records, names, width, colour),
                lambda width: search_table(records, names))
