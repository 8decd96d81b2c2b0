"""Reading gitreg's sealed cache files in tests."""
from __future__ import annotations

import json
from pathlib import Path

from gitreg.git.cache.cache import seal, sealed_length


def cache_json(path: Path):
    """The JSON content of a cache file gitreg wrote (its seal checked and cut off)."""
    raw = Path(path).read_bytes()
    size = sealed_length(raw)
    assert size is not None, f"{path} is not sealed by this user's gitreg"
    return json.loads(raw[:size])


def write_sealed(path: Path, doc) -> None:
    """Write a JSON cache file sealed as this user's gitreg would: the checks behind the seal
    (shapes, types, names) are then what is under test."""
    content = json.dumps(doc).encode()
    Path(path).write_bytes(content + seal(content))
