"""Fixtures for the JSON registry import/export tests: the hand-written files in fixtures/."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_file():
    """Path of a hand-written fixture by name."""
    return lambda name: FIXTURES / name


@pytest.fixture
def edited(tmp_path):
    """Write a changed copy of a fixture: edited('registry.json', fn) -> path; fn edits the parsed JSON."""
    def make(name: str, change) -> Path:
        doc = json.loads((FIXTURES / name).read_text())
        change(doc)
        out = tmp_path / f"edited-{name}"
        out.write_text(json.dumps(doc))
        return out

    return make


@pytest.fixture
def imported(reg):
    """The registry with the full fixture pair imported."""
    reg.import_json(FIXTURES / "registry.json", FIXTURES / "lineage.json")
    return reg
