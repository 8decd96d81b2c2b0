from __future__ import annotations

import sys

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Context


def run(ctx: Context, json_out: options.Json = False, metrics: options.Metrics = None) -> None:
    """List every model and its versions (● deployed, ○ not)."""
    from gitreg.api.report import RULE
    from gitreg.clients.cli import columns
    from gitreg.clients.cli.render import line_style, list_line
    from gitreg.clients.cli.terminal import clean

    reg = context.registry(ctx)
    reg.check_refs()  # each reported as a problem when the command ends
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
    wanted = columns.parse(metrics)
    # One model at a time (memory stays O(model)), one write per model: rich's
    # per-call overhead would cost seconds at 10,000 versions.
    # Rows, not records (reg.list_rows): a line shows a few fields of each version.
    if context.plain_stdout():  # a pipe or NO_COLOR: the seed's text, without rich
        sys.stdout.write(f"Registered Models:\n{RULE}\n")
        for name in names:
            versions = reg.list_rows(name)
            flats = columns.flats_of(versions)
            shown = columns.for_lines(versions, wanted, flats)
            lines = [clean(name, one_line=True), _count(versions)]
            lines += ["  " + list_line(v, shown, f) for v, f in zip(versions, flats)]
            sys.stdout.write("\n" + "\n".join(lines) + "\n")
        return
    from rich.text import Text

    console = context.out()
    console.print("Registered Models:", style="bold")
    console.print(RULE)
    for name in names:
        versions = reg.list_rows(name)
        flats = columns.flats_of(versions)
        shown = columns.for_lines(versions, wanted, flats)
        body = Text("\n")
        body.append(clean(name, one_line=True), style="bold")
        body.append(f"\n{_count(versions)}\n")
        for v, flat in zip(versions, flats):
            body.append("  ")
            body.append(list_line(v, shown, flat), style=line_style(v))
            body.append("\n")
        console.print(body, end="")


def _count(versions: list) -> str:
    return f"  Versions: {len(versions)} ({sum(1 for v in versions if v.deployed)} deployed)"
