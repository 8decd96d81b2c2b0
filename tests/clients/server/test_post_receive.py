"""post-receive through a real `git push` to a bare repository by path: the installed sh hook
and `gitreg server post-receive` spool the push and start the deliverer; nothing fails a push."""
from __future__ import annotations

import subprocess
import sys

from gitreg import ModelRegistry
from tests.servers.receiver import Receiver


def gitreg(*args: str, input: str | None = None, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitreg", *args], capture_output=True, text=True, input=input, cwd=cwd)


def test_the_installed_hook_delivers_a_pushed_registration(bare_remote, tmp_path):
    receiver = Receiver(None)
    try:
        assert gitreg("server", "install", str(bare_remote)).returncode == 0
        assert gitreg("-R", str(bare_remote), "webhook", "add", receiver.url, "--events", "version.*").returncode == 0
        reg = ModelRegistry(tmp_path / "local.git")
        reg.add_remote("origin", str(bare_remote))
        reg.register_model("m")
        reg.deploy("m", "v1")  # filtered out: the webhook wants version.* only
        got = receiver.wait_for(1)
        assert [(e["type"], e["version"], e["pusher"]) for e in got] == [("version.registered", "v1", None)]
        assert list((bare_remote / "gitreg-events" / "incoming").iterdir()) == []  # every push derived
    finally:
        receiver.stop()


def test_the_python_entry_point_spools_and_delivers_too(bare_remote, tmp_path):
    receiver = Receiver(None)
    try:
        reg = ModelRegistry(tmp_path / "local.git")
        reg.add_remote("origin", str(bare_remote))
        reg.register_model("m")
        tag = subprocess.run(["git", f"--git-dir={bare_remote}", "rev-parse", "refs/tags/m/v1"],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert gitreg("-R", str(bare_remote), "webhook", "add", receiver.url).returncode == 0
        done = gitreg("server", "post-receive", input=f"{'0' * 40} {tag} refs/tags/m/v1\n", cwd=bare_remote)
        assert done.returncode == 0 and done.stderr == ""
        assert [e["type"] for e in receiver.wait_for(1)] == ["version.registered"]
    finally:
        receiver.stop()


def test_a_broken_outbox_never_fails_the_push(bare_remote, tmp_path):
    assert gitreg("server", "install", str(bare_remote)).returncode == 0
    (bare_remote / "gitreg-events").write_text("not a directory")
    reg = ModelRegistry(tmp_path / "local.git")
    reg.add_remote("origin", str(bare_remote))
    pushed = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(reg.path), "add", "m"],
                            capture_output=True, text=True)
    assert pushed.returncode == 0, pushed.stderr
    assert subprocess.run(["git", f"--git-dir={bare_remote}", "rev-parse", "refs/tags/m/v1"],
                          capture_output=True).returncode == 0
    said = gitreg("server", "post-receive", input=f"{'0' * 40} {'1' * 40} refs/tags/m/v9\n", cwd=bare_remote)
    assert said.returncode == 0 and "events of this push not queued" in said.stderr
