from __future__ import annotations

import sys

import typer

from .. import context, options


def run(ctx: typer.Context, json_out: options.Json = False) -> None:
    """List every model and its versions (● deployed, ○ not)."""
    from rich.text import Text

    from gitreg.report import RULE

    from ..render import version_line

    reg = context.registry(ctx)
    names = reg.list_models()
    if json_out:
        context.emit_json({
            "registry": str(reg.path),
            "models": [
                {"model_name": name, "versions": [v.to_dict() for v in reg.list_versions(name)]}
                for name in names
            ],
        })
        return
    console = context.out()
    if not names:
        console.print(f"No models registered in {reg.path}", markup=False)
        return
    console.print("Registered Models:", style="bold", markup=False)
    console.print(RULE, markup=False)
    plain = console.color_system is None  # a pipe or NO_COLOR: no layout work
    # One model at a time (memory stays O(model)), one print per model: rich's
    # per-call overhead would cost seconds at 10,000 versions.
    for name in names:
        versions = reg.list_versions(name)
        deployed = sum(1 for v in versions if v.deployed)
        body = Text()
        body.append("\n")
        body.append(name, style="bold")
        body.append(f"\n  Versions: {len(versions)} ({deployed} deployed)\n")
        for v in versions:
            body.append("  ")
            body.append_text(version_line(v))
            body.append("\n")
        if plain:
            sys.stdout.write(body.plain)
        else:
            console.print(body, end="")
