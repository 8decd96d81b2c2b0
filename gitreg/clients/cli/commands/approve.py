from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, Context, Option


def run(
    ctx: Context,
    model: Annotated[str, Argument(metavar="REF", autocompletion=complete.models,
                                         help="MODEL VERSION, or one reference: MODEL:VERSION.")],
    version: Annotated[Optional[str], Argument(autocompletion=complete.versions, help="Version.")] = None,
    env: options.Env = "production",
    reason: Annotated[Optional[str], Option("--reason", help="Why (kept with the approval).")] = None,
    sign: options.Sign = None,
) -> None:
    """Approve a version for an environment: a signed, append-only record (refs/gitreg/approvals/MODEL)."""
    reg = context.registry(ctx)
    record = reg.approve(model, version, environment=env, reason=reason, sign=sign)
    context.say(f"Approved {record.model} {record.version} for {record.environment} as {record.approver}"
                + (" (signed)" if reg.is_signed(record.commit) else ""))
