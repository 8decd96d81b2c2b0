"""Conversion of command-line values, and the one style of number errors.

gitreg's own conversion (no pydantic, no typer): values are str, int, float, bool or Path,
and a bad one is a usage error worded "Invalid value for '--x': 'abc' is not a whole number".
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional


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


def convert(kind: Any, value: str) -> Any:
    """One command-line word as `kind` (str, int, float, Path); ValueError in gitreg's words."""
    if kind is int:
        return parse_int(value)
    if kind is float:
        return parse_number(value)
    if kind is Path:
        return Path(value)
    return str(value)


def in_range(value: Any, low: Optional[float], high: Optional[float]) -> Any:
    """A number's `min=` / `max=` (`--port 80000`): ValueError "80000 is out of range: from 0 to 65535"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low} to {high}" if low is not None and high is not None else (
                f"at least {low}" if low is not None else f"at most {high}")
            raise ValueError(f"{value} is out of range: {bounds}")
    return value
