from __future__ import annotations

from typing import Annotated

import typer

from .. import context, options


def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model name.")],
    a: Annotated[str, typer.Argument(help="First version (or a reference: @ENV, latest, MODEL:VERSION).")],
    b: Annotated[str, typer.Argument(help="Second version (or a reference).")],
    json_out: options.Json = False,
) -> None:
    """Compare two versions' metrics and training parameters."""
    diff = context.registry(ctx).compare_versions(model, a, b)
    if json_out:
        context.emit_json({"model_name": model, "versions": [a, b], "diff": diff})
        return
    from ..render import compare_table

    console = context.out()
    console.print(f"{model}: {a} vs {b}", style="bold", markup=False)
    if not diff:
        console.print("No metrics or training parameters recorded in either version.", markup=False)
        return
    console.print(compare_table(a, b, diff))
