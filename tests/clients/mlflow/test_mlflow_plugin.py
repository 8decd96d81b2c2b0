"""MLflow imports every registry store's entry point on its first registry call, whatever the
URI names: gitreg's (gitreg.clients.mlflow.plugin:store) must not load the store, gitreg's API,
pygit2 or the mapping, so a process using another store does not pay for them (issue 28)."""
from __future__ import annotations

from tests.fresh import modules_after

_HEAVY = ("pygit2", "gitreg.api", "gitreg.git", "gitreg.model", "gitreg.features", "gitreg.clients.mlflow.store",
          "gitreg.clients.mlflow.mapping", "gitreg.clients.mlflow.listing", "gitreg.clients.mlflow.files")


def _loaded_after(code: str) -> list[str]:
    """The heavy modules loaded by a fresh interpreter after running `code`."""
    return modules_after(code, _HEAVY)


def test_the_entry_point_loads_nothing_heavy_until_it_builds_a_store(tmp_path):
    # what MLflow's store registry does with it: the entry point loaded, ready to build a store
    loaded = _loaded_after("from importlib.metadata import entry_points\n"
                           "(entry,) = entry_points(group='mlflow.model_registry_store', name='gitreg')\n"
                           "assert entry.value == 'gitreg.clients.mlflow.plugin:store'\n"
                           "builder = entry.load()")
    assert loaded == []
    loaded = _loaded_after("from gitreg.clients.mlflow.plugin import store\n"
                           f"made = store('gitreg://{tmp_path / 'r.git'}')\n"
                           "assert type(made).__name__ == 'GitregStore'")
    assert "gitreg.clients.mlflow.store" in loaded
    from gitreg.clients.mlflow import GitregStore  # the package still names the class (PEP 562)
    from gitreg.clients.mlflow.store import GitregStore as defined
    assert GitregStore is defined


def test_another_registry_store_pays_nothing_of_gitreg(tmp_path, tracking_uri):
    """MLflow's own SQLite registry in a process where gitreg is installed: gitreg's entry point
    is loaded, and nothing of gitreg's API with it."""
    db = tmp_path / "registry.db"
    loaded = _loaded_after("import logging\nfrom mlflow import MlflowClient\n"
                           "logging.getLogger('mlflow').setLevel(logging.ERROR)\n"
                           f"c = MlflowClient(tracking_uri={tracking_uri!r}, registry_uri={f'sqlite:///{db}'!r})\n"
                           "c.search_registered_models()\n"
                           "assert 'gitreg.clients.mlflow.plugin' in sys.modules  # the entry point was loaded")
    assert loaded == []


def test_a_gitreg_store_loads_what_it_uses_on_its_first_call(tmp_path, tracking_uri):
    from gitreg import ModelRegistry

    registry = tmp_path / "r.git"
    ModelRegistry(registry).register_model("m")
    loaded = _loaded_after("from mlflow import MlflowClient\n"
                           f"c = MlflowClient(tracking_uri={tracking_uri!r}, registry_uri={f'gitreg://{registry}'!r})\n"
                           "assert [str(v.version) for v in c.search_model_versions(\"name='m'\")] == ['1']")
    assert "pygit2" in loaded and "gitreg.clients.mlflow.listing" in loaded


_SEARCHES = ("from mlflow import MlflowClient\n"
             "c = MlflowClient(tracking_uri={tracking!r}, registry_uri={registry!r})\n"
             "assert sorted(str(v.version) for v in c.search_model_versions(\"name='m'\")) == {m!r}\n"
             "assert sorted((v.name, v.version) for v in c.search_model_versions(max_results=100)) == {every!r}\n"
             "assert [r.name for r in c.search_registered_models()] == ['m', 'n']\n"
             "stages = {{v.version: v.current_stage for v in c.search_model_versions(\"name='m'\")}}\n"
             "assert stages[2] == 'Production', stages\n"
             "assert c.get_model_version('m', 2).current_stage == 'Production'\n"  # what models:/m/2 asks
             "assert c.get_model_version_by_alias('m', 'production').version == 2\n"  # models:/m@production
             "assert [v.version for v in c.get_registered_model('n').latest_versions] == [1]\n")


def test_a_search_from_a_current_index_loads_neither_pygit2_nor_the_api(tmp_path, tracking_uri):
    """The view index current with the ref files: MLflow's searches and gets are answered from those
    files (features/query/catalog.py), with no pygit2, YAML-free API or query parser; once a
    write made it stale, the registry is opened and the answer has the write."""
    from gitreg import ModelRegistry

    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    for name, count in (("m", 2), ("n", 1)):
        for _ in range(count):
            reg.register_model(name)
    reg.deploy("m", "v2", environment="production")
    reg.catalog()  # the index, current with the refs
    heavy = ["pygit2", "gitreg.api", "gitreg.git.repository", "gitreg.model.snapshot", "gitreg.features.query.parser",
             "gitreg.features.query.bulk", "gitreg.core.rows"]
    code = _SEARCHES.format(tracking=tracking_uri, registry=f"gitreg://{path}", m=["1", "2"],
                            every=[("m", 1), ("m", 2), ("n", 1)])
    assert modules_after(code, heavy) == []
    reg.register_model("m")  # the refs moved: the index is stale
    code = _SEARCHES.format(tracking=tracking_uri, registry=f"gitreg://{path}", m=["1", "2", "3"],
                            every=[("m", 1), ("m", 2), ("m", 3), ("n", 1)])
    assert "pygit2" in modules_after(code, heavy)
    assert modules_after(code, heavy) == []  # brought up to date by the call before
