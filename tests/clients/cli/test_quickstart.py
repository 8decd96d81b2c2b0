"""The README's first command runs examples/quickstart.sh: on a temporary registry by default,
on the default registry with --real; the commands it prints can be pasted."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _env(tmp_path, monkeypatch) -> dict:
    monkeypatch.delenv("GITREG_REGISTRY")
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    launcher = bindir / "gitreg"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gitreg "$@"\n')
    launcher.chmod(0o755)
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "TMPDIR": str(tmp_path),
            "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}


def _quickstart(env, *args) -> str:
    proc = subprocess.run(["bash", str(ROOT / "examples" / "quickstart.sh"), *args],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "quickstart-majora version tree:" in proc.stdout
    assert "Rolled back quickstart-majora in production" in proc.stdout
    return proc.stdout


def test_quickstart_uses_a_temporary_registry_and_prints_pasteable_commands(tmp_path, monkeypatch, git):
    env = _env(tmp_path, monkeypatch)
    out = _quickstart(env)
    assert not (tmp_path / "xdg").exists()  # the default registry is untouched
    commands = [line[2:] for line in out.splitlines() if line.startswith("$ ")]
    assert commands[0].startswith("export GITREG_REGISTRY=")
    assert "gitreg deploy quickstart-majora v2 --reason 'better accuracy'" in commands
    registry = Path(commands[0].split("=", 1)[1])
    assert git(registry, "tag", "--list").split() == ["quickstart-majora/v1", "quickstart-majora/v1b",
                                                     "quickstart-majora/v2"]
    # pasted into a shell as printed, the commands redo the same work on a fresh registry
    fresh = tmp_path / "pasted.git"
    pasted = [f"export GITREG_REGISTRY={fresh}"] + [c for c in commands[1:] if c.startswith("gitreg add")]
    proc = subprocess.run(["bash", "-euc", "\n".join(pasted)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    first = yaml.safe_load(git(fresh, "show", "quickstart-majora/v1:manifest.yaml"))
    assert first["notes"] == "Initial training" and first["training"]["hardware"] == "M2 Max"
    assert re.search(r"--lora-path \S+/lora ", commands[2])


def test_quickstart_real_runs_twice_on_the_default_registry(tmp_path, monkeypatch, git, fsck):
    env = _env(tmp_path, monkeypatch)
    registry = tmp_path / "xdg" / "gitreg" / "registry.git"
    _quickstart(env, "--real")
    _quickstart({**env, "GITREG_QUICKSTART_REAL": "1"})
    tags = git(registry, "tag", "--list").split()
    assert len(tags) == 6  # three versions per run, auto-numbered the second time
    live = yaml.safe_load(git(registry, "show", "refs/deployed/production/quickstart-majora:deployment.yaml"))
    assert live["action"] == "rollback" and live["version"] == "v3"  # run 2: v3, v4, v3b
    assert fsck(registry) == []


def test_quickstart_without_an_identity_gives_its_temporary_registry_a_throwaway_one(tmp_path, monkeypatch, git):
    """No "no git identity configured" warning on each of its writes (issue 24)."""
    env = {k: v for k, v in _env(tmp_path, monkeypatch).items()
           if k not in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL")}
    env["GIT_CONFIG_GLOBAL"] = str(tmp_path / "empty-gitconfig")
    proc = subprocess.run(["bash", str(ROOT / "examples" / "quickstart.sh")], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "identity" not in proc.stderr, proc.stderr
    registry = Path(next(line for line in proc.stdout.splitlines() if line.startswith("$ export"))
                    .split("=", 1)[1])
    assert git(registry, "log", "-1", "--format=%an <%ae>", "quickstart-majora").strip() == \
        "gitreg quickstart <quickstart@example.invalid>"
