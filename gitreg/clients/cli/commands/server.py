"""`gitreg server install|pre-receive|post-receive`: gitreg's own hooks in a shared bare repository."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli.context import say
from gitreg.clients.cli.framework import Argument, Exit, Group, Option
from gitreg.clients.cli.terminal import write

app = Group(
    name="server", no_args_is_help=True,
    help="Server side of a shared registry: install and run gitreg's pre-receive and post-receive hooks.",
)

Repo = Annotated[Path, Option("--repo", help="The bare repository (default: the hook's, i.e. $GIT_DIR or .).")]


@app.command("install")
def install(
    repo: Annotated[Path, Argument(help="The bare repository the server serves.")],
    force: Annotated[bool, Option("--force", help="Replace hooks that are not gitreg's.")] = False,
    python: Annotated[Optional[str], Option(
        "--python", metavar="PATH",
        help="The Python the hooks run (default: this one); for a server user that cannot run this one.")] = None,
) -> None:
    """Install gitreg's pre-receive (checks every push) and post-receive (events) hooks."""
    from gitreg.clients.server.install import install as do_install

    say(do_install(repo, force=force, python=python).message)


def _hook(name: str, repo: Path) -> None:
    from gitreg.clients.server import hooks

    run = hooks.pre_receive if name == "pre-receive" else hooks.post_receive
    lines = run(repo, sys.stdin, hooks.pusher())
    for line in lines:
        write(line, sys.stderr)
    if name == "pre-receive" and lines:
        raise Exit(1)


@app.command("pre-receive")
def pre_receive(repo: Repo = Path(".")) -> None:
    """What hooks/pre-receive runs: refuse the push (one line per reason) if any update breaks the rules."""
    _hook("pre-receive", repo)


@app.command("post-receive")
def post_receive(repo: Repo = Path(".")) -> None:
    """What hooks/post-receive runs: turn the accepted push into events (never fails the push)."""
    _hook("post-receive", repo)
