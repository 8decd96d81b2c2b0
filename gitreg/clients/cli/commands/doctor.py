from __future__ import annotations

from typing import Annotated

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Context, Exit, Option, confirm


def run(
    ctx: Context,
    repair: Annotated[bool, Option("--repair", help="Repair what can be (asks first).")] = False,
    yes: Annotated[bool, Option("--yes", "-y", help="With --repair: do not ask.")] = False,
    json_out: options.Json = False,
) -> None:
    """Find what a crash or a plain-git mistake left (stale locks, temporary objects,
    half-registered versions); --repair fixes it, only appending to history."""
    reg = context.registry(ctx)
    report = reg.doctor()
    if repair and any(f.repair for f in report.findings):
        if yes or confirm(f"Repair {sum(bool(f.repair) for f in report.findings)} finding(s)?"):
            report = reg.doctor(repair=True)
    if json_out:
        context.emit_json(report.to_dict())
    else:
        if not report.findings:
            context.say(f"{reg.path}: nothing to repair")
        for f in report.findings:
            state = "repaired" if f.repaired else (f"repair: {f.repair}" if f.repair else "no automatic repair")
            context.say(context.printable(f"{f.kind}: {f.subject}: {f.detail} [{state}]"))
    if not report.ok:
        raise Exit(1)
