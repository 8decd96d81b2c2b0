from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, Context


def run(
    ctx: Context,
    model: Annotated[str, Argument(
        metavar="REF", autocompletion=complete.models,
        help="MODEL, MODEL:VERSION, MODEL@ENV or MODEL@latest (or MODEL VERSION).")],
    version: Annotated[Optional[str], Argument(
        autocompletion=complete.versions, help="Version (default: as REF says, else latest).")] = None,
    json_out: options.Json = False,
) -> None:
    """Show everything about one version."""
    reg = context.registry(ctx)
    v = reg.get_version(model, version)
    approvals = [a for a in reg.approvals(v.model_name) if a.version == v.version]
    if json_out:
        card = v.card
        context.emit_json({**v.to_dict(), "card": card.to_dict() if card is not None else None,
                           "approvals": [{"environment": a.environment, "approver": a.approver,
                                          "reason": a.reason, "time": a.time} for a in approvals]})
        return
    from gitreg.clients.cli.render import detail_text, print_table, version_detail

    print_table(lambda width, colour: detail_text(v, width, colour), lambda width: version_detail(v))
    for a in approvals:  # untrusted text: printed plainly
        line = f"Approved for {a.environment} by {a.approver} at {a.time}" + (f": {a.reason}" if a.reason else "")
        context.say(context.printable(line))
