"""The patterns compiled on first use (not at import: a fresh MLflow process never uses them)
decide as before: redact masks only a password, extra keys and source sums are checked."""
from __future__ import annotations

import pytest

from gitreg.core import urls, values
from gitreg.core.errors import InvalidValueError


@pytest.mark.parametrize("text, shown", [
    ("https://alice:secret@host/x", "https://alice:***@host/x"),
    ("fatal: 'ssh://bob@h.example/r' and https://u:p@h2/", "fatal: 'ssh://bob@h.example/r' and https://u:***@h2/"),
    ("/srv/registry.git", "/srv/registry.git"),
])
def test_redact(text: str, shown: str) -> None:
    assert urls.redact(text) == shown


def test_extra_keys_checked() -> None:
    assert values.check_extra_keys({"mlflow": {"run_id": "r1"}}, set()) == {"mlflow": {"run_id": "r1"}}
    for bad in ({"Bad-Key": 1}, {"mlflow": {"Run ID": "r1"}}, {"x" * 65: 1}):
        with pytest.raises(InvalidValueError):
            values.check_extra_keys(bad, set())


def test_source_sha256_checked() -> None:
    good = "AB" * 32
    assert values.check_source("base_model", {"name": "m", "sha256": good}) == {"name": "m", "sha256": good.lower()}
    for bad in ("ab" * 31, "zz" * 32, "ab" * 32 + "\n", 7):
        with pytest.raises(InvalidValueError):
            values.check_source("base_model", {"name": "m", "sha256": bad})
