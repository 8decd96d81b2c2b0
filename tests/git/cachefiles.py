"""Reading gitreg's sealed cache files in tests."""
from __future__ import annotations

import json
from pathlib import Path

from gitreg.git.cache.cache import sealed_length


def cache_json(path: Path):
    """The JSON content of a cache file gitreg wrote (its seal checked and cut off)."""
    raw = Path(path).read_bytes()
    size = sealed_length(raw)
    assert size is not None, f"{path} is not sealed by this user's gitreg"
    return json.loads(raw[:size])
