from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.commands.deploy import signed
from gitreg.clients.cli.framework import Argument, Context


def run(
    ctx: Context,
    model: options.Ref,
    version: Annotated[
        Optional[str],
        Argument(autocompletion=complete.versions, help="Version expected to be live (default: whatever is).")
    ] = None,
    env: options.Env = "production",
    reason: options.Reason = "",
    sign: options.Sign = None,
) -> None:
    """Take a model out of an environment."""
    reg = context.registry(ctx)
    record = reg.undeploy(model, version, environment=env, reason=reason, sign=sign)
    if reg.earlier_attempt is not None:  # a retry whose first attempt reached the remote
        context.say(reg.earlier_attempt.message)
        return
    context.say(f"Undeployed {record.model_name} {record.previous_version} from {env}" + signed(reg, record.commit))
