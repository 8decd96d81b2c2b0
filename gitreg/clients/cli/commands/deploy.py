from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, Context, Option


def run(
    ctx: Context,
    model: Annotated[str, Argument(
        metavar="REF", autocompletion=complete.models,
        help="MODEL VERSION, or one reference: MODEL:VERSION, MODEL@ENV (promote what ENV runs).")],
    version: Annotated[Optional[str], Argument(autocompletion=complete.versions, help="Version to deploy.")] = None,
    env: options.Env = "production",
    reason: options.Reason = "",
    sign: options.Sign = None,
    new_env: Annotated[
        bool, Option("--new-env", help="Create ENV: no model has been deployed there yet.")
    ] = False,
    force: Annotated[
        bool, Option("--force", help="Deploy even a draft or training version, or over a deployment naming a "
                                     "missing version.")
    ] = False,
    dry_run: options.DryRun = False,
) -> None:
    """Deploy a version to an environment.

    Appends a commit to refs/deployed/ENV/MODEL. A newer version deployed over an
    older one deprecates the older one, unless it is still live elsewhere.
    """
    reg = context.registry(ctx)
    record = reg.deploy(model, version, environment=env, reason=reason, sign=sign,
                        new_environment=new_env, force=force, dry_run=dry_run)
    if dry_run:
        context.show_preview(record)
        return
    if reg.earlier_attempt is not None:  # a retry whose first attempt reached the remote
        context.say(reg.earlier_attempt.message)
        return
    if record is None:  # nothing written: resolving again names what is live there
        model, version = reg.resolve(model, version)
        context.say(f"{model} {version} is already deployed in {env}")
        return
    model = record.model_name
    context.say(f"Deployed {model} {record.version} to {env}" + _replaced(reg, model, record.previous_version)
                + signed(reg, record.commit))


def signed(reg, commit: str) -> str:
    """' (signed)' after the confirmation of a write whose commit is signed."""
    return " (signed)" if reg.is_signed(commit) else ""


def _replaced(reg, model: str, previous) -> str:
    if previous is None:
        return ""
    from gitreg.core.errors import VersionNotFoundError

    try:
        deprecated = reg.get_version(model, previous).status.value == "deprecated"
    except VersionNotFoundError:  # a deployment that named a version not in the registry
        return f" (was {previous}, not a version in this registry)"
    return f" (was {previous}{'; now deprecated' if deprecated else ''})"
