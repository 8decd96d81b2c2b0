"""Plain conversion of command-line values, without pydantic, and the one style of number errors.

Recent typer converts every parameter through a pydantic TypeAdapter, built on
first use: importing pydantic and building the adapters cost ~0.14 s per gitreg
process (measured: 0.28 s vs 0.42 s for `add`), a third of a typical command.
Typer offers no public way around it (even `parser=` builds an adapter), so
`install` hooks typer's per-parameter converter, which is not public API. It is
an optional speed-up that checks the shape it relies on and otherwise does
nothing: on any other typer every command still works through typer's own
conversion (slower; values then fail with typer's wording, same exit status).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

_LIST_STR = list[str]


def parse_int(value: Any) -> int:
    """A whole number from the command line; ValueError says what was wrong in gitreg's words."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{str(value)!r} is not a whole number") from None


def parse_number(value: Any) -> float:
    """A finite number from the command line (`nan` and `inf` are refused like `abc`)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"{str(value)!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{str(value)!r} is not a finite number")
    if number == 0 and any(c in "123456789" for c in str(value).lower().partition("e")[0]):
        raise ValueError(f"{str(value)!r} is too small to store (it would be kept as 0)")
    return number


def _convert(annotation: Any, value: Any) -> Any:
    if annotation is str:
        return str(value)
    if annotation is int:
        return parse_int(value)
    if annotation is float:
        return parse_number(value)
    if annotation is bool:
        return bool(value)
    if annotation is Path:
        return value if isinstance(value, Path) else Path(value)
    if annotation == _LIST_STR:
        return [str(v) for v in value]
    raise TypeError(annotation)


_SUPPORTED = (str, int, float, bool, Path)


def _in_range(value: Any, info: Any) -> Any:
    """typer's `min=` / `max=` of a number (`--port 80000`), which its own conversion would check."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low} to {high}" if low is not None and high is not None else (
                f"at least {low}" if low is not None else f"at most {high}")
            raise ValueError(f"{value} is out of range: {bounds}")
    return value


def install(command: Any) -> None:
    """Give every parameter of `command` (and its subcommands) a plain converter."""
    try:
        from typer._coercion import RuntimeParam
    except ImportError:  # a typer that converts without pydantic, or has moved it: typer's own way
        return
    if not hasattr(RuntimeParam, "_coerce_value"):
        return

    @dataclass(frozen=True)
    class Plain(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return _in_range(_convert(self.annotation, value), self.parameter_info)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), ctx=ctx, param=param) from None
            except TypeError:
                raise typer.BadParameter(f"{value!r} is not accepted here", ctx=ctx, param=param) from None

    def plain(param: Any) -> None:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            return
        annotation = descriptor.annotation
        if annotation in _SUPPORTED or annotation == _LIST_STR:
            try:
                param._runtime_param = Plain(parameter_info=descriptor.parameter_info, annotation=annotation)
            except TypeError:  # RuntimeParam's fields changed: leave the parameter to typer
                return

    def with_plain_help(get_help_option: Any) -> Any:
        def wrapped(ctx: Any) -> Any:  # the --help option is made on first use
            option = get_help_option(ctx)
            if option is not None:
                plain(option)
            return option
        return wrapped

    stack = [command]
    while stack:
        cmd = stack.pop()
        stack.extend(getattr(cmd, "commands", {}).values())
        for param in getattr(cmd, "params", []):
            plain(param)
        if hasattr(cmd, "get_help_option"):
            cmd.get_help_option = with_plain_help(cmd.get_help_option)
