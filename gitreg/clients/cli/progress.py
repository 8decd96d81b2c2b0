"""Rich progress bars on stderr (only on a terminal): hashing large artifact files, large imports."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator

LARGE = 64 * 1024 * 1024  # bytes to hash before a bar is worth showing
LARGE_IMPORT = 50  # steps (models, versions, deployments, notes) before an import shows a bar


class RichProgress:
    """One bar at a time, shown only when the work announced by begin() is at least `threshold`.

    It has the begin/advance/end shape of artifacts.HashProgress, which imports also use.
    """

    def __init__(self, kind: str) -> None:
        self._kind = kind  # "bytes" or "steps"
        self._progress: Any = None
        self._task: Any = None

    def begin(self, label: str, total: int) -> None:
        if total < (LARGE if self._kind == "bytes" else LARGE_IMPORT):
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        columns = (
            (TextColumn("hashing {task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
            if self._kind == "bytes"
            else (TextColumn("hashing {task.description}"), BarColumn(), MofNCompleteColumn())
        )
        self._progress = Progress(*columns, TimeRemainingColumn(), console=Console(file=sys.stderr),
                                  transient=True)
        self._progress.start()
        self._task = self._progress.add_task(label, total=total)

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def end(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class PlainProgress:
    """Under NO_COLOR or TERM=dumb: no live bar (it needs cursor codes), one line saying what runs."""

    def __init__(self, kind: str) -> None:
        self._kind = kind

    def begin(self, label: str, total: int) -> None:
        if total < (LARGE if self._kind == "bytes" else LARGE_IMPORT):
            return
        from gitreg.clients.cli.terminal import size, write

        what = f"hashing {label} ({size(total)})" if self._kind == "bytes" else f"{label} ({total} steps)"
        write(f"gitreg: {what}", sys.stderr)

    def advance(self, n: int) -> None:
        pass

    def end(self) -> None:
        pass


@contextmanager
def _bar(kind: str) -> Iterator[Any]:
    from gitreg.clients.cli.terminal import colour_allowed

    if not sys.stderr.isatty():
        progress: Any = None
    else:
        progress = RichProgress(kind) if colour_allowed() else PlainProgress(kind)
    try:
        yield progress
    finally:
        if progress is not None:
            progress.end()


def hash_progress() -> Any:
    """A bar for hashing artifact files (`with hash_progress() as progress:`)."""
    return _bar("bytes")


def step_progress() -> Any:
    """A bar counting the writes of a large import."""
    return _bar("steps")


def transfers_shown(quiet: bool) -> bool:
    """Whether git-lfs may draw its upload/download progress on stderr (a terminal, not -q)."""
    return not quiet and sys.stderr.isatty()
