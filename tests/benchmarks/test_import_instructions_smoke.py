"""benchmarks/import_instructions.py's two ways of counting (a smoke test: no figure asserted but
that the toggled count covers only the part between count_on() and count_off())."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import import_instructions  # noqa: E402

pytestmark = pytest.mark.skipif(not (shutil.which("valgrind") and shutil.which("gcc")
                                     and Path("/usr/include/valgrind/callgrind.h").exists()),
                                reason="needs valgrind, its callgrind.h and gcc")


def test_a_whole_process_and_a_toggled_part_are_counted(tmp_path):
    helper = import_instructions.toggle_helper(tmp_path)
    code = ("import ctypes, sys; h = ctypes.CDLL(sys.argv[1]); import json; h.count_on(); "
            "import decimal; h.count_off()")
    whole = import_instructions.instructions([sys.executable, "-c", code, str(helper)], {}, tmp_path)
    part = import_instructions.instructions([sys.executable, "-c", code, str(helper)], {}, tmp_path,
                                            "--instr-atstart=no")
    assert 0 < part < whole / 3  # importing decimal alone, not the interpreter's start-up
