"""Plain conversion of command-line values, without pydantic.

Recent typer converts every parameter through a pydantic TypeAdapter, built on
first use: importing pydantic and building the adapters cost ~0.1 s per gitreg
process, a third of a typical command. gitreg's parameters are only str, int,
float, bool, Path and list[str], so they get a direct conversion with the same
error messages. On a typer without that machinery this does nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

_MESSAGES = {
    int: "Input should be a valid integer, unable to parse string as an integer",
    float: "Input should be a valid number, unable to parse string as a number",
}
_LIST_STR = list[str]


def _convert(annotation: Any, value: Any) -> Any:
    if annotation is str:
        return str(value)
    if annotation is int:
        if isinstance(value, bool):
            raise ValueError(value)
        return value if isinstance(value, int) else int(str(value).strip())
    if annotation is float:
        if isinstance(value, bool):
            raise ValueError(value)
        return float(value) if isinstance(value, (int, float)) else float(str(value).strip())
    if annotation is bool:
        return bool(value)
    if annotation is Path:
        return value if isinstance(value, Path) else Path(value)
    if annotation == _LIST_STR:
        return [str(v) for v in value]
    raise TypeError(annotation)


_SUPPORTED = (str, int, float, bool, Path)


def install(command: Any) -> None:
    """Give every parameter of `command` (and its subcommands) a plain converter."""
    try:
        from typer._coercion import RuntimeParam
    except ImportError:  # a typer that converts without pydantic
        return

    @dataclass(frozen=True)
    class Plain(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return _convert(self.annotation, value)
            except (TypeError, ValueError):
                raise typer.BadParameter(
                    _MESSAGES.get(self.annotation, f"Input should be a valid {self.annotation}"),
                    ctx=ctx, param=param,
                ) from None

    def plain(param: Any) -> None:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            return
        annotation = descriptor.annotation
        if annotation in _SUPPORTED or annotation == _LIST_STR:
            param._runtime_param = Plain(parameter_info=descriptor.parameter_info, annotation=annotation)

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
