"""The `sample` registry (tests/query/sample.py) as a fixture."""
from __future__ import annotations

import pytest

from gitreg import ModelRegistry
from tests.features.query.sample import build_sample


@pytest.fixture
def sample(reg) -> ModelRegistry:
    return build_sample(reg)
