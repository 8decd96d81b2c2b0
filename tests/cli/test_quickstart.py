"""The README's first command runs examples/quickstart.sh on the default registry."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_runs_twice_on_the_default_registry(tmp_path, monkeypatch, git, fsck):
    monkeypatch.delenv("GITREG_REGISTRY")
    data = tmp_path / "xdg"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    launcher = bindir / "gitreg"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gitreg "$@"\n')
    launcher.chmod(0o755)
    env = {**os.environ, "XDG_DATA_HOME": str(data), "TMPDIR": str(tmp_path),
           "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    registry = data / "gitreg" / "registry.git"
    for run in (1, 2):
        proc = subprocess.run(["bash", str(ROOT / "examples" / "quickstart.sh")],
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "quickstart-majora version tree:" in proc.stdout
        assert "Rolled back quickstart-majora in production" in proc.stdout
    tags = git(registry, "tag", "--list").split()
    assert len(tags) == 6  # three versions per run, auto-numbered the second time
    live = yaml.safe_load(git(registry, "show", "refs/deployed/production/quickstart-majora:deployment.yaml"))
    assert live["action"] == "rollback" and live["version"] == "v3"  # run 2: v3, v4, v3b
    assert fsck(registry) == []
