from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import context, options


def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(
        metavar="REF", help="MODEL VERSION, or one reference: MODEL:VERSION, MODEL@ENV (promote what ENV runs).")],
    version: Annotated[Optional[str], typer.Argument(help="Version to deploy.")] = None,
    env: options.Env = "production",
    reason: options.Reason = "",
    sign: options.Sign = None,
) -> None:
    """Deploy a version to an environment.

    Appends a commit to refs/deployed/ENV/MODEL. A newer version deployed over an
    older one deprecates the older one, unless it is still live elsewhere.
    """
    reg = context.registry(ctx)
    record = reg.deploy(model, version, environment=env, reason=reason, sign=sign)
    if record is None:  # nothing written: resolving again names what is live there
        model, version = reg.resolve(model, version)
        context.say(f"{model} {version} is already deployed in {env}")
        return
    model = record.model_name
    context.say(f"Deployed {model} {record.version} to {env}" + _replaced(reg, model, record.previous_version))


def _replaced(reg, model: str, previous) -> str:
    if previous is None:
        return ""
    deprecated = reg.get_version(model, previous).status.value == "deprecated"
    return f" (was {previous}{'; now deprecated' if deprecated else ''})"
