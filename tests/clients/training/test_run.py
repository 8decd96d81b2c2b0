"""Real commits in a real training repo fire the real installed hook (a separate process)."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import yaml

from gitreg.clients.training import hook
from gitreg.clients.training.run import register_commit


def manifest(git, registry, model: str, version: str) -> dict:
    return yaml.safe_load(git(registry, "show", f"{model}/{version}:manifest.yaml"))


def train(repo, accuracy: float, weights: bytes = b"w1") -> None:
    repo.write("results/metrics.json", {"accuracy": accuracy, "f1_score": 0.8, "pass_at_1": 0.4})
    repo.write("results/params.yaml", {"framework": "pure-python", "epochs": 3, "learning_rate": 0.1,
                                       "seed": 7})
    repo.write("out/weights.bin", weights)


def test_code_only_commit_registers_nothing(hooked_repo, refs):
    hooked_repo.write("train.py", "print('training, faster')\n")
    done = hooked_repo.commit("Speed up the data loader")
    assert done.code == 0
    assert done.err == ""  # a skipped commit is silent on the terminal
    assert refs(hooked_repo.registry) == {}
    assert f"commit {done.sha}: not registered: commit {done.sha[:12]} changes none of the declared outputs" \
        in hooked_repo.hook_log()


def test_result_commit_registers_with_its_sha_metrics_and_files(hooked_repo, git, fsck):
    hooked_repo.git("remote", "add", "origin", "https://user:s3cret@example.com/lab/majora-train.git")
    train(hooked_repo, 0.85)
    done = hooked_repo.commit("Round 1: three epochs", "Longer body.")
    assert done.code == 0, done.err
    assert done.err.strip() == f"gitreg: registered majora v1 (new model) from commit {done.sha[:12]} " \
                               "(changes results/metrics.json)"
    m = manifest(git, hooked_repo.registry, "majora", "v1")
    assert m["git_commit"] == done.sha == hooked_repo.git("rev-parse", "HEAD").stdout.strip()
    assert m["notes"] == "Round 1: three epochs"
    assert m["evaluation_scores"]["accuracy"] == 0.85
    assert m["evaluation_scores"]["custom_metrics"] == {"pass_at_1": 0.4}
    assert m["training"]["framework"] == "pure-python" and m["training"]["epochs"] == 3
    assert m["training_data_sources"] == ["oracle", "toolbench"]
    assert m["training_repo"] == "https://example.com/lab/majora-train.git"  # no credentials
    assert m["parent_version"] is None
    weights = hooked_repo.top / "out" / "weights.bin"
    assert m["files"] == [{"role": "checkpoint", "path": str(weights),
                           "sha256": hashlib.sha256(b"w1").hexdigest(), "size_bytes": 2}]
    assert fsck(hooked_repo.registry) == []


def test_second_round_is_trained_from_the_latest_version(hooked_repo, git, reg):
    train(hooked_repo, 0.85)
    hooked_repo.commit("Round 1")
    hooked_repo.write("train.py", "print('lr 0.2')\n")
    hooked_repo.commit("Code change only")
    train(hooked_repo, 0.9, b"w2")
    second = hooked_repo.commit("Round 2")
    assert manifest(git, hooked_repo.registry, "majora", "v2")["parent_version"] == "majora:v1"
    assert git(hooked_repo.registry, "tag", "--list").split() == ["majora/v1", "majora/v2"]
    lineage = git(hooked_repo.registry, "log", "--first-parent", "--format=%s", "majora/v2").splitlines()
    assert lineage == ["register majora v2", "register majora v1", "create model majora"]
    v2 = reg.get_version("majora", "v2")
    assert v2.git_commit == second.sha and v2.evaluation_scores.accuracy == 0.9
    assert v2.extra["training_repo"] == str(hooked_repo.top)  # no remote: the repo's path


def test_an_unchanged_metrics_file_with_new_weights_still_registers(hooked_repo, reg):
    train(hooked_repo, 0.85)
    hooked_repo.commit("Round 1")
    hooked_repo.write("out/weights.bin", b"retrained")
    done = hooked_repo.commit("Same scores, new weights")
    assert reg.get_version("majora", "v2").git_commit == done.sha
    assert "(changes out/weights.bin)" in done.err


def test_trailer_mode_registers_only_commits_with_the_trailer(training_repo, refs, git):
    training_repo.config(metrics="results/metrics.json", when="trailer")
    hook.install(training_repo.top)
    training_repo.write("results/metrics.json", {"accuracy": 0.7})
    plain = training_repo.commit("Results, not for the registry")
    assert plain.code == 0 and refs(training_repo.registry) == {}
    assert "no 'Gitreg-Register: yes' trailer" in training_repo.hook_log()
    training_repo.write("notes.txt", "code only, but asked for\n")
    marked = training_repo.commit("Register this one", "Gitreg-Register: yes")
    assert marked.code == 0
    m = manifest(git, training_repo.registry, "majora", "v1")
    assert m["git_commit"] == marked.sha and m["evaluation_scores"]["accuracy"] == 0.7
    assert list(refs(training_repo.registry)).count("refs/tags/majora/v1") == 1
    assert "refs/tags/majora/v2" not in refs(training_repo.registry)


def test_always_mode_registers_every_commit_with_explicit_parent(training_repo, reg):
    training_repo.config(when="always", parent="none")
    hook.install(training_repo.top)
    for n in range(2):
        training_repo.write("train.py", f"print({n})\n")
        assert training_repo.commit(f"commit {n}").code == 0
    versions = reg.list_versions("majora")
    assert [(v.version, v.parent_version, v.notes) for v in versions] == [
        ("v1", None, "commit 0"), ("v2", None, "commit 1")]


def test_a_failing_hook_lets_the_commit_succeed(hooked_repo, refs):
    hooked_repo.write("results/metrics.json", '{"accuracy": 0.9,')  # truncated: the trainer crashed
    done = hooked_repo.commit("Round 1 (broken metrics)")
    assert done.code == 0
    assert hooked_repo.git("log", "-1", "--format=%s").stdout.strip() == "Round 1 (broken metrics)"
    lines = done.err.strip().splitlines()
    assert len(lines) == 1, done.err
    log = hooked_repo.top / ".git" / "gitreg" / "hook.log"
    assert lines[0].startswith("gitreg: commit made, but not registered: metrics file results/metrics.json")
    assert lines[0].endswith(f"details in {log}")
    assert "Traceback" in log.read_text() and "not valid JSON" in log.read_text()
    assert refs(hooked_repo.registry) == {}


def test_a_hook_whose_interpreter_is_gone_still_lets_the_commit_succeed(hooked_repo, tmp_path):
    hook.install(hooked_repo.top, python=str(tmp_path / "no-such-python"))
    train(hooked_repo, 0.85)
    done = hooked_repo.commit("Round 1")
    assert done.code == 0
    assert hooked_repo.git("log", "-1", "--format=%s").stdout.strip() == "Round 1"
    assert done.err.strip().splitlines()[-1].startswith(f"gitreg: could not run {tmp_path / 'no-such-python'}")


def test_a_registry_url_registers_through_a_local_clone(hooked_repo, git_daemon, git, refs, _isolated_env):
    url = git_daemon.repo()
    hooked_repo.config(registry=url, metrics="results/metrics.json")
    for accuracy in (0.8, 0.9):
        hooked_repo.write("results/metrics.json", {"accuracy": accuracy})
        done = hooked_repo.commit(f"Round at {accuracy}")
        assert done.code == 0 and "registered majora" in done.err, done.err
    server = git_daemon.path()
    assert git(server, "tag", "--list").split() == ["majora/v1", "majora/v2"]
    assert manifest(git, server, "majora", "v2")["parent_version"] == "majora:v1"
    clones = list((_isolated_env / "xdg-data" / "gitreg" / "clones").iterdir())
    assert len(clones) == 1 and refs(server).items() <= refs(clones[0]).items()


def test_an_unreachable_registry_url_is_one_line_and_the_commit_succeeds(hooked_repo):
    hooked_repo.config(registry="git://127.0.0.1:9/registry.git", metrics="results/metrics.json")
    hooked_repo.write("results/metrics.json", {"accuracy": 0.9})
    done = hooked_repo.commit("Round 1")
    assert done.code == 0
    assert "cannot clone git://127.0.0.1:9/registry.git" in done.err and "Connection refused" in done.err
    assert len(done.err.strip().splitlines()) == 1
    assert hooked_repo.git("log", "-1", "--format=%s").stdout.strip() == "Round 1"


def test_relative_registry_is_relative_to_the_top_even_from_a_subdirectory(training_repo, tmp_path, git):
    training_repo.config(registry="../shared/registry.git", metrics="results/metrics.json")
    (tmp_path / "shared").mkdir()  # a registry path's directory must exist (or `gitreg init` makes it)
    hook.install(training_repo.top)
    sub = training_repo.top / "src" / "deep"
    sub.mkdir(parents=True)
    training_repo.write("results/metrics.json", {"accuracy": 0.6})
    done = training_repo.commit("Round 1", cwd=sub)
    assert done.code == 0, done.err
    registry = tmp_path / "shared" / "registry.git"
    assert manifest(git, registry, "majora", "v1")["git_commit"] == done.sha


def test_default_registry_when_none_is_configured(training_repo, monkeypatch, tmp_path, git):
    default = tmp_path / "default.git"
    monkeypatch.setenv("GITREG_REGISTRY", str(default))  # inherited by git and its hook
    training_repo.config(registry=..., metrics="results/metrics.json")
    hook.install(training_repo.top)
    training_repo.write("results/metrics.json", {"accuracy": 0.6})
    done = training_repo.commit("Round 1")
    assert manifest(git, default, "majora", "v1")["git_commit"] == done.sha


def test_hook_run_from_ci_registers_a_given_commit_once(training_repo, reg):
    """`gitreg hook run` without the hook: CI after a training job; errors exit non-zero."""
    training_repo.config(metrics="results/metrics.json")
    training_repo.write("results/metrics.json", {"accuracy": 0.5})
    first = training_repo.commit("Round 1")  # no hook installed
    training_repo.write("results/metrics.json", {"accuracy": 0.6})
    training_repo.commit("Round 2")
    cmd = [sys.executable, "-m", "gitreg", "hook", "run", "--repo", str(training_repo.top)]
    proc = subprocess.run([*cmd, "--rev", "HEAD~1"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (f"Registered majora v1 (new model) from commit {first.sha[:12]} "
                                   "(changes results/metrics.json)")
    again = subprocess.run([*cmd, "--rev", first.sha], capture_output=True, text=True)
    assert again.returncode == 0
    assert again.stdout.strip() == f"Not registered: commit {first.sha[:12]} is already registered as majora v1"
    assert [v.version for v in reg.list_versions("majora")] == ["v1"]
    training_repo.write("results/metrics.json", "[1, 2]")
    training_repo.commit("Round 3: broken")
    bad = subprocess.run(cmd, capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr == ("gitreg: error: metrics file results/metrics.json (commit "
                          f"{training_repo.git('rev-parse', 'HEAD').stdout[:12]}) must hold a mapping of names to "
                          "values, found list\n")


def test_registry_option_overrides_the_config(training_repo, tmp_path, reg):
    training_repo.config(metrics="m.yaml", files={"gguf": "s3://bucket/model.gguf"})
    training_repo.write("m.yaml", "accuracy: 0.75\nrouge1: 0.3\n")
    training_repo.commit("Round 1")
    other = tmp_path / "other.git"
    outcome = register_commit(training_repo.top, registry=other)
    v = outcome.registered
    assert v is not None and v.gguf_path == "s3://bucket/model.gguf"
    assert v.evaluation_scores.rouge == {"rouge1": 0.3}
    assert other.exists() and not training_repo.registry.exists()


def test_metrics_are_read_as_committed_not_from_the_work_tree(training_repo, reg):
    training_repo.config(metrics="results/metrics.json")
    training_repo.write("results/metrics.json", {"accuracy": 0.5})
    done = training_repo.commit("Round 1")
    training_repo.write("results/metrics.json", {"accuracy": 0.99})  # a later run, not committed
    register_commit(training_repo.top, done.sha)
    assert reg.get_version("majora", "v1").evaluation_scores.accuracy == 0.5
