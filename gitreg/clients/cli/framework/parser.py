"""Parse a command line and run the command, by click's rules (which gitreg's users and tests know).

Why not argparse: click's rules are part of gitreg's interface and argparse differs on them: an
option's value is the next word whatever it looks like (`--notes -R`, `--accuracy -inf`), options
and arguments mix freely, and errors have click's wording ("Missing argument 'REF'."). These
rules fit in this one module and import nothing.
"""
from __future__ import annotations

import sys
from typing import Any

from gitreg.clients.cli import coercion
from gitreg.clients.cli.framework.decl import BadParameter, Context, Exit, UsageError
from gitreg.clients.cli.framework.spec import Command, Param

_UNSET = object()


def _no_such_option(name: str, cmd: Command, ctx: Context) -> UsageError:
    import difflib

    names = [o for p in cmd.params if p.kind == "option" and not p.hidden for o in p.opts + p.secondary]
    close = difflib.get_close_matches(name, names)
    message = f"No such option: {name}"
    if close:
        message += f" (Possible options: {', '.join(sorted(close))})"
    return UsageError(message, ctx, option_name=name)


def split(cmd: Command, args: list[str], ctx: Context) -> tuple[dict[str, list[Any]], list[str], list[str]]:
    """(raw option values by parameter name, in the order given; positional words; eager names given).

    A group stops at its first positional word: the rest belongs to the subcommand."""
    given: dict[str, list[Any]] = {}
    order: list[str] = []
    positionals: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            positionals += args[i:]
            break
        if not arg.startswith("-") or arg == "-":
            if cmd.is_group:
                positionals += args[i - 1:]
                break
            positionals.append(arg)
            continue
        name, eq, explicit = arg.partition("=")
        param = cmd.option(name)
        if param is not None:
            if param.flag:
                if eq:
                    raise UsageError(f"Option '{name}' does not take a value.", ctx)
                value: Any = name not in param.secondary
            elif eq:
                value = explicit
            elif i < len(args):
                value, i = args[i], i + 1
            else:
                raise UsageError(f"Option '{name}' requires an argument.", ctx)
            given.setdefault(param.name, []).append(value)
            order.append(param.name)
            continue
        if arg.startswith("--"):
            raise _no_such_option(name, cmd, ctx)
        j = 1  # a cluster of short options: -qn, -Rpath
        while j < len(arg):
            short = "-" + arg[j]
            param = cmd.option(short)
            if param is None:
                raise UsageError(f"No such option: {short}", ctx, option_name=short)
            j += 1
            if param.flag:
                given.setdefault(param.name, []).append(short not in param.secondary)
            else:
                if j < len(arg):
                    value = arg[j:]
                elif i < len(args):
                    value, i = args[i], i + 1
                else:
                    raise UsageError(f"Option '{short}' requires an argument.", ctx)
                given.setdefault(param.name, []).append(value)
                j = len(arg)
            order.append(param.name)
    return given, positionals, order


def _assign(cmd: Command, positionals: list[str], given: dict[str, list[Any]], ctx: Context) -> list[str]:
    """Give the positional words to the arguments (one each; a list argument takes the rest)."""
    arguments = [p for p in cmd.params if p.kind == "argument"]
    words = list(positionals)
    for n, param in enumerate(arguments):
        if param.nargs == -1:
            after = sum(1 for p in arguments[n + 1:])
            take = max(len(words) - after, 0)
            if take:
                given[param.name] = words[:take]
            words = words[take:]
        elif words:
            given[param.name] = [words.pop(0)]
    return words


def _value(param: Param, raw: Any, ctx: Context) -> Any:
    """The converted value of a parameter (its default when not given)."""
    if raw is _UNSET:
        if param.required:
            if param.kind == "argument":
                raise UsageError(f"Missing argument {param.error_hint()}.", ctx)
            raise UsageError(f"Missing option {param.error_hint()}.", ctx)
        return param.default
    try:
        if param.flag:
            return raw[-1]
        values = [coercion.in_range(coercion.convert(param.type, v), param.min, param.max) for v in raw]
    except ValueError as exc:
        raise BadParameter(str(exc), ctx, param) from None
    if param.multiple or param.nargs == -1:
        return values
    return values[-1]


def print_help(cmd: Command, ctx: Context) -> None:
    from gitreg.clients.cli.framework.helpfmt import render

    sys.stdout.write(render(cmd, ctx))


def bind(cmd: Command, args: list[str], ctx: Context) -> list[str]:
    """Parse args into ctx.params (eager parameters first, as click); the words left for a subcommand."""
    given, positionals, order = split(cmd, args, ctx)
    rest = positionals if cmd.is_group else _assign(cmd, positionals, given, ctx)
    eager = [p for name in dict.fromkeys(order) for p in cmd.params if p.name == name and p.is_eager]
    for param in eager + [p for p in cmd.params if p not in eager]:
        if param.name == "help":
            if given.get("help"):
                print_help(cmd, ctx)
                raise Exit(0)
            continue
        value = _value(param, given.get(param.name, _UNSET), ctx)
        ctx.params[param.name] = value
        if param.callback is not None:
            param.callback(value)
    ctx.params = {p.name: ctx.params[p.name] for p in cmd.params if p.name in ctx.params}
    if rest and not cmd.is_group:  # after the values, as click: `list -h extra` is help
        raise UsageError(f"Got unexpected extra argument(s) ({' '.join(rest)})", ctx)
    return rest


def _call(cmd: Command, ctx: Context) -> Any:
    if cmd.fn is None:
        return None
    kwargs = dict(ctx.params)
    if cmd.ctx_arg is not None:
        kwargs[cmd.ctx_arg] = ctx
    try:
        return cmd.fn(**kwargs)
    except UsageError as exc:  # raised by a command's own checks: its help is the one to see
        if exc.ctx is None:
            exc.ctx = ctx
        raise


def invoke(cmd: Command, args: list[str], ctx: Context) -> Any:
    """Run cmd with args: a group runs its callback, then the subcommand named next."""
    if cmd.is_group and not args and cmd.no_args_is_help:
        print_help(cmd, ctx)
        raise Exit(0)
    rest = bind(cmd, args, ctx)
    if not cmd.is_group:
        return _call(cmd, ctx)
    if not rest:
        if cmd.invoke_without_command:
            return _call(cmd, ctx)
        raise UsageError("Missing command.", ctx)
    name = rest[0]
    sub = cmd.resolve(name) if cmd.resolve is not None else None
    if sub is None:
        raise no_such_command(cmd, name, ctx)
    ctx.invoked_subcommand = name
    _call(cmd, ctx)
    return invoke(sub, rest[1:], Context(name, parent=ctx, command=sub))


def no_such_command(cmd: Command, name: str, ctx: Context) -> UsageError:
    import difflib

    names = [n for n, (_, hidden) in (cmd.subcommands() if cmd.subcommands else {}).items() if not hidden]
    close = difflib.get_close_matches(name, names)
    message = f"No such command {name!r}."
    if close:
        message += f" Did you mean {', '.join(repr(c) for c in close)}?"
    return UsageError(message, ctx)
