from __future__ import annotations

import sys

import typer

from .. import context, options


def run(ctx: typer.Context, json_out: options.Json = False) -> None:
    """List every model and its versions (● deployed, ○ not)."""
    from gitreg.report import RULE, model_block

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
    if not names:
        context.say(f"No models registered in {reg.path}")
        return
    # One model at a time (memory stays O(model)), one write per model: rich's
    # per-call overhead would cost seconds at 10,000 versions.
    if context.plain_stdout():  # a pipe or NO_COLOR: the seed's text, without importing rich
        sys.stdout.write(f"Registered Models:\n{RULE}\n")
        for name in names:
            sys.stdout.write("\n" + "\n".join(model_block(name, reg.list_versions(name))) + "\n")
        return
    from rich.text import Text

    from ..render import version_line

    console = context.out()
    console.print("Registered Models:", style="bold", markup=False)
    console.print(RULE, markup=False)
    for name in names:
        versions = reg.list_versions(name)
        count = sum(1 for v in versions if v.deployed)
        body = Text("\n")
        body.append(name, style="bold")
        body.append(f"\n  Versions: {len(versions)} ({count} deployed)\n")
        for v in versions:
            body.append("  ")
            body.append_text(version_line(v))
            body.append("\n")
        console.print(body, end="")
