"""benchmarks/import_instructions.py's two ways of counting (a smoke test: no figure asserted but
that the toggled count covers only the part between count_on() and count_off())."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import import_instructions  # noqa: E402

from tests.servers import need  # noqa: E402


def test_a_whole_process_and_a_toggled_part_are_counted(tmp_path):
    need("valgrind", "valgrind")
    need("gcc", "gcc")
    if not Path("/usr/include/valgrind/callgrind.h").exists():
        pytest.fail("valgrind's callgrind.h is missing: install the Debian package valgrind "
                    "(scripts/install-system-deps.sh)", pytrace=False)
    helper = import_instructions.toggle_helper(tmp_path)
    code = ("import ctypes, sys; h = ctypes.CDLL(sys.argv[1]); import json; h.count_on(); "
            "import decimal; h.count_off()")
    whole = import_instructions.instructions([sys.executable, "-c", code, str(helper)], {}, tmp_path)
    part = import_instructions.instructions([sys.executable, "-c", code, str(helper)], {}, tmp_path,
                                            "--instr-atstart=no")
    assert 0 < part < whole / 3  # importing decimal alone, not the interpreter's start-up
