"""`gitreg server install`: gitreg's hooks in a real bare repository, run by a real `git push`."""
from __future__ import annotations

import subprocess
import sys

from gitreg import ModelRegistry


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitreg", *args], capture_output=True, text=True)


def test_install_writes_both_hooks_and_a_push_runs_them(bare_remote, tmp_path):
    done = run("server", "install", str(bare_remote))
    assert done.returncode == 0, done.stderr
    for hook in ("pre-receive", "post-receive"):
        path = bare_remote / "hooks" / hook
        assert path.stat().st_mode & 0o111 and "gitreg server " + hook in path.read_text()
    reg = ModelRegistry(tmp_path / "local.git")
    reg.add_remote("origin", str(bare_remote))
    reg.register_model("m")  # a synced write: pushed through both hooks
    assert subprocess.run(["git", f"--git-dir={bare_remote}", "rev-parse", "refs/tags/m/v1"],
                          capture_output=True).returncode == 0


def test_a_foreign_hook_is_kept_unless_forced(bare_remote):
    hook = bare_remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 0\n")
    refused = run("server", "install", str(bare_remote))
    assert refused.returncode != 0 and refused.stderr.count("\n") == 1 and "--force" in refused.stderr
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"
    assert run("server", "install", "--force", str(bare_remote)).returncode == 0
    assert "gitreg server pre-receive" in hook.read_text()


def test_install_refuses_what_is_not_a_bare_repository(tmp_path):
    done = run("server", "install", str(tmp_path))
    assert done.returncode != 0 and "not a bare git repository" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_malformed_hook_input_is_one_line_and_refused(bare_remote):
    done = subprocess.run([sys.executable, "-m", "gitreg", "server", "pre-receive"], input="garbage\n",
                          capture_output=True, text=True, cwd=bare_remote)
    assert done.returncode != 0 and "not 'OLD NEW REF'" in done.stderr and "Traceback" not in done.stderr
