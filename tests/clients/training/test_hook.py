"""Installing the post-commit hook: the shipped script, idempotence, chaining and restoring
a user's own hook, core.hooksPath, and working without gitreg on PATH."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from gitreg.clients.training import hook

ROOT = Path(__file__).resolve().parents[3]
USER_HOOK = "#!/bin/sh\necho \"user hook ran for $(git rev-parse HEAD)\" >> user-hook.log\n"


def gitreg(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gitreg", *args], cwd=cwd, capture_output=True, text=True)


def test_install_writes_the_shipped_script_with_this_interpreter(training_repo):
    proc = gitreg("hook", "install", "--repo", str(training_repo.top))
    hook_file = training_repo.top / ".git" / "hooks" / "post-commit"
    assert proc.returncode == 0 and proc.stdout == f"Installed the gitreg post-commit hook in {hook_file}\n"
    text = hook_file.read_text()
    assert text == hook.render(sys.executable)
    assert f"gitreg_python={sys.executable}\n" in text
    assert hook_file.stat().st_mode & stat.S_IXUSR
    shipped = (ROOT / "hooks" / "post-commit").read_text()
    assert shipped == hook.render()  # hooks/post-commit is the template with python3
    assert shipped.replace("gitreg_python=python3", f"gitreg_python={sys.executable}") == text
    assert os.access(ROOT / "hooks" / "post-commit", os.X_OK)


def test_install_twice_changes_nothing(training_repo):
    first = hook.install(training_repo.top)
    before = sorted(p.name for p in first.hook.parent.iterdir())
    again = gitreg("hook", "install", cwd=training_repo.top)
    assert again.returncode == 0 and "already installed" in again.stdout
    assert sorted(p.name for p in first.hook.parent.iterdir()) == before
    assert hook.install(training_repo.top, python="/opt/other/python").action == "updated"
    assert "gitreg_python=/opt/other/python\n" in first.hook.read_text()


def test_a_users_hook_is_chained_and_restored(training_repo, reg):
    training_repo.config(metrics="m.json")
    hooks = training_repo.top / ".git" / "hooks"
    user_hook = hooks / "post-commit"
    user_hook.write_text(USER_HOOK)
    user_hook.chmod(0o755)
    installed = gitreg("hook", "install", cwd=training_repo.top)
    assert installed.returncode == 0, installed.stderr
    assert "your previous hook is kept as post-commit.gitreg-chained and runs first" in installed.stdout
    assert (hooks / "post-commit.gitreg-chained").read_text() == USER_HOOK
    assert hook.install(training_repo.top).action == "unchanged"  # re-install does not chain itself
    assert (hooks / "post-commit.gitreg-chained").read_text() == USER_HOOK

    training_repo.write("m.json", {"accuracy": 0.8})
    done = training_repo.commit("Round 1")
    assert done.code == 0
    assert (training_repo.top / "user-hook.log").read_text() == f"user hook ran for {done.sha}\n"
    assert reg.get_version("majora", "v1").git_commit == done.sha  # both hooks ran

    removed = gitreg("hook", "uninstall", "--repo", str(training_repo.top))
    assert removed.returncode == 0 and "restored your previous hook" in removed.stdout
    assert user_hook.read_text() == USER_HOOK and os.access(user_hook, os.X_OK)
    assert not (hooks / "post-commit.gitreg-chained").exists()
    training_repo.write("m.json", {"accuracy": 0.9})
    after = training_repo.commit("Round 2, hook removed")
    assert after.code == 0
    assert (training_repo.top / "user-hook.log").read_text().count("user hook ran") == 2
    assert [v.version for v in reg.list_versions("majora")] == ["v1"]


def test_a_failing_user_hook_does_not_stop_registration(training_repo, reg):
    training_repo.config(metrics="m.json")
    user_hook = training_repo.top / ".git" / "hooks" / "post-commit"
    user_hook.write_text("#!/bin/sh\nexit 3\n")
    user_hook.chmod(0o755)
    hook.install(training_repo.top)
    training_repo.write("m.json", {"accuracy": 0.8})
    done = training_repo.commit("Round 1")
    assert done.code == 0
    assert "gitreg: your own post-commit hook (post-commit.gitreg-chained) exited 3" in done.err
    assert reg.get_version("majora", "v1").git_commit == done.sha


def test_uninstall_leaves_foreign_or_missing_hooks_alone(training_repo):
    hooks = training_repo.top / ".git" / "hooks"
    absent = gitreg("hook", "uninstall", cwd=training_repo.top)
    assert absent.returncode == 0 and "nothing to remove" in absent.stdout
    (hooks / "post-commit").write_text(USER_HOOK)
    foreign = gitreg("hook", "uninstall", cwd=training_repo.top)
    assert foreign.returncode == 0 and "is not gitreg's hook; left as it is" in foreign.stdout
    assert (hooks / "post-commit").read_text() == USER_HOOK


def test_install_refuses_to_overwrite_a_kept_hook(training_repo):
    hooks = training_repo.top / ".git" / "hooks"
    (hooks / "post-commit").write_text(USER_HOOK)
    (hooks / "post-commit.gitreg-chained").write_text("#!/bin/sh\n")
    proc = gitreg("hook", "install", cwd=training_repo.top)
    assert proc.returncode == 1
    assert proc.stderr.startswith("gitreg: error: ") and "move one of them away first" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert (hooks / "post-commit").read_text() == USER_HOOK


def test_core_hooks_path_is_honoured(training_repo, reg):
    training_repo.config(metrics="m.json")
    training_repo.git("config", "core.hooksPath", "ci/hooks")
    change = hook.install(training_repo.top)
    assert change.hook == training_repo.top / "ci" / "hooks" / "post-commit"
    assert not (training_repo.top / ".git" / "hooks" / "post-commit").exists()
    training_repo.write("m.json", {"accuracy": 0.8})
    done = training_repo.commit("Round 1")
    assert reg.get_version("majora", "v1").git_commit == done.sha
    assert hook.uninstall(training_repo.top).action == "removed" and not change.hook.exists()


def test_hook_works_without_gitreg_on_path(training_repo, reg, tmp_path):
    training_repo.config(metrics="m.json")
    hook.install(training_repo.top)
    gitbin = tmp_path / "gitbin"
    gitbin.mkdir()
    for tool in ("git", "sh", "dirname", "echo"):
        found = shutil.which(tool)
        if found:
            (gitbin / tool).symlink_to(found)
    training_repo.write("m.json", {"accuracy": 0.8})
    done = training_repo.commit("Round 1", env={"PATH": str(gitbin)})
    assert done.code == 0, done.err
    assert shutil.which("gitreg", path=str(gitbin)) is None and shutil.which("python3", path=str(gitbin)) is None
    assert reg.get_version("majora", "v1").git_commit == done.sha


def test_install_outside_a_work_tree_is_an_error(tmp_path, registry_path):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    proc = gitreg("hook", "install", "--repo", str(bare))
    assert proc.returncode == 1
    assert proc.stderr == f"gitreg: error: {bare} is a bare repository: a training repository needs a work tree\n"


def test_pre_commit_framework_manifest():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (entry,) = [h for h in hooks if h["id"] == "gitreg-register"]
    assert entry["stages"] == ["post-commit"]
    assert entry["always_run"] is True and entry["pass_filenames"] is False
    assert entry["entry"].split()[:3] == ["gitreg", "hook", "run"] and "--hook" in entry["entry"]
    assert entry["language"] == "python"


def test_hook_mode_outside_a_repo_exits_zero_with_one_line(tmp_path):
    proc = gitreg("hook", "run", "--hook", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stderr == f"gitreg: commit made, but not registered: {tmp_path} is not inside a git work tree\n"
