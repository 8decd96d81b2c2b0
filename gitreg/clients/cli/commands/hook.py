"""`gitreg hook install|uninstall|run`: training repositories that register their own versions."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli.context import say
from gitreg.clients.cli.framework import BadParameter, Context, Group, Option
from gitreg.clients.cli.terminal import write

app = Group(
    name="hook", no_args_is_help=True,
    help="Register versions from a training repository's commits (.gitreg.yaml, post-commit hook).",
)

Repo = Annotated[
    Path, Option("--repo", help="The training repository (default: the current directory).")
]


@app.command("install")
def install(repo: Repo = Path(".")) -> None:
    """Install the post-commit hook (honours core.hooksPath; keeps and chains an existing hook)."""
    from gitreg.clients.training import hook

    say(hook.install(repo).message)  # plain: a long path must not be wrapped


@app.command("uninstall")
def uninstall(repo: Repo = Path(".")) -> None:
    """Remove gitreg's post-commit hook and put back the hook it replaced."""
    from gitreg.clients.training import hook

    say(hook.uninstall(repo).message)


@app.command("run")
def run(
    ctx: Context,
    repo: Repo = Path("."),
    rev: Annotated[str, Option("--rev", help="The commit to register.")] = "HEAD",
    as_hook: Annotated[
        bool, Option("--hook", help="Hook mode: always exit 0; failures are one line, details in "
                                          ".git/gitreg/hook.log.")
    ] = False,
) -> None:
    """Register the commit as a version if .gitreg.yaml says so (what the hook runs; also for CI)."""
    from gitreg.clients.training import run as training_run

    registry: Optional[str] = ctx.obj.get("registry") if ctx.obj else None
    if as_hook:
        if rev != "HEAD":
            raise BadParameter("--hook registers HEAD; drop --rev", param_hint="--rev")
        result = training_run.run_as_hook(repo, registry)
        if result.line:
            write(result.line, sys.stderr)
        return
    outcome = training_run.register_commit(repo, rev, registry)
    for warning in outcome.warnings:
        write(f"gitreg: warning: {warning}", sys.stderr)
    say(outcome.message[0].upper() + outcome.message[1:])
