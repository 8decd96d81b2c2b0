"""A view-index header entry's counts (rows, offset, row bytes) are non-negative ints, else the
entry (and so the file) is refused: checked inline, one model at a time."""
from __future__ import annotations

import pytest

from gitreg.git.cache import viewindex


def _entry(**change: object) -> list[object]:
    parts = {"model": "m", "key": "k" * 64, "count": 2, "offset": 0, "lengths": [3, 4], "metrics": [],
             "rows": 10, "macs": ["a" * 32] * 3, "facts": {}}
    parts.update(change)
    return list(parts.values())


def test_good_entry() -> None:
    block = viewindex._block(_entry(), 100, 1000, 2)
    assert block is not None and block.count == 2 and block.lines == [(100, 103), (103, 107)]
    assert block.rows == (107, 117)


@pytest.mark.parametrize("change", [{"count": -1}, {"offset": -5}, {"rows": -1}, {"count": True},
                                    {"offset": "0"}, {"rows": 1.0}, {"count": None}, {"rows": 10 ** 6}])
def test_bad_counts_refused(change: dict[str, object]) -> None:
    assert viewindex._block(_entry(**change), 100, 1000, 2) is None
