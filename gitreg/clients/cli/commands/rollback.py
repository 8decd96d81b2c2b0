from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.commands.deploy import _replaced, signed
from gitreg.clients.cli.framework import Argument, Context


def run(
    ctx: Context,
    model: options.Ref,
    version: Annotated[
        Optional[str],
        Argument(autocompletion=complete.versions, help="Version to go back to (default: the previous one).")
    ] = None,
    env: options.Env = "production",
    reason: options.Reason = "",
    sign: options.Sign = None,
) -> None:
    """Roll an environment back to an earlier version.

    Without VERSION: the version that was live before the current one. The
    replaced version becomes deprecated.
    """
    reg = context.registry(ctx)
    v = reg.rollback(model, version, environment=env, reason=reason, sign=sign, earlier_only=True)
    if reg.earlier_attempt is not None:  # a retry whose first attempt reached the remote
        context.say(reg.earlier_attempt.message)
        return
    model = v.model_name
    last = reg.deployment_history(model, env)[-1]
    context.say(f"Rolled back {model} in {env} to {v.version}" + _replaced(reg, model, last.previous_version)
                + signed(reg, last.commit))
