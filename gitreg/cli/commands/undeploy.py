from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import context, options


def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[
        Optional[str], typer.Argument(help="Version expected to be live (default: whatever is).")
    ] = None,
    env: options.Env = "production",
    reason: options.Reason = "",
    sign: options.Sign = None,
) -> None:
    """Take a model out of an environment."""
    record = context.registry(ctx).undeploy(model, version, environment=env, reason=reason, sign=sign)
    context.say(f"Undeployed {model} {record.previous_version} from {env}")
