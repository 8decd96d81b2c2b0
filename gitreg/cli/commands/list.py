from __future__ import annotations

import typer

from .. import context, options


def run(ctx: typer.Context, json_out: options.Json = False) -> None:
    """List every model and its versions (● deployed, ○ not)."""
    from gitreg.report import RULE

    from ..render import version_line

    reg = context.registry(ctx)
    models = {name: reg.list_versions(name) for name in reg.list_models()}
    if json_out:
        context.emit_json({
            "registry": str(reg.path),
            "models": [
                {"model_name": name, "versions": [v.to_dict() for v in versions]}
                for name, versions in models.items()
            ],
        })
        return
    console = context.out()
    if not models:
        console.print(f"No models registered in {reg.path}", markup=False)
        return
    console.print("Registered Models:", style="bold", markup=False)
    console.print(RULE, markup=False)
    for name, versions in models.items():
        deployed = sum(1 for v in versions if v.deployed)
        console.print()
        console.print(name, style="bold", markup=False)
        console.print(f"  Versions: {len(versions)} ({deployed} deployed)", markup=False)
        for v in versions:
            console.print("  ", version_line(v), sep="")
