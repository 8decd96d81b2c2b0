"""The one way the benchmark scripts time a job: the median of `repeat` runs."""
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
