"""`gitreg server install|pre-receive|post-receive`: gitreg's own hooks in a shared bare repository."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gitreg.clients.cli.context import say
from gitreg.clients.cli.helptext import GitregCommand, GitregGroup
from gitreg.clients.cli.terminal import write

app = typer.Typer(
    cls=GitregGroup,
    name="server", no_args_is_help=True, add_completion=False, rich_markup_mode=None,
    help="Server side of a shared registry: install and run gitreg's pre-receive and post-receive hooks.",
)

Repo = Annotated[Path, typer.Option("--repo", help="The bare repository (default: the hook's, i.e. $GIT_DIR or .).")]


@app.command("install", cls=GitregCommand)
def install(
    repo: Annotated[Path, typer.Argument(help="The bare repository the server serves.")],
    force: Annotated[bool, typer.Option("--force", help="Replace hooks that are not gitreg's.")] = False,
    python: Annotated[str, typer.Option("--python", help="Interpreter the hooks run (default: this one; "
                                        "the same Python version, reachable by the server's user).")] = sys.executable,
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
        raise typer.Exit(1)


@app.command("pre-receive", cls=GitregCommand)
def pre_receive(repo: Repo = Path(".")) -> None:
    """What hooks/pre-receive runs: refuse the push (one line per reason) if any update breaks the rules."""
    _hook("pre-receive", repo)


@app.command("post-receive", cls=GitregCommand)
def post_receive(repo: Repo = Path(".")) -> None:
    """What hooks/post-receive runs: turn the accepted push into events (never fails the push)."""
    _hook("post-receive", repo)
