"""The README's Python example runs as written (on the test's own default registry)."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README has no python example"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the example's local LoRA path does not exist here
        exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "majora version tree:" in out
    assert "Registered Models:" in out
