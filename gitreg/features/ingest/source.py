"""Reading one user file (JSON or YAML) safely: regular files only, bounded in size."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from gitreg.core import yamlio
from gitreg.core.errors import InvalidValueError

MAX_BYTES = 64 * 1024 * 1024  # lm-eval results with every task config are a few MB


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes; a FIFO, device or directory is refused (reading would hang or never end)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InvalidValueError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InvalidValueError(f"{path} is not a regular file")
        if info.st_size > MAX_BYTES:
            raise InvalidValueError(f"{path} is {info.st_size} bytes; at most {MAX_BYTES} are read")
        return fh.read(MAX_BYTES + 1)


def parse(data: bytes, name: str) -> Any:
    """JSON when the name ends in .json (or the text starts like JSON), else YAML (1.2 numbers)."""
    stripped = data.lstrip()
    if name.endswith(".json") or stripped[:1] in (b"{", b"["):
        try:
            return json.loads(data)
        except ValueError as exc:
            if name.endswith(".json"):
                raise InvalidValueError(f"{name} is not valid JSON ({exc})") from None
    return yamlio.load_user(data, name)


def mapping(data: bytes, name: str) -> dict[str, Any]:
    value = parse(data, name)
    if not isinstance(value, dict):
        raise InvalidValueError(f"{name} must hold a mapping of names to values, found {type(value).__name__}")
    return value


def basename(name: str) -> str:
    return Path(name).name
