"""Global options after the command: `gitreg list -R x` means `gitreg -R x list`.

A group's options are read before its subcommand. The arguments after
the command are scanned with that command's own options in hand, so an option
value that happens to read `-R` (`--notes -R`) is left where it is, and a command
that defines one of these options itself keeps it.
"""
from __future__ import annotations

from typing import Optional

from gitreg.clients.cli.framework.spec import Command

WITH_VALUE = ("-R", "--registry")
FLAGS = ("--offline", "--no-cache")


def _own_options(command: Command) -> tuple[set[str], set[str]]:
    """(options taking a value, all option names) of a command and, for a group, its subcommands."""
    takes_value: set[str] = set()
    names: set[str] = set()
    stack = [command]
    while stack:
        cmd = stack.pop()
        if cmd.is_group and cmd.subcommands is not None and cmd.resolve is not None:
            stack.extend(sub for sub in map(cmd.resolve, cmd.subcommands()) if sub is not None)
        for param in cmd.params:
            if param.kind != "option":
                continue
            opts = set(param.opts) | set(param.secondary)
            names |= opts
            if param.takes_value:
                takes_value |= opts
    return takes_value, names


def command_at(args: list[str]) -> Optional[int]:
    """Where the command is in args: the first word that is not a global option or its value."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return None
        if arg in WITH_VALUE:
            i += 2
            continue
        if not arg.startswith("-"):
            return i
        i += 1
    return None


def hoist(args: list[str], root: Command) -> list[str]:
    """args with the global options found after the command moved before it."""
    at = command_at(args)
    command = root.resolve(args[at]) if at is not None and root.resolve is not None else None
    if command is None:
        return args
    name = args[at]
    takes_value, own = _own_options(command)
    moved: list[str] = []
    kept: list[str] = []
    tail = args[at + 1:]
    i = 0
    while i < len(tail):
        arg = tail[i]
        if arg == "--":
            kept += tail[i:]
            break
        if arg in own:
            kept += tail[i:i + 2] if arg in takes_value else [arg]
            i += 2 if arg in takes_value else 1
            continue
        if arg in WITH_VALUE and i + 1 < len(tail):
            moved += tail[i:i + 2]
            i += 2
            continue
        if arg in FLAGS or arg.startswith("--registry=") or (arg.startswith("-R") and len(arg) > 2):
            moved.append(arg)
        else:
            kept.append(arg)
        i += 1
    return args[:at] + moved + [name] + kept
