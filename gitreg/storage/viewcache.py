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
from typing import Any, Optional, Sequence

from .cache import DIR_NAME, _write

FORMAT = "gitreg-views/1"
MAX_FILE = 256 * 1024 * 1024  # bytes: a cache file larger than this is not ours


class ViewCache:
    def __init__(self, gitdir: Path, model: str, columns: Sequence[str]) -> None:
        self.path = gitdir / DIR_NAME / f"{model}.views.json"
        self.columns = list(columns)
        self.entries: dict[str, Any] = self._load()
        self.dirty = False

    def _load(self) -> dict[str, Any]:
        try:
            info = os.lstat(self.path)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE:
                return {}
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        entries = data.get("entries")
        if not isinstance(entries, dict) or not isinstance(entries.get("columns"), list):
            return {}
        return entries if entries["columns"] == self.columns else {}

    def get(self, tag: str) -> Optional[list[Any]]:
        """[commit, note, values, metrics] for tag, when well-formed (the caller checks the note)."""
        entry = self.entries.get(tag)
        if (isinstance(entry, list) and len(entry) == 4 and isinstance(entry[0], str)
                and isinstance(entry[2], list) and len(entry[2]) == len(self.columns)
                and isinstance(entry[3], dict)):
            return entry
        return None

    def put(self, tag: str, commit: str, note: str, values: list[Any], metrics: dict[str, Any]) -> None:
        self.entries[tag] = [commit, note, values, metrics]
        self.dirty = True

    def flush(self) -> None:
        if self.dirty:
            self.dirty = False
            self.entries["columns"] = self.columns
            _write(self.path, self.entries, FORMAT)
