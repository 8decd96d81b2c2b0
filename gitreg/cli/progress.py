"""Rich progress bars (only on a terminal): hashing large artifact files, large imports."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator, Optional

LARGE = 64 * 1024 * 1024


class RichHashProgress:
    def __init__(self) -> None:
        self._progress = None
        self._task = None

    def begin(self, label: str, total_bytes: int) -> None:
        if total_bytes < LARGE:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("hashing {task.description}"), BarColumn(), DownloadColumn(),
            TransferSpeedColumn(), TimeRemainingColumn(),
            console=Console(file=sys.stderr), transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=total_bytes)

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def end(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextmanager
def hash_progress() -> Iterator[Optional[RichHashProgress]]:
    progress = RichHashProgress() if sys.stderr.isatty() else None
    try:
        yield progress
    finally:
        if progress is not None:
            progress.end()


LARGE_IMPORT = 50  # steps (models, versions, deployments, notes) before an import shows a bar


class RichStepProgress:
    """A bar counting the writes of a large import (`importing 120/400`)."""

    def __init__(self) -> None:
        self._progress = None
        self._task = None

    def begin(self, label: str, total: int) -> None:
        if total < LARGE_IMPORT:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(file=sys.stderr), transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=total)

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def end(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextmanager
def step_progress() -> Iterator[Optional[RichStepProgress]]:
    progress = RichStepProgress() if sys.stderr.isatty() else None
    try:
        yield progress
    finally:
        if progress is not None:
            progress.end()
