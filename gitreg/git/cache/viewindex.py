"""The registry-wide index of query views: one file, `gitreg-cache/views.index`.

So that a search of every model reads one file, and of it only the columns the query
names (plus the rows it matched), instead of one cache file per model.

Layout (text, one JSON document per line, so every part is parsed by json alone):

    gitreg-views-index/5 <MAC of the header line>
    {"fingerprint": ..., "columns": [...], "models": [[model, key, count, offset,
      [length of each column line], [metric names], length of the rows, [MACs], {facts}], ...]}
    <one block per model: a JSON list per column, then per metric (`count` values each);
     then the rows: one line of `count` seals, 44 characters each with no separator (the MAC
     of the row line, 32 hex digits, then where the row starts, 12 hex digits: its offset from
     the first row), then `count` row lines, each what the reader makes a match's record of>

Sealed in parts (cache.py's key), so a query checks only what it reads: the first line
carries the MAC of the header line, and each model entry the MACs of its column and metric
lines and of its rows' seal line; a row is found by its offset and checked against its own
MAC in that line, so reading one row of a model hashes that row, not all of them. A line or
row that fails its MAC reads as damaged: that model's block is rebuilt from the registry,
like any block that fails a check.

`facts` are what a client needs of the model itself without reading it (its metadata and
the time of its newest event: gitreg/features/query/catalog.py); the reader checks them.

`fingerprint` names the refs the whole file was made from (git/refs/refstate.py), `key`
those of one model, so a stale file is rebuilt model by model: blocks of models whose
key is unchanged are copied as bytes. A model that cannot be indexed (a ref that is not
a plain id, a version that does not read) has key "" and no block.

Rules as in cache.py: never the source of truth; a missing, unreadable, oversized,
foreign or non-regular file reads as None; every offset is checked against the file
size here and every value by the reader (gitreg/features/query/bulk.py) before use; writes are
atomic (temp file + rename) and failures are ignored.
"""
from __future__ import annotations

import functools
import json
import mmap
import os
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from gitreg.core.recordbase import Record
from gitreg.git.cache.cache import DIR_NAME, disabled, mac, macs, open_regular, replace

FILE_NAME = "views.index"
FORMAT = b"gitreg-views-index/6"  # 2: params.* among the metrics; 3: each line sealed (cache.mac); 4: text params
# 5: an `updated` column (newest event of each version) and each model's facts (metadata, newest event)
# 6: each row sealed on its own (a line of the rows' MACs and offsets before them, sealed in the header)
_MAC = 32  # hex digits of each MAC (cache.mac)
_OFFSET = 12  # hex digits of a row's offset in its seal
_ROW_SEAL = _MAC + _OFFSET
MAX_FILE = 8 << 30  # bytes: larger is not a file gitreg wrote (100,000 versions: ~160 MB)
MAX_HEADER = 256 << 20


def path_of(gitdir: Path) -> Path:
    return gitdir / DIR_NAME / FILE_NAME


@dataclass(eq=False, repr=False)
class Block(Record):
    """Where one model's data lies in the file; `key` "" for a model not indexed."""
    model: str
    key: str
    count: int
    metrics: list[str]
    lines: list[tuple[int, int]]  # (start, end) of each column line, then each metric line
    rows: tuple[int, int]
    macs: list[str]  # of each line, then of the rows
    facts: dict[str, Any]  # the model's own (untrusted: checked by the reader); {} when not indexed


class ViewIndex:
    def __init__(self, data: bytes | mmap.mmap, fingerprint: str, columns: list[str], blocks: dict[str, Block]):
        self.data = data
        self.fingerprint = fingerprint
        self.columns = columns
        self.blocks = blocks

    @functools.cached_property
    def mac(self) -> Callable[[bytes | memoryview], str]:
        """cache.mac for the lines and rows of this file (the key located once, on first use)."""
        return macs()

    def line(self, block: Block, number: int) -> bytes:
        """A column or metric line; `null` (which no check passes) when it fails its MAC."""
        start, end = block.lines[number]
        data = self.data[start:end]
        return data if self.mac(data) == block.macs[number] else b"null"

    def row_lines(self, block: Block, numbers: list[int]) -> Optional[list[bytes]]:
        """Row lines by number, found by their offsets, each checked against its MAC; None if
        the block has fewer, or its seal line or one of these rows fails its MAC."""
        data, (at, end) = self.data, block.rows
        stop = data.find(b"\n", at, end)
        seals = data[at:stop] if stop != -1 else b""
        if len(seals) != _ROW_SEAL * block.count or self.mac(seals) != block.macs[-1]:
            return None
        first, out = stop + 1, []
        for want in numbers:
            seal = seals[_ROW_SEAL * want:_ROW_SEAL * (want + 1)] if want >= 0 else b""
            try:
                start = first + int(seal[_MAC:], 16)
            except ValueError:
                return None
            stop = data.find(b"\n", start, end) if first <= start < end and len(seal) == _ROW_SEAL else -1
            if stop == -1:
                return None
            row = data[start:stop]
            if self.mac(row).encode() != seal[:_MAC]:
                return None
            out.append(row)
        return out

    def raw(self, block: Block) -> memoryview:
        """The block's bytes as written (copied into a rewritten file when its key holds)."""
        start = block.lines[0][0] if block.lines else block.rows[0]
        return memoryview(self.data)[start:block.rows[1]]


def read(path: Path, columns: Sequence[str]) -> Optional[ViewIndex]:
    """The index at path, mapped and its structure checked; None when it is not one gitreg
    wrote for these columns."""
    opened = None if disabled() else open_regular(path, MAX_FILE)
    if opened is None:
        return None
    fd, size = opened
    try:
        data = mmap.mmap(fd, 0, access=mmap.ACCESS_READ) if size else None
    except (OSError, ValueError):
        data = None
    finally:
        os.close(fd)
    return parse(data, columns) if data is not None else None


# Headers parsed before, by their first two lines' bytes and the seal key they were checked
# with (a header of 100 models takes ~10 ms to check in Python; a server asks on every call),
# with the end of their last block: a file cut short after its header is checked against it.
_PARSED: dict[tuple[bytes, tuple[str, ...], str], tuple[str, dict[str, Block], int]] = {}
_PARSED_KEPT = 4


def forget() -> None:
    _PARSED.clear()


def parse(data: bytes | mmap.mmap, columns: Sequence[str]) -> Optional[ViewIndex]:
    first = data.find(b"\n", 0, len(FORMAT) + 2 + _MAC)
    if first != len(FORMAT) + 1 + _MAC or data[:len(FORMAT) + 1] != FORMAT + b" ":
        return None
    end = data.find(b"\n", first + 1, first + 1 + MAX_HEADER)
    if end == -1:
        return None
    key = (bytes(data[:end]), tuple(columns), mac(b""))  # mac(b""): under this user's seal key only
    known = _PARSED.get(key)
    if known is not None:
        if known[2] > len(data):
            return None  # the header of a file cut short
        return ViewIndex(data, known[0], list(columns), known[1])  # blocks are never changed
    if bytes(data[len(FORMAT) + 1:first]) != mac(memoryview(data)[first + 1:end]).encode():
        return None  # not sealed by this user's gitreg
    try:
        header = json.loads(data[first + 1:end])
    except (ValueError, RecursionError):
        return None
    if not isinstance(header, dict) or header.get("columns") != list(columns):
        return None
    fingerprint, entries = header.get("fingerprint"), header.get("models")
    if not isinstance(fingerprint, str) or not isinstance(entries, list):
        return None
    base, size = end + 1, len(data)
    blocks: dict[str, Block] = {}
    for entry in entries:
        block = _block(entry, base, size, len(columns))
        if block is None or block.model in blocks:
            return None
        blocks[block.model] = block
    if len(_PARSED) >= _PARSED_KEPT:
        _PARSED.clear()
    _PARSED[key] = (fingerprint, blocks, max((b.rows[1] for b in blocks.values()), default=0))
    return ViewIndex(data, fingerprint, list(columns), blocks)


def _block(entry: Any, base: int, size: int, width: int) -> Optional[Block]:
    if not (isinstance(entry, list) and len(entry) == 9):
        return None
    model, key, count, offset, lengths, metrics, rows, macs, facts = entry
    # (JSON makes exact types: the lists are checked by their types' set, at C speed, as a
    # first call reads the header of every model)
    if not (isinstance(model, str) and isinstance(key, str) and isinstance(metrics, list)
            and set(map(type, metrics)) <= {str} and len(set(metrics)) == len(metrics)
            and isinstance(lengths, list) and len(lengths) == (width + len(metrics) if key else 0)
            and type(count) is int and type(offset) is int and type(rows) is int and min(count, offset, rows) >= 0
            and set(map(type, lengths)) <= {int} and min(lengths, default=0) >= 0
            and isinstance(macs, list) and len(macs) == (len(lengths) + 1 if key else 0)
            and set(map(type, macs)) <= {str} and isinstance(facts, dict)):
        return None
    ends = list(accumulate(lengths, initial=base + offset))  # (at C speed: ~35 lines a model)
    at = ends[-1]
    if at + rows > size:
        return None
    return Block(model, key, count, metrics, list(zip(ends, ends[1:])), (at, at + rows), macs, facts)


@dataclass(eq=False, repr=False)
class NewBlock(Record):
    """A block to write: reused bytes (with their metrics and line lengths) or fresh ones."""
    model: str
    key: str
    count: int
    metrics: list[str]
    lengths: list[int]
    data: bytes | memoryview
    rows: int
    macs: list[str]
    facts: dict[str, Any]


_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)  # one, not one per value (json.dumps)


def _dumps(value: Any) -> bytes:
    return _ENCODER.encode(value).encode()


def encode_block(model: str, key: str, columns: Sequence[str], views: list[dict[str, Any]],
                 rows: list[list[Any]], facts: dict[str, Any]) -> NewBlock:
    """A model's views as a block, with one row per view (what the reader needs of a match);
    raises ValueError for a value JSON cannot hold exactly."""
    dumps, mac = _dumps, macs()
    metrics = sorted({name for v in views for name in v["m"]})
    lines = [dumps([v.get(c) for v in views]) + b"\n" for c in columns]
    lines += [dumps([v["m"].get(name) for v in views]) + b"\n" for name in metrics]
    row_lines = [dumps(row) for row in rows]
    offsets = list(accumulate((len(row) + 1 for row in row_lines), initial=0))
    seals = "".join(f"{mac(row)}{offset:0{_OFFSET}x}" for row, offset in zip(row_lines, offsets)).encode()
    data = b"".join([seals, b"\n", *(row + b"\n" for row in row_lines)])
    return NewBlock(model, key, len(views), metrics, [len(x) for x in lines], b"".join(lines) + data, len(data),
                    [mac(x) for x in lines] + [mac(seals)], facts)


def reuse(index: ViewIndex, block: Block) -> NewBlock:
    lengths = [end - start for start, end in block.lines]
    return NewBlock(block.model, block.key, block.count, block.metrics, lengths, index.raw(block),
                    block.rows[1] - block.rows[0], block.macs, block.facts)


def unindexed(model: str) -> NewBlock:
    return NewBlock(model, "", 0, [], [], b"", 0, [], {})


def encode(fingerprint: str, columns: Sequence[str], blocks: list[NewBlock]) -> list[bytes | memoryview]:
    """The file as chunks (reused blocks are views of the old file: nothing is copied twice)."""
    entries, offset = [], 0
    for b in blocks:
        entries.append([b.model, b.key, b.count, offset, b.lengths, b.metrics, b.rows, b.macs, b.facts])
        offset += len(b.data)
    header = json.dumps({"fingerprint": fingerprint, "columns": list(columns), "models": entries},
                        separators=(",", ":")).encode()
    return [FORMAT, b" ", mac(header).encode(), b"\n", header, b"\n", *(b.data for b in blocks)]


def write(path: Path, chunks: list[bytes | memoryview]) -> bool:
    """Replace path atomically; False (path as it was) on any failure."""
    return replace(path, lambda out: out.writelines(chunks), sealed=False)  # sealed in parts
