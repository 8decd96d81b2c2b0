"""Registry text on a real terminal: never rich markup, never a raw control sequence.

Notes, tags, descriptions and data sources are written by whoever can push; each
case of issue 12 is stored and every command that shows it is run on a pty. The
only escape codes allowed on the terminal are gitreg's own SGR colours.
"""
from __future__ import annotations

import json
import re

import pytest

from gitreg import ModelRegistry
from tests.clients.cli.conftest import run_gitreg, run_on_terminal

HOSTILE = {
    "markup close": "[/bold]",
    "bad tag": "[/x]",
    "link": "[link=http://evil.example]click[/link]",
    "colour": "\x1b[31mRED",
    "title": "\x1b]0;TITLE\x07",
    "clear": "\x1b[2J",
    "8-bit CSI": "\x9b31m",
    "bidi override": "\u202eevil",
    "emoji code": ":smile:",
}
VISIBLE = {  # how each is shown: literally, controls as escapes
    "markup close": "[/bold]", "bad tag": "[/x]", "link": "[link=http://evil.example]click[/link]",
    "colour": "\\x1b[31mRED", "title": "\\x1b]0;TITLE\\x07", "clear": "\\x1b[2J",
    "8-bit CSI": "\\x9b31m", "bidi override": "\\u202eevil", "emoji code": ":smile:",
}
OUR_SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def hostile_registry(registry_path):
    reg = ModelRegistry(registry_path)
    text = " ".join(HOSTILE.values())
    reg.register_model("majora", notes=text, training_data=["\x1b[2Jdata"], base_model="\x1b]0;TITLE\x07")
    reg.register_model("majora", parent_version="v1")
    reg.add_tags("majora", "v1", "[/x]", "\x1b[31mred")
    reg.update_metadata("majora", description="[link=http://evil.example]click[/link] \x1b[2J", notes=text)
    reg.deploy("majora", "v1")
    return registry_path


def assert_only_our_escapes(text: str) -> None:
    rest = OUR_SGR.sub("", text)
    assert "\x1b" not in rest and "\x07" not in rest and "\x9b" not in rest, repr(rest)
    assert "\u202e" not in rest
    assert "\x1b]8;" not in text  # no hyperlink was made


@pytest.mark.parametrize("command", [
    ["show", "majora", "v1"], ["versions", "majora"], ["info", "majora"], ["history", "majora"],
    ["list"], ["meta", "majora"], ["lineage", "majora"], ["lineage", "majora", "v1"], ["tree", "majora"],
])
def test_every_command_shows_registry_text_as_text(hostile_registry, command):
    code, screen = run_on_terminal(["-R", str(hostile_registry), *command], "stdout", cols=200)
    assert code == 0, screen
    assert "Error" not in screen and "Traceback" not in screen
    assert_only_our_escapes(screen)


def test_each_hostile_case_is_shown_literally(hostile_registry):
    code, screen = run_on_terminal(["-R", str(hostile_registry), "show", "majora", "v1"], "stdout", cols=400)
    assert code == 0
    flat = " ".join(OUR_SGR.sub("", screen).split())  # the notes may wrap
    for case, shown in VISIBLE.items():
        assert shown in flat, (case, flat)
    assert "😄" not in screen  # :smile: is not an emoji code


def test_the_tag_that_broke_versions_show_and_history(hostile_registry):
    for command in (["versions", "majora"], ["show", "majora", "v1"], ["history", "majora"]):
        code, screen = run_on_terminal(["-R", str(hostile_registry), *command], "stdout", cols=200)
        assert code == 0 and "[/x]" in screen, (command, screen)


def test_piped_output_and_json_carry_no_raw_controls(hostile_registry, cli):
    for command in (["show", "majora", "v1"], ["list"], ["history", "majora"], ["info", "majora"]):
        r = cli(*command)  # stdout is not a terminal here
        assert r.code == 0 and "\x1b" not in r.out and "\x9b" not in r.out, command
        assert "\\x1b[2J" in r.out or command in (["list"], ["history", "majora"])  # shown, escaped
    r = run_gitreg("-R", str(hostile_registry), "show", "majora", "v1", "--json")
    assert "\x1b" not in r.out and "\x9b" not in r.out and "\u202e" not in r.out
    assert json.loads(r.out)["notes"] == " ".join(HOSTILE.values())  # the same JSON, only escaped
    r = run_gitreg("-R", str(hostile_registry), "export-json")
    assert r.code == 0 and "\x9b" not in r.out and "\u202e" not in r.out
    assert json.loads(r.out)


def test_messages_on_stderr_are_escaped_too(tmp_path):
    hostile = tmp_path / "r\x1b]0;TITLE\x07.git"
    hostile.write_text("not a repository")
    code, screen = run_on_terminal(["-R", str(hostile), "list"], "stderr")
    assert code == 1
    assert "registry path" in screen and "\\x1b]0;TITLE\\x07" in screen
    assert_only_our_escapes(screen)
