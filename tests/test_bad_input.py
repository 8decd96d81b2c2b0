"""Bad input: a gitreg error (a GitregError subclass) and nothing written (DESIGN.md 'Names',
issue #2 'Bad input').

"Nothing written" is checked with the real git CLI (`git for-each-ref`: every ref and
its value) and, more strictly, by comparing every file of the registry directory
(name, size, mtime) before and after; a registry that did not exist must still not exist.
"""
from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import pytest

from gitreg import (
    CorruptRegistryError,
    DeploymentError,
    GitregError,
    InvalidNameError,
    InvalidValueError,
    LineageTracker,
    ModelNotFoundError,
    ModelRegistry,
    VersionExistsError,
    VersionNotFoundError,
)
from tests.conftest import isolate


def _files(path: Path):
    if not path.exists():
        return None
    if path.is_file():
        st = path.stat()
        return {".": (st.st_size, st.st_mtime_ns, path.read_bytes())}
    out = {}
    for root, dirs, files in os.walk(path):
        if Path(root) == path and "gitreg-cache" in dirs:
            dirs.remove("gitreg-cache")  # derived read cache (git/cache/cache.py), not registry data
        for f in files:
            p = Path(root) / f
            st = p.stat()
            out[str(p.relative_to(path))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def assert_nothing_written(git, refs):
    """Call with (path, action, error type): action must raise it and leave the registry alone."""

    def check(path: Path, action, error=GitregError):
        existed = path.exists()
        is_repo = (path / "HEAD").is_file() and (path / "objects").is_dir()
        before_refs = refs(path) if is_repo else None
        before_listing = git(path, "for-each-ref") if before_refs is not None else None
        before_files = _files(path)
        with pytest.raises(error) as info:
            action()
        assert isinstance(info.value, GitregError), f"{type(info.value).__name__} is not a GitregError"
        assert str(info.value).strip(), "the error message is empty"
        if not existed:
            assert not path.exists(), f"{path} was created by a failed call"
            return info.value
        if before_refs is not None:
            assert git(path, "for-each-ref") == before_listing
            assert refs(path) == before_refs
        assert _files(path) == before_files, "files of the registry changed"
        return info.value

    return check


@pytest.fixture(scope="module")
def _populated_once(tmp_path_factory) -> Path:
    """majora v1, v2, v2b (from v1), v3 (archived); v1 live in production; other v1. Written
    once a module (seven writes, ~40 ms of CPU; 198 of its 219 tests start from it), copied per test."""
    path = tmp_path_factory.mktemp("populated") / "registry.git"
    with pytest.MonkeyPatch.context() as mp:  # module scope: set up before the test's _isolated_env
        isolate(mp, tmp_path_factory.mktemp("populated-home"))
        reg = ModelRegistry(path)
        reg.register_model("majora", evaluation_scores={"accuracy": 0.85})
        reg.register_model("majora", parent_version="v1")
        reg.register_model("majora", "v2b", parent_version="v1")
        reg.register_model("majora", "v3")
        reg.set_status("majora", "v3", "archived")
        reg.deploy("majora", "v1")
        reg.register_model("other")
    return path


@pytest.fixture
def populated(_populated_once, registry_path) -> ModelRegistry:
    """A copy of _populated_once at registry_path, opened afresh."""
    shutil.copytree(_populated_once, registry_path, symlinks=True)
    return ModelRegistry(registry_path)


NAN, INF = math.nan, math.inf

BAD_MODEL_NAMES = ["", "a/b", "a..b", "x.lock", "x.", "-x", ".x", "a b", "a:b", "m" * 101, 123, None]
BAD_VERSION_NAMES = ["", "1", "V1", "v", "vx", "v1..2", "v1.lock", "v1.", "v1/2", "v1 2",
                     "v" + "1" * 100, 1]

BAD_REGISTRATIONS = {
    # metrics
    "nan accuracy": dict(evaluation_scores={"accuracy": NAN}),
    "inf accuracy": dict(evaluation_scores={"accuracy": INF}),
    "-inf latency": dict(evaluation_scores={"latency_ms": -INF}),
    "bool f1": dict(evaluation_scores={"f1_score": True}),
    "str accuracy": dict(evaluation_scores={"accuracy": "0.9"}),
    "nan custom": dict(evaluation_scores={"custom_metrics": {"humaneval": NAN}}),
    "str custom": dict(evaluation_scores={"my_metric": "high"}),
    "bool custom": dict(evaluation_scores={"my_metric": False}),
    "inf rouge": dict(evaluation_scores={"rouge": {"rouge1": INF}}),
    "str rouge1": dict(evaluation_scores={"rouge1": "x"}),
    "bad metric name": dict(evaluation_scores={"bad name!": 1.0}),
    "accuracy above 1": dict(evaluation_scores={"accuracy": 1.5}),
    "f1 below 0": dict(evaluation_scores={"f1_score": -3}),
    "rouge part above 1": dict(evaluation_scores={"rouge": {"rougeL": 1.01}}),
    "nested too deep": dict(evaluation_scores={"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": 1}}}}}}}}}}),
    "nested string leaf": dict(evaluation_scores={"mmlu": {"alias": "mmlu"}}),
    "scores not a mapping": dict(evaluation_scores=[("accuracy", 0.9)]),
    "custom not a mapping": dict(evaluation_scores={"custom_metrics": [1, 2]}),
    # training parameters
    "negative samples": dict(samples=-1),
    "negative epochs": dict(epochs=-3),
    "negative batch size": dict(batch_size=-4),
    "fractional samples": dict(samples=1.5),
    "str samples": dict(samples="223"),
    "bool samples": dict(samples=True),
    "negative learning rate": dict(learning_rate=-2e-4),
    "nan learning rate": dict(learning_rate=NAN),
    "negative cost": dict(cost_usd=-0.8),
    "inf duration": dict(duration_hours=INF),
    "int hardware": dict(hardware=7),
    # status at registration
    "status deployed": dict(status="deployed"),
    "status deprecated": dict(status="deprecated"),
    "status archived": dict(status="archived"),
    "status bogus": dict(status="bogus"),
    "status empty": dict(status=""),
    # lists, text, paths
    "tags a string": dict(tags="experimental"),
    "empty tag": dict(tags=["ok", ""]),
    "training data not str": dict(training_data=["oracle", 3]),
    "training data a string": dict(training_data="oracle"),
    "notes not str": dict(notes=5),
    "git commit not str": dict(git_commit=123),
    "empty lora path": dict(lora_path=""),
    "newline in path": dict(gguf_path="/models/a\nb.gguf"),
    "model card wrong type": dict(model_card=5),
    # parents
    "unknown parent version": dict(parent_version="v9"),
    "unknown parent model": dict(parent_version="nope:v1"),
    "unknown parent version other model": dict(parent_version="other:v7"),
    "bad parent name": dict(parent_version="v1/x"),
    "bad qualified parent": dict(parent_version="other:"),
    "parent not str": dict(parent_version=1),
}


# -- an existing registry ---------------------------------------------------------------
@pytest.mark.parametrize("name", BAD_MODEL_NAMES, ids=repr)
def test_bad_model_name(populated, registry_path, assert_nothing_written, name):
    exc = assert_nothing_written(registry_path, lambda: populated.register_model(name), InvalidNameError)
    assert "model" in str(exc)


@pytest.mark.parametrize("version", BAD_VERSION_NAMES, ids=repr)
def test_bad_version_name(populated, registry_path, assert_nothing_written, version):
    exc = assert_nothing_written(
        registry_path, lambda: populated.register_model("majora", version), InvalidNameError)
    assert "version" in str(exc)


@pytest.mark.parametrize("kwargs", BAD_REGISTRATIONS.values(), ids=BAD_REGISTRATIONS.keys())
@pytest.mark.parametrize("model", ["majora", "brand-new"])
def test_bad_registration(populated, registry_path, assert_nothing_written, kwargs, model):
    assert_nothing_written(registry_path, lambda: populated.register_model(model, **kwargs))


@pytest.mark.parametrize("kwargs,error", [
    (dict(evaluation_scores={"accuracy": NAN}), InvalidValueError),
    (dict(samples=-1), InvalidValueError),
    (dict(status="bogus"), InvalidValueError),
    (dict(parent_version="v9"), VersionNotFoundError),
    (dict(parent_version="nope:v1"), ModelNotFoundError),
])
def test_bad_registration_error_types(populated, registry_path, assert_nothing_written, kwargs, error):
    assert_nothing_written(registry_path, lambda: populated.register_model("majora", **kwargs), error)


def test_bad_metric_message_names_the_metric(populated, registry_path, assert_nothing_written):
    exc = assert_nothing_written(
        registry_path,
        lambda: populated.register_model("majora", evaluation_scores={"perplexity": INF}),
        InvalidValueError,
    )
    assert "perplexity" in str(exc)


def test_duplicate_explicit_version(populated, registry_path, assert_nothing_written):
    exc = assert_nothing_written(
        registry_path, lambda: populated.register_model("majora", "v2b"), VersionExistsError)
    assert "v2b" in str(exc)
    assert_nothing_written(registry_path, lambda: populated.register_model("other", "v1"), VersionExistsError)


@pytest.mark.parametrize("name", ["Majora", "MAJORA", "mAjOrA"])
def test_model_names_differing_only_in_case(populated, registry_path, assert_nothing_written, name):
    exc = assert_nothing_written(registry_path, lambda: populated.register_model(name), InvalidNameError)
    assert "majora" in str(exc)


def test_model_case_clash_either_way(reg, registry_path, assert_nothing_written):
    reg.register_model("Majora")
    assert_nothing_written(registry_path, lambda: reg.register_model("majora"), InvalidNameError)
    assert reg.list_models() == ["Majora"]


def test_version_names_differing_only_in_case(populated, registry_path, assert_nothing_written):
    exc = assert_nothing_written(
        registry_path, lambda: populated.register_model("majora", "v2B"), InvalidNameError)
    assert "v2b" in str(exc)
    populated.register_model("majora", "v4-RC1")
    assert_nothing_written(
        registry_path, lambda: populated.register_model("majora", "v4-rc1"), InvalidNameError)


LATER_CHANGES = {
    "score nan": lambda r: r.update_evaluation_scores("majora", "v1", accuracy=NAN),
    "score inf": lambda r: r.update_evaluation_scores("majora", "v1", accuracy=INF),
    "score bool": lambda r: r.update_evaluation_scores("majora", "v1", f1_score=True),
    "score str": lambda r: r.update_evaluation_scores("majora", "v1", accuracy="0.9"),
    "custom score nan": lambda r: r.update_evaluation_scores("majora", "v1", humaneval=NAN),
    "custom score str": lambda r: r.update_evaluation_scores("majora", "v1", humaneval="good"),
    "mixed good and bad scores": lambda r: r.update_evaluation_scores("majora", "v1", accuracy=0.9, bleu=NAN),
    "no scores": lambda r: r.update_evaluation_scores("majora", "v1"),
    "score unknown version": lambda r: r.update_evaluation_scores("majora", "v9", accuracy=0.9),
    "score unknown model": lambda r: r.update_evaluation_scores("nope", "v1", accuracy=0.9),
    "score bad version name": lambda r: r.update_evaluation_scores("majora", "v1/x", accuracy=0.9),
    "score bad model name": lambda r: r.update_evaluation_scores("a..b", "v1", accuracy=0.9),
    "status bogus": lambda r: r.set_status("majora", "v2", "bogus"),
    "status deployed": lambda r: r.set_status("majora", "v2", "deployed"),
    "status not str": lambda r: r.set_status("majora", "v2", 3),
    "status unknown version": lambda r: r.set_status("majora", "v9", "archived"),
    "status unknown model": lambda r: r.set_status("nope", "v1", "archived"),
    "deprecate deployed": lambda r: r.set_status("majora", "v1", "deprecated"),
    "archive deployed": lambda r: r.set_status("majora", "v1", "archived"),
    "empty tag": lambda r: r.add_tags("majora", "v1", ""),
    "tag not str": lambda r: r.add_tags("majora", "v1", 5),
    "tag unknown version": lambda r: r.add_tags("majora", "v9", "x"),
    "untag unknown model": lambda r: r.remove_tags("nope", "v1", "x"),
    "notes not str": lambda r: r.update_notes("majora", "v1", 5),
    "notes unknown version": lambda r: r.update_notes("majora", "v9", "x"),
    "metadata nothing": lambda r: r.update_metadata("majora"),
    "metadata owner not str": lambda r: r.update_metadata("majora", owner=5),
    "metadata tags a string": lambda r: r.update_metadata("majora", tags="coder"),
    "metadata unknown model": lambda r: r.update_metadata("nope", owner="x"),
    "deploy unknown version": lambda r: r.deploy("majora", "v9"),
    "deploy unknown model": lambda r: r.deploy("nope", "v1"),
    "deploy bad version name": lambda r: r.deploy("majora", "v1.lock"),
    "deploy archived": lambda r: r.deploy("majora", "v3"),
    "deploy to bad environment": lambda r: r.deploy("majora", "v2", environment="prod/eu"),
    "deploy to empty environment": lambda r: r.deploy("majora", "v2", environment=""),
    "deploy to dotdot environment": lambda r: r.deploy("majora", "v2", environment="a..b"),
    "deploy to .lock environment": lambda r: r.deploy("majora", "v2", environment="prod.lock"),
    "set_deployed unknown version": lambda r: r.set_deployed("majora", "v9"),
    "deploy to a new environment": lambda r: r.deploy("majora", "v2", environment="prodution"),
    "deploy to a case twin": lambda r: r.deploy("majora", "v2", environment="Production", new_environment=True),
    "set_deployed to a new environment": lambda r: r.set_deployed("majora", "v2", environment="staging"),
    "rollback to a version never deployed there": lambda r: r.rollback("majora", "v2b", earlier_only=True),
    "score accuracy above 1": lambda r: r.update_evaluation_scores("majora", "v1", accuracy=1.5),
    "undeploy nothing deployed": lambda r: r.undeploy("majora", environment="staging"),
    "undeploy not the live version": lambda r: r.undeploy("majora", "v2"),
    "undeploy unknown model": lambda r: r.undeploy("nope"),
    "undeploy bad environment": lambda r: r.undeploy("majora", environment="-x"),
    "rollback nothing earlier": lambda r: r.rollback("majora"),
    "rollback to the live version": lambda r: r.rollback("majora", "v1"),
    "rollback to archived": lambda r: r.rollback("majora", "v3"),
    "rollback unknown version": lambda r: r.rollback("majora", "v9"),
    "rollback nothing deployed": lambda r: r.rollback("other"),
    "rollback bad environment": lambda r: r.rollback("majora", environment="a/b"),
    "history bad environment": lambda r: r.deployment_history("majora", "a/b"),
    "lineage different parent": lambda r: LineageTracker(r.path).add_version("majora", "v2b", parent_version="v2"),
    "lineage unknown parent": lambda r: LineageTracker(r.path).add_version("majora", "v5", parent_version="v9"),
    "lineage bad name": lambda r: LineageTracker(r.path).add_version("majora", "5"),
}


@pytest.mark.parametrize("action", LATER_CHANGES.values(), ids=LATER_CHANGES.keys())
def test_bad_later_change(populated, registry_path, assert_nothing_written, action):
    assert_nothing_written(registry_path, lambda: action(populated))


def test_specific_error_types(populated, registry_path, assert_nothing_written):
    r = populated
    assert_nothing_written(registry_path, lambda: r.deploy("majora", "v3"), DeploymentError)
    assert_nothing_written(registry_path, lambda: r.set_status("majora", "v1", "archived"), DeploymentError)
    assert_nothing_written(registry_path, lambda: r.deploy("majora", "v2", environment="x/y"), InvalidNameError)
    assert_nothing_written(registry_path, lambda: r.update_evaluation_scores("majora", "v9", a=1), VersionNotFoundError)
    assert_nothing_written(registry_path, lambda: r.update_evaluation_scores("nope", "v1", a=1), ModelNotFoundError)
    assert_nothing_written(registry_path, lambda: r.set_status("majora", "v2", "gone"), InvalidValueError)
    assert_nothing_written(registry_path, lambda: r.deploy("majora", "v2", environment="PRODUCTION"), InvalidNameError)
    assert_nothing_written(registry_path, lambda: r.deploy("majora", "v2", environment="staging"), DeploymentError)
    r.register_model("majora", "v4", status="draft")
    assert_nothing_written(registry_path, lambda: r.deploy("majora", "v4"), DeploymentError)
    assert r.deploy("majora", "v4", force=True).version == "v4"


def test_nested_scores_are_flattened_with_slash(reg):
    v = reg.register_model("majora", evaluation_scores={"mmlu": {"acc,none": 0.6}, "pass@1": 0.3,
                                                        "custom_metrics": {"gsm8k": {"exact_match,strict-match": 0.4}}})
    assert v.evaluation_scores.custom_metrics == {"mmlu/acc,none": 0.6, "pass@1": 0.3,
                                                  "gsm8k/exact_match,strict-match": 0.4}
    assert reg.deploy("majora", "v1", environment="staging", new_environment=True).environment == "staging"


# -- a registry that does not exist -------------------------------------------------------
NOT_YET = {
    "bad model name": lambda r: r.register_model("a/b"),
    "bad version name": lambda r: r.register_model("majora", "1"),
    "nan metric": lambda r: r.register_model("majora", evaluation_scores={"accuracy": NAN}),
    "negative samples": lambda r: r.register_model("majora", samples=-1),
    "bad status": lambda r: r.register_model("majora", status="deployed"),
    "unknown parent version": lambda r: r.register_model("majora", parent_version="v1"),
    "unknown parent model": lambda r: r.register_model("majora", parent_version="other:v1"),
    "scores of unknown model": lambda r: r.update_evaluation_scores("majora", "v1", accuracy=0.9),
    "status of unknown model": lambda r: r.set_status("majora", "v1", "archived"),
    "tags of unknown model": lambda r: r.add_tags("majora", "v1", "x"),
    "notes of unknown model": lambda r: r.update_notes("majora", "v1", "x"),
    "metadata of unknown model": lambda r: r.update_metadata("majora", owner="x"),
    "deploy unknown model": lambda r: r.deploy("majora", "v1"),
    "undeploy unknown model": lambda r: r.undeploy("majora"),
    "rollback unknown model": lambda r: r.rollback("majora"),
    "lineage unknown parent": lambda r: LineageTracker(r.path).add_version("majora", "v2", parent_version="v1"),
}


@pytest.mark.parametrize("action", NOT_YET.values(), ids=NOT_YET.keys())
def test_nothing_created_for_a_missing_registry(tmp_path, assert_nothing_written, action):
    path = tmp_path / "missing-parent" / "registry.git"
    assert_nothing_written(path, lambda: action(ModelRegistry(path)))
    assert not (tmp_path / "missing-parent").exists()


# -- a registry path that is not a registry ----------------------------------------------------
def test_registry_path_is_a_plain_file(tmp_path, assert_nothing_written):
    path = tmp_path / "registry.git"
    path.write_text("not a repository\n")
    reg = ModelRegistry(path)
    for action in (reg.list_models, lambda: reg.get_version("majora", "v1"),
                   lambda: reg.register_model("majora"), reg.summary):
        exc = assert_nothing_written(path, action, CorruptRegistryError)
        assert str(path) in str(exc)
    assert path.read_text() == "not a repository\n"


def test_registry_path_is_a_plain_directory(tmp_path, assert_nothing_written):
    path = tmp_path / "registry.git"
    path.mkdir()
    (path / "notes.txt").write_text("hello\n")
    reg = ModelRegistry(path)
    for action in (reg.list_models, lambda: reg.register_model("majora"),
                   lambda: LineageTracker(path).add_version("majora", "v1")):
        exc = assert_nothing_written(path, action, CorruptRegistryError)
        assert "not a git repository" in str(exc)
    assert sorted(p.name for p in path.iterdir()) == ["notes.txt"]


def test_registry_path_is_a_work_tree_repository(tmp_path, git, assert_nothing_written):
    path = tmp_path / "checkout"
    path.mkdir()
    git(path / ".git", "init", "-q", str(path))
    reg = ModelRegistry(path)
    assert_nothing_written(path, lambda: reg.register_model("majora"), CorruptRegistryError)
    assert_nothing_written(path, reg.list_models, CorruptRegistryError)


# -- a version gitreg did not write ------------------------------------------------------------
def _hand_made_version(git, path: Path, model: str, version: str, files: dict[str, bytes]) -> str:
    """A version built with git plumbing only: blob(s) -> tree -> commit -> branch + annotated tag."""
    entries = []
    for name, data in files.items():
        proc_out = git(path, "hash-object", "-w", "--stdin", input=data.decode())
        entries.append(f"100644 blob {proc_out.strip()}\t{name}\n")
    tree = git(path, "mktree", input="".join(entries)).strip()
    tip = git(path, "rev-parse", f"refs/heads/{model}").strip()
    commit = git(path, "commit-tree", tree, "-p", tip, "-m", f"register {model} {version}").strip()
    git(path, "update-ref", f"refs/heads/{model}", commit, tip)
    git(path, "tag", "-a", "-m", f"{model} {version}", f"{model}/{version}", commit)
    assert git(path, "cat-file", "-t", f"refs/tags/{model}/{version}").strip() == "tag"
    return commit


def test_invalid_yaml_manifest_is_reported_by_name(populated, registry_path, git, assert_nothing_written):
    _hand_made_version(git, registry_path, "majora", "v9", {
        "manifest.yaml": b"schema: gitreg/1\nmodel_name: majora\nversion: [v9\nstatus: completed\n",
    })
    r = ModelRegistry(registry_path)
    for action in (lambda: r.get_version("majora", "v9"), lambda: r.compare_versions("majora", "v1", "v9")):
        exc = assert_nothing_written(registry_path, action, CorruptRegistryError)
        assert "majora/v9" in str(exc) and "manifest.yaml" in str(exc)
    # reads of many records are total: the good ones, plus the bad one as a problem naming its ref
    assert "v9" not in [v.version for v in r.list_versions("majora")]
    assert r.get_latest("majora").version != "v9"
    assert [p.ref for p in r.problems] == ["refs/tags/majora/v9"]
    assert "manifest.yaml" in r.problems[0].problem
    exc = assert_nothing_written(registry_path, lambda: r.deploy("majora", "v9"), CorruptRegistryError)
    assert "v9" in str(exc)
    # the rest of the model still reads
    assert r.get_version("majora", "v1").evaluation_scores.accuracy == 0.85


@pytest.mark.parametrize("files,words", [
    ({"manifest.yaml": b"- just\n- a list\n"}, "mapping"),
    ({"README.md": b"# no manifest\n"}, "missing"),
    ({"manifest.yaml": b"schema: gitreg/99\nmodel_name: majora\nversion: v9\n"}, "gitreg/99"),
    ({"manifest.yaml": b"schema: gitreg/1\nmodel_name: majora\nversion: v8\n"}, "v8"),
    ({"manifest.yaml": b"schema: gitreg/1\nmodel_name: majora\nversion: v9\nstatus: exploded\n"}, "exploded"),
])
def test_unreadable_manifests(populated, registry_path, git, assert_nothing_written, files, words):
    _hand_made_version(git, registry_path, "majora", "v9", files)
    r = ModelRegistry(registry_path)
    exc = assert_nothing_written(registry_path, lambda: r.get_version("majora", "v9"), CorruptRegistryError)
    assert "majora/v9" in str(exc) and words in str(exc)


def test_hand_made_valid_version_reads_and_keeps_unknown_keys(populated, registry_path, git):
    commit = _hand_made_version(git, registry_path, "majora", "v9", {
        "manifest.yaml": (b"schema: gitreg/1\nmodel_name: majora\nversion: v9\n"
                          b"created_at: '2026-01-14T10:00:00+00:00'\nstatus: completed\n"
                          b"evaluation_scores: {accuracy: 0.9}\nfuture_key: kept\n"),
    })
    v = ModelRegistry(registry_path).get_version("majora", "v9")
    assert (v.version, v.commit, v.evaluation_scores.accuracy) == ("v9", commit, 0.9)
    assert v.extra == {"future_key": "kept"}
