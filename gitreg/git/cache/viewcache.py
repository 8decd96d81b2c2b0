"""The derived cache of query views: one JSON file per model, `<model>.views.json`.

An entry is keyed by a version tag's object id and holds [commit id, note blob id
("" for none), the view's values in `columns` order, its metrics]: a tag never moves,
so the entry stays true for as long as the version's note is the one recorded. Rules
as in cache.py: never the source of truth; a missing, unreadable, foreign or
non-regular file reads as empty; writes are atomic (temp file + rename) and failures
are ignored; concurrent writers only lose entries. Values are JSON arrays, not text
in text, so a warm query of 100,000 versions is one parse per model file.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Sequence

from gitreg.git.cache.cache import DIR_NAME, _write, disabled, sealed_length

FORMAT = "gitreg-views/3"  # 2: params.* among the metrics; 3: text params too
MAX_FILE = 256 * 1024 * 1024  # bytes: a cache file larger than this is not ours


class ViewCache:
    """`entries`: {tag id: [commit id, note blob id or "", values in `columns` order, metrics]};
    readers check every entry's shape and its note before using it (gitreg/features/query/index.py)."""

    def __init__(self, gitdir: Path, model: str, columns: Sequence[str]) -> None:
        self.path = gitdir / DIR_NAME / f"{model}.views.json"
        self.columns = list(columns)
        self.entries: dict[str, Any] = self._load()
        self.dirty = False

    def _load(self) -> dict[str, Any]:
        if disabled():
            return {}
        try:
            info = os.lstat(self.path)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE:
                return {}
            raw = self.path.read_bytes()
            size = sealed_length(raw)
            if size is None:
                return {}  # not sealed by this user's gitreg
            data = json.loads(raw[:size])
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        entries = data.get("entries")
        if not isinstance(entries, dict) or not isinstance(entries.get("columns"), list):
            return {}
        return entries if entries["columns"] == self.columns else {}

    def put(self, tag: str, commit: str, note: str, values: list[Any], metrics: dict[str, Any]) -> None:
        self.entries[tag] = [commit, note, values, metrics]
        self.dirty = True

    def flush(self) -> None:
        if self.dirty:
            self.dirty = False
            self.entries["columns"] = self.columns
            _write(self.path, self.entries, FORMAT)
