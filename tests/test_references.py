"""References (DESIGN.md): MODEL:VERSION, MODEL@ENV, MODEL@latest, MODEL; parsed and resolved."""
from __future__ import annotations

import pytest

from gitreg.errors import InvalidNameError, VersionNotFoundError
from gitreg.references import Reference, parse, reference


@pytest.mark.parametrize("text, expected", [
    ("majora:v3", Reference("majora", version="v3")),
    ("majora@production", Reference("majora", environment="production")),
    ("majora@latest", Reference("majora")),
    ("majora", Reference("majora")),
    ("m.x-1:v2.1-rc1", Reference("m.x-1", version="v2.1-rc1")),
])
def test_parse(text, expected):
    assert parse(text) == expected
    assert parse(str(expected)) == expected  # round trip through the written form


@pytest.mark.parametrize("text, message", [
    ("majora:production", "invalid version name 'production'"),
    ("majora@v1:v2", "has both ':' and '@'"),
    ("bad/name@production", "invalid model name"),
    ("majora@", "environment name must be a non-empty string"),
    (":v1", "model name must be a non-empty string"),
    ("", "a reference must be"),
    (None, "a reference must be"),
])
def test_parse_refuses(text, message):
    with pytest.raises(InvalidNameError, match=message):
        parse(text)


def test_reference_from_model_and_version():
    assert reference("majora", "v2") == Reference("majora", version="v2")
    assert reference("majora", "@staging") == Reference("majora", environment="staging")
    assert reference("majora", "latest") == Reference("majora")
    with pytest.raises(InvalidNameError, match="already names a version"):
        reference("majora:v1", "v2")


def test_resolved_in_the_api(reg):
    for accuracy in (0.8, 0.9, 0.7):
        reg.register_model("majora", evaluation_scores={"accuracy": accuracy})
    reg.deploy("majora:v2")
    reg.deploy("majora", "v1", environment="staging")
    assert reg.get_version("majora@production").version == "v2"
    assert reg.get_version("majora", "@staging").version == "v1"
    assert reg.get_version("majora@latest").version == reg.get_version("majora").version == "v3"
    assert reg.get_version("majora:v1").version == "v1"
    assert reg.resolve("majora@production") == ("majora", "v2")
    diff = reg.compare_versions("majora", "@staging", "majora@production")
    assert diff["accuracy"] == {"@staging": 0.8, "majora@production": 0.9}
    reg.deploy("majora@staging", environment="canary")  # promote what staging runs
    assert reg.deployments("majora")["canary"] == "v1"
    with pytest.raises(VersionNotFoundError, match="nothing of majora is deployed in qa"):
        reg.get_version("majora@qa")
    assert [c.version for c in reg.verify("majora@production").checks] == ["v2"]

