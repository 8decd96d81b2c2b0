"""The one way the benchmark scripts time a job: the median of `repeat` runs, or a job's steps."""
from __future__ import annotations

import statistics
import time
from typing import Callable


def median_time(fn: Callable[[], object], repeat: int, before: Callable[[], object] = lambda: None) -> float:
    """Median seconds of `fn()` over `repeat` runs, `before()` (untimed set-up) before each."""
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Steps:
    """CPU seconds of a job's successive steps in one process: `step(name)` closes the step
    that ran since the previous one (or since the Steps was made)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._clock = time.process_time()

    def step(self, name: str) -> None:
        now = time.process_time()
        self.spent[name] = now - self._clock
        self._clock = now
