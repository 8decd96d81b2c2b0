"""The distribution is `git-model-registry` (PyPI's `gitreg` is another project); the
import name and the command stay `gitreg`."""
from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
import sys
from pathlib import Path

import gitreg

ROOT = Path(__file__).resolve().parents[1]
DIST = "git-model-registry"


def test_distribution_name_version_and_command():
    assert re.search(r'^name = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1) == DIST
    assert metadata.version(DIST) == gitreg.__version__  # installed under the new name
    scripts = [e for e in metadata.distribution(DIST).entry_points if e.group == "console_scripts"]
    assert [(e.name, e.value) for e in scripts] == [("gitreg", "gitreg.clients.cli.main:main")]
    assert DIST in metadata.packages_distributions()["gitreg"]
    out = subprocess.run([sys.executable, "-m", "gitreg", "--version"], capture_output=True, text=True)
    assert out.stdout == f"gitreg {gitreg.__version__}\n"


def test_readme_says_how_to_install_it():
    readme = (ROOT / "README.md").read_text()
    assert "pip install git-model-registry" in readme
