from __future__ import annotations

from typing import Annotated

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, BadParameter, Context, Option


def run(
    ctx: Context,
    model: options.Model,
    versions: Annotated[list[str], Argument(
        metavar="VERSION...", autocompletion=complete.versions,
        help="Two or more versions (or references); Δ is against the first.")],
    only_diff: Annotated[bool, Option("--only-diff", help="Only rows whose values differ.")] = False,
    json_out: options.Json = False,
) -> None:
    """Compare versions' metrics and training parameters side by side; * marks the best per row."""
    if len(versions) < 2:
        raise BadParameter("give two or more versions to compare", param_hint="VERSIONS")
    comparison = context.registry(ctx).compare(model, *versions)
    if only_diff:
        comparison = comparison.only_diff()
    if json_out:
        context.emit_json(comparison.to_dict())
        return
    from gitreg.clients.cli.query_render import compare_table

    console = context.out()
    console.print(f"{model}: {' vs '.join(versions)}", style="bold", markup=False)
    if not comparison.rows:
        what = "differ" if only_diff else "are recorded"
        console.print(f"No metrics or training parameters {what} in these versions.", markup=False)
        return
    console.print(compare_table(comparison))
