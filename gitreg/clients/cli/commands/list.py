from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Context

if TYPE_CHECKING:
    from gitreg.core.listed import ListedModel


def run(ctx: Context, json_out: options.Json = False, metrics: options.Metrics = None) -> None:
    """List every model and its versions (● deployed, ○ not)."""
    from gitreg.api.report import RULE
    from gitreg.clients.cli import columns
    from gitreg.clients.cli.render import listed_lines, status_style
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
    # One model at a time, one write per model: rich's per-call overhead would cost seconds at
    # 10,000 versions. A listing, not records (reg.listing): a line shows a few fields of each
    # version, which the registry-wide view index holds (else they are read as rows).
    if context.plain_stdout():  # a pipe or NO_COLOR: the seed's text, without rich
        sys.stdout.write(f"Registered Models:\n{RULE}\n")
        for listed in reg.listing(names, wanted):
            lines = [clean(listed.name, one_line=True), _count(listed)]
            lines += ["  " + line for line in listed_lines(listed)]
            sys.stdout.write("\n" + "\n".join(lines) + "\n")
        return
    from rich.text import Text

    console = context.out()
    console.print("Registered Models:", style="bold")
    console.print(RULE)
    for listed in reg.listing(names, wanted):
        body = Text("\n")
        body.append(clean(listed.name, one_line=True), style="bold")
        body.append(f"\n{_count(listed)}\n")
        for line, status, envs in zip(listed_lines(listed), listed.statuses, listed.environments):
            body.append("  ")
            body.append(line, style=status_style(status, bool(envs)))
            body.append("\n")
        console.print(body, end="")


def _count(listed: "ListedModel") -> str:
    return f"  Versions: {len(listed.versions)} ({listed.deployed} deployed)"
