"""References on the command line: show, deploy, compare take MODEL:VERSION, MODEL@ENV, MODEL."""
from __future__ import annotations

import json


def test_references_in_the_cli(cli):
    cli("add", "majora", "--accuracy", "0.5")
    cli("add", "majora", "--accuracy", "0.6")
    assert cli("deploy", "majora:v1").code == 0
    shown = cli("show", "majora@production")
    assert shown.code == 0 and "v1" in shown.out and "production" in shown.out
    assert json.loads(cli("show", "majora", "--json").out)["version"] == "v2"  # MODEL alone: the latest
    assert cli("show", "majora", "v2").code == 0
    compared = cli("compare", "majora", "@production", "latest")
    assert compared.code == 0 and "0.5" in compared.out and "0.6" in compared.out
    bad = cli("show", "majora:production")
    assert bad.code == 1 and bad.err.strip() == "gitreg: error: invalid version name 'production': " \
        "must match v<digit>[A-Za-z0-9._-]* (e.g. v1, v2.1, v3-rc1)"
