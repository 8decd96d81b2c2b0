"""A command's parameters read from its function's signature (`Annotated[type, Option(...)]`).

Only the command being run (or completed) is read, so start-up pays for one signature, not 70.
"""
from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

from gitreg.clients.cli.framework.decl import Argument, Context, Group, Option
from gitreg.core.recordbase import Record

# Placeholders in help for values without a metavar (git's manner: UPPERCASE, no Python types).
PLACEHOLDERS = {str: "TEXT", int: "N", float: "NUMBER", Path: "PATH", bool: "BOOL"}
HELP_OPTS = ("-h", "--help")


@dataclass(eq=False, repr=False)
class Param(Record):
    """One option or argument, as parsed, converted and shown in help."""

    name: str
    kind: str  # "option" or "argument"
    type: Any  # str, int, float, bool or Path
    opts: list[str] = field(default_factory=list)
    secondary: list[str] = field(default_factory=list)  # --no-sign of --sign/--no-sign
    flag: bool = False
    multiple: bool = False  # an option given again adds a value
    nargs: int = 1  # an argument of -1 takes every remaining word
    required: bool = False
    default: Any = None
    help: str = ""
    metavar: Optional[str] = None
    show_default: bool = True
    autocompletion: Optional[Callable[..., Any]] = None
    min: Optional[float] = None
    max: Optional[float] = None
    callback: Optional[Callable[[Any], Any]] = None
    is_eager: bool = False
    hidden: bool = False

    @property
    def takes_value(self) -> bool:
        return self.kind == "option" and not self.flag

    def placeholder(self) -> str:
        if self.kind == "argument":
            return self.metavar or self.name.upper()
        return self.metavar or PLACEHOLDERS.get(self.type, "VALUE")

    def error_hint(self) -> str:
        """How errors name it: "'--port' / '-p'", "'MODEL'" (click's wording, kept)."""
        if self.kind == "argument":
            return f"'{self.placeholder()}'"
        return " / ".join(f"'{o}'" for o in self.opts)


@dataclass(eq=False, repr=False)
class Command(Record):
    """A command (a function) or a group of subcommands (a Group, with its optional callback)."""

    name: str
    help: str
    params: list[Param]
    fn: Optional[Callable[..., Any]] = None
    ctx_arg: Optional[str] = None  # the function's Context parameter
    hidden: bool = False
    group: Optional[Group] = None
    subcommands: Optional[Callable[[], dict[str, tuple[str, bool]]]] = None  # name -> (short help, hidden)
    resolve: Optional[Callable[[str], Optional["Command"]]] = None
    no_args_is_help: bool = False  # a bare group prints its help (and succeeds, as git)
    invoke_without_command: bool = False  # a bare group runs its callback

    @property
    def is_group(self) -> bool:
        return self.resolve is not None

    def option(self, name: str) -> Optional[Param]:
        for p in self.params:
            if p.kind == "option" and (name in p.opts or name in p.secondary):
                return p
        return None


def help_param() -> Param:
    return Param(name="help", kind="option", type=bool, opts=list(HELP_OPTS), flag=True, default=False,
                 help="Show this message and exit.", is_eager=True)


def _unwrap(hint: Any) -> tuple[Any, Any, bool, bool]:
    """(base type, declaration, optional, list) of an annotation."""
    decl = None
    if typing.get_origin(hint) is typing.Annotated:
        hint, *extras = typing.get_args(hint)
        decl = next((e for e in extras if isinstance(e, (Option, Argument))), None)
    optional = False
    if typing.get_origin(hint) is Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0]
    is_list = typing.get_origin(hint) is list
    if is_list:
        hint = typing.get_args(hint)[0]
    return hint, decl, optional, is_list


def params_of(fn: Callable[..., Any]) -> tuple[list[Param], Optional[str]]:
    """The parameters a function declares, in order, and the name of its Context parameter."""
    hints = typing.get_type_hints(fn, include_extras=True)
    params: list[Param] = []
    ctx_arg = None
    for name, sig in inspect.signature(fn).parameters.items():
        base, decl, _, is_list = _unwrap(hints.get(name, str))
        if base is Context:
            ctx_arg = name
            continue
        if base not in PLACEHOLDERS:
            raise TypeError(f"{fn.__qualname__}: parameter {name!r} has an unsupported type {base!r}")
        has_default = sig.default is not inspect.Parameter.empty
        default = sig.default if has_default else None
        if isinstance(decl, Argument):
            params.append(Param(
                name=name, kind="argument", type=base, nargs=-1 if is_list else 1, required=not has_default,
                default=default, help=decl.help or "", metavar=decl.metavar or name.upper(),
                autocompletion=decl.autocompletion))
            continue
        decl = decl if isinstance(decl, Option) else Option()
        opts: list[str] = []
        secondary: list[str] = []
        for d in decl.decls or (f"--{name.replace('_', '-')}",):
            first, slash, second = d.partition("/")
            opts.append(first)
            if slash:
                secondary.append(second)
        params.append(Param(
            name=name, kind="option", type=base, opts=opts, secondary=secondary, flag=base is bool,
            multiple=is_list, required=not has_default, default=default, help=decl.help or "",
            metavar=decl.metavar, show_default=decl.show_default is not False,
            autocompletion=decl.autocompletion, min=decl.min, max=decl.max, callback=decl.callback,
            is_eager=decl.is_eager, hidden=decl.hidden))
    return params, ctx_arg


def command(name: str, fn: Callable[..., Any], hidden: bool = False, help: Optional[str] = None) -> Command:
    params, ctx_arg = params_of(fn)
    return Command(name=name, help=help if help is not None else (inspect.getdoc(fn) or ""),
                   params=params + [help_param()], fn=fn, ctx_arg=ctx_arg, hidden=hidden)


def summary(text: str) -> str:
    """The first paragraph of a help text, on one line (the terminal wraps it, nothing is cut)."""
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split())


def group(group: Group) -> Command:
    """A Group as a command: its callback's options, its subcommands from its own module."""
    params, ctx_arg = params_of(group.callback_fn) if group.callback_fn is not None else ([], None)

    def subcommands() -> dict[str, tuple[str, bool]]:
        return {name: (summary(inspect.getdoc(fn) or ""), hidden) for name, (fn, hidden) in group.commands.items()}

    def resolve(name: str) -> Optional[Command]:
        found = group.commands.get(name)
        return command(name, found[0], hidden=found[1]) if found is not None else None

    return Command(name=group.name, help=group.help or inspect.getdoc(group.callback_fn) or "",
                   params=params + [help_param()], fn=group.callback_fn, ctx_arg=ctx_arg, group=group,
                   subcommands=subcommands, resolve=resolve, no_args_is_help=group.no_args_is_help,
                   invoke_without_command=group.invoke_without_command)
