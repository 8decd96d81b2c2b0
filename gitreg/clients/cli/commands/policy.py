"""`gitreg policy set FILE | show`: the registry's policy (docs/policy.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Argument, BadParameter, Context, Group

app = Group(name="policy", no_args_is_help=True,
    help="The registry's policy: who may sign, register, approve and deploy where (docs/policy.md).",
)
MAX_FILE = 256 << 10


@app.command("set")
def set_(
    ctx: Context,
    file: Annotated[Path, Argument(help="The policy file (YAML; see docs/policy.md).")],
    sign: options.Sign = None,
) -> None:
    """Install FILE as the policy in force: a commit on refs/gitreg/policy (admins of the current one only)."""
    from gitreg.core.errors import InvalidValueError

    try:
        with open(file, "rb") as fh:
            data = fh.read(MAX_FILE + 1)
    except OSError as exc:
        raise InvalidValueError(f"cannot read {file}: {exc.strerror}") from None
    if len(data) > MAX_FILE:
        raise InvalidValueError(f"{file} is larger than {MAX_FILE} bytes")
    reg = context.registry(ctx)
    version = reg.set_policy(data, sign=sign)
    context.say(f"Policy set ({version.commit[:12]})" + (" (signed)" if reg.is_signed(version.commit) else ""))


@app.command("show")
def show(ctx: Context) -> None:
    """Print the policy in force (nothing in force: the registry is open)."""
    version = context.registry(ctx).policy()
    if version is None:
        context.say("No policy: the registry is open (anyone who can push may write anything).")
        return
    if version.policy is None:
        raise BadParameter(f"the policy in force cannot be read: {version.problem}")
    context.out().print(f"# policy {version.commit[:12]} set by {version.author}", markup=False, style=None)
    context.out().print(context.printable(version.text.rstrip("\n")), markup=False, style=None,
                        highlight=False, soft_wrap=True)
