"""Bounded YAML: size caps, no anchors/aliases/tags, bounded nesting; refused fast, unparsed."""
from __future__ import annotations

import time

import pytest

from gitreg.core import yamlio
from gitreg.core.errors import CorruptRegistryError


@pytest.mark.parametrize("text,why", [
    (b"a: &x [1, 2]\nb: *x\n", "anchor or alias"),
    (b"a: !!python/object:os.system {}\n", "tag"),
    (b"a: !!str 3\n", "tag"),
    (b"a: !custom x\n", "tag"),
    (b"a: " + b"[" * 100 + b"]" * 100 + b"\n", "nests deeper"),
])
def test_refused_constructs(text, why):
    with pytest.raises(CorruptRegistryError, match=why):
        yamlio.load_mapping(text, "m/v1:manifest.yaml")


def test_text_that_only_looks_suspect_still_loads():
    doc = b"notes: 'R&D * 2 ! [draft]'\nurl: http://x/a&b\nscores: {a: [1, 2], b: {c: 3}}\n"
    assert yamlio.load_mapping(doc, "x")["notes"] == "R&D * 2 ! [draft]"


def test_size_caps_refuse_before_parsing():
    huge = b"notes: |\n" + b"  x\n" * 2_600_000  # 10 MB of 2.6M short lines
    started = time.monotonic()
    with pytest.raises(CorruptRegistryError, match="limit"):
        yamlio.load_mapping(huge, "note on m/v1")
    assert time.monotonic() - started < 1
    deployment = b"reason: '" + b"x" * (64 << 10) + b"'\n"
    assert yamlio.load_mapping(deployment, "d")  # under the manifest cap
    with pytest.raises(CorruptRegistryError, match="limit"):
        yamlio.load_mapping(deployment, "d", yamlio.DEPLOYMENT_LIMIT)


def test_an_alias_bomb_costs_its_size():
    bomb = b"".join([b"a0: &a0 [x, x, x, x, x, x, x, x, x]\n"] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 12)])
    started = time.monotonic()
    with pytest.raises(CorruptRegistryError, match="alias"):
        yamlio.load(bomb, "bomb")
    assert time.monotonic() - started < 1
