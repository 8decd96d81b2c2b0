"""Code run in a fresh interpreter: what start-up tests need (a module already imported by the
test process would hide a lazy import's path, or an import it should not make)."""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Sequence


def run(code: str) -> str:
    """`code`'s standard output; it must exit 0."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def modules_after(code: str, prefixes: Sequence[str]) -> list[str]:
    """The modules named by (or below) `prefixes` that are loaded once `code` has run, sorted."""
    script = (f"import json, sys\n{code}\n"
              f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({tuple(prefixes)!r}))))")
    return json.loads(run(script).splitlines()[-1])
