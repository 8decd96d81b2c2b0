"""The real MLflow client on a gitreg registry (registry URI gitreg:///...), then the same
facts read back through the gitreg CLI and plain git."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
from importlib.metadata import entry_points
from pathlib import Path

import mlflow
import pytest
import yaml
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersionTag
from mlflow.exceptions import MlflowException

from gitreg import ModelRegistry
from gitreg.clients.mlflow import GitregStore, registry_path


@pytest.fixture
def client(registry_path, tracking_uri) -> MlflowClient:
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=f"gitreg://{registry_path}")


def gitreg_cli(registry: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(registry), *args, "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def register(client: MlflowClient, name: str, count: int, **kwargs) -> list:
    return [client.create_model_version(name, source=f"s3://bucket/{name}/{i}", run_id=f"run-{name}-{i}",
                                        await_creation_for=0, **kwargs) for i in range(1, count + 1)]


def test_uri_forms(tmp_path):
    assert registry_path(f"gitreg://{tmp_path}/r.git") == tmp_path / "r.git"
    assert registry_path("gitreg://") is None and registry_path("gitreg:") is None
    with pytest.raises(MlflowException, match="local registry path"):
        registry_path("gitreg://host/srv/r.git")


def test_plugin_is_resolved_by_mlflow(registry_path, tracking_uri, git):
    (entry,) = entry_points(group="mlflow.model_registry_store", name="gitreg")
    assert isinstance(entry.load()(f"gitreg://{registry_path}"), GitregStore)  # a builder (plugin.py)
    MlflowClient(tracking_uri=tracking_uri, registry_uri=f"gitreg://{registry_path}").create_registered_model("m")
    assert git(registry_path, "log", "--format=%s", "m").split("\n")[0] == "create model m"


def test_create_get_and_the_same_facts_in_gitreg_and_git(client, registry_path, model_dir, git):
    client.create_registered_model("majora", tags={"team": "nlp"}, description="code model")
    mv = client.create_model_version("majora", source=str(model_dir), run_id="abc123",
                                     run_link="http://127.0.0.1/runs/abc123", tags={"dataset": "oracle"},
                                     description="first cut", await_creation_for=0)
    assert (mv.version, mv.source, mv.run_id, mv.tags, mv.description) == (
        1, str(model_dir), "abc123", {"dataset": "oracle"}, "first cut")
    model = client.get_registered_model("majora")
    assert (model.description, model.tags, [v.version for v in model.latest_versions]) == (
        "code model", {"team": "nlp"}, [1])

    # gitreg sees version v1 with the tags, notes and the file; the manifest keeps MLflow's keys
    shown = gitreg_cli(registry_path, "show", "majora", "v1")
    assert shown["tags"] == ["dataset=oracle"] and shown["notes"] == "first cut"
    assert [f["path"] for f in shown["files"]] == [str(model_dir)] and shown["files"][0]["sha256"]
    manifest = yaml.safe_load(git(registry_path, "show", "majora/v1:manifest.yaml"))
    assert manifest["mlflow"] == {"source": str(model_dir), "run_id": "abc123",
                                  "run_link": "http://127.0.0.1/runs/abc123"}
    assert gitreg_cli(registry_path, "meta", "majora")["tags"] == ["team=nlp"]
    assert git(registry_path, "tag", "--list").split() == ["majora/v1"]


def test_tags_descriptions_and_the_notes_log(client, registry_path, git):
    client.create_registered_model("m")
    register(client, "m", 1)
    client.set_model_version_tag("m", "1", "stage", "qa")
    client.set_model_version_tag("m", "1", "stage", "ok")  # replaces the value of the key
    client.set_model_version_tag("m", "1", "reviewed", "")
    client.update_model_version("m", "1", description="checked")
    client.set_registered_model_tag("m", "owner", "ana")
    client.delete_registered_model_tag("m", "owner")
    client.update_registered_model("m", description="now described")
    mv = client.get_model_version("m", "1")
    assert mv.tags == {"stage": "ok", "reviewed": ""} and mv.description == "checked"
    model = client.get_registered_model("m")
    assert model.tags == {} and model.description == "now described"
    client.delete_model_version_tag("m", "1", "reviewed")
    assert client.get_model_version("m", "1").tags == {"stage": "ok"}

    assert ModelRegistry(registry_path).get_version("m", "v1").tags == ["stage=ok"]
    # every change is a notes commit: the notes ref's history is the change log
    log = git(registry_path, "log", "--format=%s", "refs/notes/gitreg/m").splitlines()
    assert len(log) == 8


def test_aliases_are_deployments(client, registry_path, model_dir, git, tmp_path, monkeypatch):
    client.create_registered_model("m")
    client.create_model_version("m", source=str(model_dir), await_creation_for=0)
    register(client, "m", 2)
    client.set_registered_model_alias("m", "champion", "1")
    client.set_registered_model_alias("m", "challenger", 3)
    assert client.get_model_version_by_alias("m", "champion").version == 1
    assert client.get_registered_model("m").aliases == {"champion": "1", "challenger": "3"}
    assert client.get_model_version("m", "3").aliases == ["challenger"]

    deployed = git(registry_path, "show", "refs/deployed/champion/m:deployment.yaml")
    assert yaml.safe_load(deployed)["version"] == "v1"
    assert gitreg_cli(registry_path, "show", "m", "v1")["environments"] == ["champion"]

    # the download URI is the version's files: models:/m@champion gives the weights
    uri = client.get_model_version_download_uri("m", "1")
    assert uri == model_dir.as_uri()
    # models:/ URIs are resolved with the process's registry URI (MLFLOW_REGISTRY_URI)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", f"gitreg://{registry_path}")
    out = mlflow.artifacts.download_artifacts("models:/m@champion", dst_path=str(tmp_path / "dl"))
    assert (Path(out) / "model.safetensors").read_bytes() == (model_dir / "model.safetensors").read_bytes()

    client.delete_registered_model_alias("m", "champion")
    assert client.get_registered_model("m").aliases == {"challenger": "3"}
    actions = git(registry_path, "log", "--format=%s", "refs/deployed/champion/m").splitlines()
    assert len(actions) == 2  # deploy then undeploy: history only appends
    with pytest.raises(MlflowException, match="not found"):
        client.get_model_version_by_alias("m", "champion")



def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_on_a_clone_comes_from_the_stored_files(registry_path, tracking_uri, model_dir, bare_remote,
                                                         tmp_path, monkeypatch, git):
    """Registered through MLflow with gitreg.store on, pushed, `gitreg clone`d on another machine
    (own HOME and cache), the model dir gone: models:/m@champion gives the same weights from LFS."""
    reg = ModelRegistry(registry_path)
    reg.init()
    git(registry_path, "config", "gitreg.store", "true")
    reg.add_remote("origin", str(bare_remote), sync=True)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=f"gitreg://{registry_path}")
    client.create_registered_model("m")
    client.create_model_version("m", source=str(model_dir), await_creation_for=0)
    client.set_registered_model_alias("m", "champion", "1")
    reg.push()
    wanted = {p.name: _sha256(p) for p in model_dir.iterdir()}
    shutil.rmtree(model_dir)  # the recorded path is gone: only the store has the bytes

    home = tmp_path / "machine-b"
    for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(home / sub))
    clone = home / "registry.git"
    proc = subprocess.run([sys.executable, "-m", "gitreg", "clone", str(bare_remote), str(clone)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert not (clone / "lfs" / "objects").exists()  # cloning fetched refs, not weights
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", f"gitreg://{clone}")
    uri = MlflowClient(tracking_uri=tracking_uri).get_model_version_download_uri("m", "1")
    assert (Path(uri[len("file://"):]) / "MLmodel").is_file()  # the model directory itself
    out = Path(mlflow.artifacts.download_artifacts("models:/m@champion", dst_path=str(tmp_path / "dl")))
    got = {p.name: _sha256(p) for p in out.iterdir()}
    got.pop("registered_model_meta", None)  # MLflow < 3.18 adds it to every models:/ download; 3.18 no more
    assert got == wanted
    assert not any(p.is_symlink() for p in out.iterdir())  # copies, not links into the store
    fetched = {p.name for p in (clone / "lfs" / "objects").rglob("*") if p.is_file()}
    assert set(wanted.values()) <= fetched


def test_download_without_files_falls_back_to_source_then_refuses(client, registry_path, model_dir):
    client.create_registered_model("m")
    client.create_model_version("m", source="s3://bucket/m/1", await_creation_for=0)
    assert client.get_model_version_download_uri("m", "1") == "s3://bucket/m/1"
    client.create_model_version("m", source=str(model_dir), await_creation_for=0)  # not stored
    assert client.get_model_version_download_uri("m", "2") == model_dir.as_uri()
    ModelRegistry(registry_path).register_model("m")  # no files, no source
    with pytest.raises(MlflowException, match="m v3 has no files to download here and no MLflow source"):
        client.get_model_version_download_uri("m", "3")


def test_search_filters_order_and_pages(client):
    for name in ("alpha", "beta", "gamma"):
        client.create_registered_model(name, tags={"family": "greek" if name != "beta" else "other"})
    register(client, "alpha", 3)
    register(client, "beta", 2)
    found = client.search_registered_models("tags.family = 'greek'", order_by=["name DESC"])
    assert [m.name for m in found] == ["gamma", "alpha"]
    assert [m.name for m in client.search_registered_models("name LIKE 'a%'")] == ["alpha"]

    first = client.search_registered_models(max_results=2, order_by=["name ASC"])
    second = client.search_registered_models(max_results=2, order_by=["name ASC"], page_token=first.token)
    assert [m.name for m in first] == ["alpha", "beta"] and [m.name for m in second] == ["gamma"]
    assert second.token is None

    versions = client.search_model_versions("name = 'alpha' AND version_number >= 2",
                                            order_by=["version_number ASC"])
    assert [(v.name, v.version) for v in versions] == [("alpha", 2), ("alpha", 3)]
    by_run = client.search_model_versions("run_id = 'run-beta-2'")
    assert [(v.name, v.version) for v in by_run] == [("beta", 2)]
    page1 = client.search_model_versions("name IN ('alpha', 'beta')", max_results=3,
                                         order_by=["name ASC", "version_number DESC"])
    assert [(v.name, v.version) for v in page1] == [("alpha", 3), ("alpha", 2), ("alpha", 1)]
    page2 = client.search_model_versions("name IN ('alpha', 'beta')", max_results=3,
                                         order_by=["name ASC", "version_number DESC"], page_token=page1.token)
    assert [(v.name, v.version) for v in page2] == [("beta", 2), ("beta", 1)]
    with pytest.raises(MlflowException, match="Invalid"):
        client.search_model_versions("bogus.key = 1")


def test_metric_filters_read_gitreg_scores(client, registry_path):
    reg = ModelRegistry(registry_path)
    reg.register_model("scored", evaluation_scores={"accuracy": 0.7, "mmlu/acc": 0.2})
    reg.register_model("scored", evaluation_scores={"accuracy": 0.9, "mmlu/acc": 0.4})
    found = client.search_model_versions("name = 'scored' AND metrics.accuracy > 0.8")
    assert [v.version for v in found] == [2]
    assert [v.version for v in client.search_model_versions("metrics.`mmlu/acc` <= 0.2")] == [1]
    assert {m.key: m.value for m in found[0].metrics} == {"accuracy": 0.9, "mmlu/acc": 0.4}
    # evaluated by gitreg's query language (registry.search): same answers as gitreg search
    both = "metrics.accuracy >= 0.7 AND metrics.`mmlu/acc` < 0.3 AND name = 'scored'"
    assert [v.version for v in client.search_model_versions(both)] == [1]
    assert [v.version for v in reg.search('accuracy >= 0.7 and "mmlu/acc" < 0.3')] == ["v1"]
    with pytest.raises(MlflowException, match="framework") as refused:
        client.search_model_versions("metrics.framework > 1")  # a gitreg field, not a number
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"


def test_deletes_and_renames_are_refused_and_nothing_is_written(client, registry_path, refs):
    client.create_registered_model("m")
    register(client, "m", 1)
    before = refs(registry_path)
    for call in (lambda: client.delete_model_version("m", "1"),
                 lambda: client.delete_registered_model("m"),
                 lambda: client.rename_registered_model("m", "n")):
        with pytest.raises(MlflowException, match="history only appends"):
            call()
    assert refs(registry_path) == before
    assert client.get_model_version("m", "1").version == 1


def test_errors_are_mlflow_errors(client):
    with pytest.raises(MlflowException) as missing:
        client.get_registered_model("nope")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    client.create_registered_model("m")
    with pytest.raises(MlflowException) as again:
        client.create_registered_model("m")
    assert again.value.error_code == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as bad:
        client.create_registered_model("bad/name")
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException, match="not found"):
        client.get_model_version("m", "7")


@pytest.mark.filterwarnings("ignore:.*stages.*:FutureWarning")  # MLflow deprecates stages; still in its API
def test_stages_map_to_environments_and_status(client, registry_path):
    client.create_registered_model("m")
    register(client, "m", 3)
    client.transition_model_version_stage("m", "1", "Production")
    client.transition_model_version_stage("m", "2", "Staging")
    client.transition_model_version_stage("m", "3", "Production", archive_existing_versions=True)
    stages = {v.version: v.current_stage for v in client.search_model_versions("name = 'm'")}
    assert stages == {1: "Archived", 2: "Staging", 3: "Production"}
    assert ModelRegistry(registry_path).deployments("m") == {"production": "v3", "staging": "v2"}
    assert ModelRegistry(registry_path).get_version("m", "v1").status.value == "archived"
    client.transition_model_version_stage("m", "2", "None")
    assert client.get_model_version("m", "2").current_stage == "None"
    latest = client.get_latest_versions("m", stages=["Production"])
    assert [v.version for v in latest] == [3]


def test_model_with_unnumbered_versions_is_read_only(client, registry_path):
    reg = ModelRegistry(registry_path)
    reg.register_model("odd", "v1")
    reg.register_model("odd", "v1.1")
    model = client.get_registered_model("odd")
    assert [v.version for v in model.latest_versions] == [1]
    with pytest.raises(MlflowException, match="read-only through MLflow.*v1.1"):
        client.create_model_version("odd", source="s3://x", await_creation_for=0)
    with pytest.raises(MlflowException, match="read-only"):
        client.set_registered_model_alias("odd", "champion", "1")
    assert reg.list_versions("odd")[-1].version == "v1.1" and reg.deployments("odd") == {}


def test_eight_threads_register_none_lost_none_duplicated(registry_path):
    """One store (as the tracking server holds it), 8 threads registering at once."""
    store = GitregStore(f"gitreg://{registry_path}")
    store.create_registered_model("busy")
    per_thread, errors, made = 5, [], []
    lock = threading.Lock()

    def work(worker: int) -> None:
        try:
            for i in range(per_thread):
                mv = store.create_model_version("busy", source=f"s3://b/{worker}/{i}",
                                                run_id=f"{worker}-{i}",
                                                tags=[ModelVersionTag("worker", str(worker))])
                with lock:
                    made.append((mv.version, mv.run_id))
        except Exception as exc:  # reported below: a thread's failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    total = 8 * per_thread
    assert sorted(v for v, _ in made) == list(range(1, total + 1))  # no duplicate numbers
    versions = ModelRegistry(registry_path).list_versions("busy")
    runs = sorted(v.extra["mlflow"]["run_id"] for v in versions)
    assert runs == sorted(f"{w}-{i}" for w in range(8) for i in range(per_thread))  # none lost
    assert dict(made) == {int(v.version[1:]): v.extra["mlflow"]["run_id"] for v in versions}


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input


def test_log_model_register_and_load_through_the_git_registry(registry_path, tracking_uri, tmp_path,
                                                              monkeypatch, git):
    """MLflow's everyday path: log_model(registered_model_name=...), register_model, load_model."""
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", f"gitreg://{registry_path}")
    experiment = MlflowClient(tracking_uri).create_experiment(
        f"gitreg-{tmp_path.name}", artifact_location=(tmp_path / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=Echo(), registered_model_name="echo",
                                       pip_requirements=["mlflow"])  # no inference: faster
    assert info.registered_model_version == 1
    again = mlflow.register_model(f"runs:/{run.info.run_id}/model", "echo")
    assert again.version == 2 and again.run_id == run.info.run_id
    assert mlflow.pyfunc.load_model("models:/echo/2").predict([1, 2]) == [1, 2]
    manifest = yaml.safe_load(git(registry_path, "show", "echo/v1:manifest.yaml"))
    assert manifest["mlflow"]["model_id"] == info.model_id
    assert yaml.safe_load(git(registry_path, "show", "echo/v2:manifest.yaml"))["mlflow"]["run_id"] == run.info.run_id


def test_one_unreadable_model_does_not_stop_the_search(client, registry_path, git, tmp_path):
    ModelRegistry(registry_path).register_model("good")
    ModelRegistry(registry_path).register_model("bad")
    # someone pushed a version of "bad" whose manifest is not YAML (plain git, no gitreg)
    blob = git(registry_path, "hash-object", "-w", "--stdin", input="schema: [unclosed\n").strip()
    tree = git(registry_path, "mktree", input=f"100644 blob {blob}\tmanifest.yaml\n").strip()
    commit = git(registry_path, "commit-tree", tree, "-p", "bad", "-m", "register bad v2").strip()
    git(registry_path, "update-ref", "refs/heads/bad", commit)
    git(registry_path, "tag", "-a", "-m", "bad v2", "bad/v2", commit)
    names = [m.name for m in client.search_registered_models()]
    assert "good" in names
    assert ("good", 1) in [(v.name, v.version) for v in client.search_model_versions()]


def test_a_name_filter_reads_only_the_models_it_names(client, registry_path, git, caplog):
    """`name = '…'` / `name IN (…)` are answered from those models alone: another model that
    cannot be read is not even opened (the unfiltered search logs it and skips it)."""
    client.create_registered_model("alpha")
    client.create_registered_model("beta")
    register(client, "alpha", 2)
    register(client, "beta", 1)
    blob = git(registry_path, "hash-object", "-w", "--stdin", input="not a commit\n").strip()
    (registry_path / "refs" / "heads" / "broken").write_text(blob + "\n")  # a branch that is no commit
    caplog.set_level("WARNING", logger="gitreg.clients.mlflow.store")
    everything = client.search_model_versions("")
    assert sorted((v.name, v.version) for v in everything) == [("alpha", 1), ("alpha", 2), ("beta", 1)]
    assert "skipping model 'broken'" in caplog.text
    caplog.clear()
    assert [(v.name, v.version) for v in client.search_model_versions(
        "name = 'alpha'", order_by=["version_number ASC"])] == [("alpha", 1), ("alpha", 2)]
    assert [v.name for v in client.search_model_versions("name IN ('beta', 'nope', 'bad name')")] == ["beta"]
    assert [m.name for m in client.search_registered_models("name = 'beta'")] == ["beta"]
    assert client.search_model_versions("name = 'alpha' AND name = 'beta'") == []
    assert "broken" not in caplog.text
    # MLflow's own semantics stay: a name filter that is not an exact match reads every model
    assert [m.name for m in client.search_registered_models("name LIKE 'al%'")] == ["alpha"]
