"""A rich progress bar for hashing large artifact files (only on a terminal)."""
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
