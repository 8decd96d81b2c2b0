"""MLflow's search calls answered from the registry-wide view index (gitreg/clients/mlflow/
listing.py) give exactly what reading every model whole gives (ModelView.load, then MLflow's
own filter, sort and pages: the store before the index), and never a stale answer."""
from __future__ import annotations

import random
import re
import time

import pytest
from mlflow.entities.model_registry import ModelVersionTag
from mlflow.exceptions import MlflowException
from mlflow.prompt.registry_utils import add_prompt_filter_string
from mlflow.utils.search_utils import SearchModelUtils, SearchModelVersionUtils

from gitreg import ModelRegistry
from gitreg.clients.mlflow import GitregStore, mapping, search
from gitreg.clients.mlflow.listing import sort_versions
from gitreg.clients.mlflow.mapping import LightVersion, ModelView

DEFAULT_ORDER = ["last_updated_timestamp DESC", "name ASC", "version_number DESC"]
VERSION_FILTERS = [
    None, "", "name = 'alpha'", "name IN ('alpha', 'beta', 'nope')", "name = 'alpha' AND name = 'beta'",
    "tags.team = 'nlp'", "tag.`mlflow.prompt.is_prompt` = 'true'", "version_number >= 2",
    "name = 'alpha' AND version_number < 3", "run_id = 'run-7'", "source_path LIKE 's3://%'",
    "name LIKE 'a%'", "name != 'alpha'", "tags.`params.lora_r` = '16'", "tags.stage = ''",
]
VERSION_ORDERS = [None, ["name ASC"], ["creation_timestamp DESC"],
                  ["last_updated_timestamp ASC", "version_number ASC"], ["version_number DESC", "name DESC"]]
MODEL_FILTERS = [None, "name = 'beta'", "name LIKE '%a%'", "tags.owner = 'ml'"]
MODEL_ORDERS = [None, ["name DESC"], ["last_updated_timestamp DESC"], ["creation_timestamp ASC"]]


def _tick():
    time.sleep(0.002)  # events a few ms apart: last-updated times differ between versions


@pytest.fixture
def rich(registry_path):
    """Versions with tags, params, MLflow keys, notes changes, deployments in the stage
    environments and others, retired statuses, an approval, an unnumbered version, a prompt."""
    reg = ModelRegistry(registry_path)
    reg.create_model("alpha", tags=["owner=ml"])
    for i in range(1, 6):
        reg.register_model("alpha", tags=["team=nlp" if i % 2 else "team=cv", "stage"],
                           evaluation_scores={"accuracy": 0.5 + i / 10}, params={"lora_r": 8 * i},
                           extra_keys={"mlflow": {"source": f"s3://b/alpha/{i}", "run_id": f"run-{i}"}})
        _tick()
    reg.set_status("alpha", "v2", "archived")
    reg.deploy("alpha", "v3", environment="production", new_environment=True)
    reg.deploy("alpha", "v4", environment="champion", new_environment=True)  # outside the stages: status read
    _tick()
    reg.update_notes("alpha", "v1", "changed later")  # v1 now updated after the others
    _tick()
    reg.register_model("beta", base_model="Qwen2.5-Coder-7B", training_data=["oracle"])
    reg.register_model("beta", framework="unsloth", samples=100, extra_keys={"mlflow": {"run_id": "run-7"}})
    reg.deploy("beta", "v1", environment="staging", new_environment=True)
    reg.deploy("beta", "v2", environment="staging")
    reg.approve("beta", "v1", environment="staging", reason="reviewed")
    reg.register_model("odd")
    reg.register_model("odd", "v1.1")  # not an MLflow version number: not listed
    reg.register_model("prompty", tags=["mlflow.prompt.is_prompt=true"])
    reg.create_model("empty", description="no versions yet")
    return registry_path


def versions_read_whole(path) -> list:
    """Every version, each model read whole (ModelView.load): the store before the index."""
    reg = ModelRegistry(path)
    views = [ModelView.load(reg, name) for name in reg.list_models()]
    return [mapping.model_version(view, v) for view in views for v in view.versions]


def models_read_whole(path) -> list:
    reg = ModelRegistry(path)
    return [mapping.registered_model(ModelView.load(reg, name)) for name in reg.list_models()]


def versions_page(entities, filter_string, order_by, max_results, page_token):
    """MLflow's own filter and sort of `entities`, then the page."""
    entities = SearchModelVersionUtils.filter(entities, add_prompt_filter_string(filter_string, is_prompt=False))
    return search.page(SearchModelVersionUtils.sort(entities, order_by or DEFAULT_ORDER), max_results, page_token)


def models_page(models, filter_string, order_by, max_results, page_token):
    models = SearchModelUtils.filter(models, add_prompt_filter_string(filter_string, is_prompt=False))
    return search.page(SearchModelUtils.sort(models, order_by), max_results, page_token)


def reference_versions(path, filter_string, order_by, max_results, page_token):
    return versions_page(versions_read_whole(path), filter_string, order_by, max_results, page_token)


def reference_models(path, filter_string, order_by, max_results, page_token):
    return models_page(models_read_whole(path), filter_string, order_by, max_results, page_token)


def protos(entities):
    return [e.to_proto() for e in entities]


def every_page_agrees(search, reference, filters, orders, sizes) -> None:
    """Each page of search(filter, size, order, token), followed token by token, is the reference's."""
    for filter_string in filters:
        for order_by in orders:
            for max_results in sizes:
                token = None
                while True:
                    got = search(filter_string, max_results, order_by, token)
                    want = reference(filter_string, order_by, max_results, token)
                    assert protos(got) == protos(want), (filter_string, order_by, max_results, token)
                    assert got.token == want.token
                    token = got.token
                    if token is None:
                        break


def test_version_searches_match_reading_every_model_whole(rich):
    store = GitregStore(f"gitreg://{rich}")
    whole = versions_read_whole(rich)  # once: nothing is written while the pages are compared
    every_page_agrees(store.search_model_versions, lambda *args: versions_page(whole, *args),
                      VERSION_FILTERS, VERSION_ORDERS, (1000, 3))
    everything = store.search_model_versions(None, 1000, None, None)
    assert {(v.name, v.version) for v in everything} >= {("alpha", 5), ("beta", 2), ("odd", 1)}
    assert ("prompty", 1) not in {(v.name, v.version) for v in everything}


def test_registered_model_searches_match_reading_every_model_whole(rich):
    store = GitregStore(f"gitreg://{rich}")
    whole = models_read_whole(rich)  # once: nothing is written while the pages are compared
    every_page_agrees(store.search_registered_models, lambda *args: models_page(whole, *args),
                      MODEL_FILTERS, MODEL_ORDERS, (100, 2))
    alpha = next(m for m in store.search_registered_models("name = 'alpha'", 10, None, None))
    assert {(v.current_stage, v.version) for v in alpha.latest_versions} == {
        ("Production", 3), ("Archived", 2), ("None", 5)}


def test_a_write_through_the_plain_api_after_the_index_is_built_is_seen(rich):
    store = GitregStore(f"gitreg://{rich}")
    before = store.search_model_versions("name = 'alpha'", 1000, None, None)
    assert (rich / "gitreg-cache" / "views.index").is_file()
    reg = ModelRegistry(rich)
    _tick()
    reg.register_model("alpha", tags=["team=nlp"])
    after = store.search_model_versions("name = 'alpha'", 1000, None, None)
    assert [v.version for v in after][:1] == [6] and len(after) == len(before) + 1
    assert protos(after) == protos(reference_versions(rich, "name = 'alpha'", None, 1000, None))
    _tick()
    reg.update_notes("alpha", "v2", "a later note")  # a note: v2's last-updated time moves
    first = store.search_model_versions(None, 1, None, None)[0]
    assert (first.name, first.version, first.description) == ("alpha", 2, "a later note")
    _tick()
    reg.approve("alpha", "v5", environment="production")  # approvals: refs the index keys do not hold
    first = store.search_model_versions(None, 1, None, None)[0]
    assert (first.name, first.version) == ("alpha", 5)
    models = store.search_registered_models(None, 10, ["last_updated_timestamp DESC"], None)
    assert protos(models) == protos(reference_models(rich, None, ["last_updated_timestamp DESC"], 10, None))
    assert models[0].name == "alpha"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_index_changes_no_answer(rich, damage):
    store = GitregStore(f"gitreg://{rich}")
    store.search_model_versions(None, 1000, None, None)
    path = rich / "gitreg-cache" / "views.index"
    data = path.read_bytes()
    path.write_bytes({"garbage": b"\x00" * len(data), "truncated": data[:len(data) // 2], "empty": b""}[damage])
    fresh = GitregStore(f"gitreg://{rich}")
    assert protos(fresh.search_model_versions(None, 1000, None, None)) == \
        protos(reference_versions(rich, None, None, 1000, None))
    assert protos(fresh.search_registered_models(None, 100, None, None)) == \
        protos(reference_models(rich, None, None, 100, None))


def test_create_answers_what_a_read_back_answers(rich, tmp_path):
    store = GitregStore(f"gitreg://{rich}")
    created = store.create_model_version("alpha", "s3://b/alpha/new", run_id="r1", run_link="http://127.0.0.1/r1",
                                         tags=[ModelVersionTag("team", "nlp")], description="made through MLflow")
    assert created.to_proto() == store.get_model_version("alpha", created.version).to_proto()
    with pytest.raises(Exception, match="read-only through MLflow"):
        store.create_model_version("odd", "s3://b/odd")
    with pytest.raises(Exception, match="Registered Model with name=nosuch not found"):
        store.create_model_version("nosuch", "s3://b/x")


def test_the_default_order_is_mlflows():
    rng = random.Random(28)
    for _ in range(200):
        entities = [LightVersion(rng.choice("abc"), rng.randint(1, 5), rng.choice([None, 1, 2]),
                                 rng.choice([None, 5, 6, 7])) for _ in range(rng.randint(0, 30))]
        assert sort_versions(entities, None) == SearchModelVersionUtils.sort(entities, DEFAULT_ORDER)


def test_a_page_by_key_is_the_page_of_the_sorted_items():
    """search.page_by_key (the default order's page, heapq.nsmallest) gives search.page of the
    items sorted by key, page tokens included, whatever the page and offset."""
    from mlflow.utils.search_utils import SearchUtils

    rng = random.Random(28)
    for _ in range(300):
        keys = rng.sample(range(1000), rng.randint(0, 40))  # unique keys, as (name, number) are
        items = [((k, rng.choice("ab")), f"item-{k}") for k in keys]
        size = rng.randint(1, 12)
        token = rng.choice([None, SearchUtils.create_page_token(rng.randint(1, 45))])
        want = search.page([item for _, item in sorted(items)], size, token)
        got = search.page_by_key(items, size, token)
        assert list(got) == list(want) and got.token == want.token


def test_version_numbers_as_the_rule_says():
    rule = re.compile(r"v([1-9][0-9]{0,17})\Z")
    names = ["v1", "v10", "v0", "v01", "v", "1", "V1", "v1.1", "v1a", "v1\n", "v١", "v²", "v" + "9" * 18,
             "v" + "9" * 19, "vv1", "v-1", "v+1", " v1", "v 1"]
    for name in names:
        match = rule.match(name)
        assert mapping.number(name) == (int(match.group(1)) if match else None), name


def test_a_row_that_fails_its_check_is_read_directly_and_its_block_rebuilt(rich):
    """A row rewritten in place (its columns intact) fails its own MAC: the page's record is read
    from the registry, and the model's block is made again, so later calls read the index."""
    from gitreg.clients.mlflow import listing

    want = protos(GitregStore(f"gitreg://{rich}").search_model_versions("name = 'alpha'", 1000, None, None))
    path = rich / "gitreg-cache" / "views.index"
    data = path.read_bytes()
    assert data.count(b'"s3://b/alpha/3"') == 1  # in v3's row only (the MLflow keys are no column)
    path.write_bytes(data.replace(b'"s3://b/alpha/3"', b'"s3://b/alpha/X"'))
    listing.forget()  # as a fresh process: no record remembered from the sound bytes
    got = GitregStore(f"gitreg://{rich}").search_model_versions("name = 'alpha'", 1000, None, None)
    assert protos(got) == want
    assert b"alpha/X" not in path.read_bytes() and b'"s3://b/alpha/3"' in path.read_bytes()


def _reference_gets(path):
    """Every model's, numbered version's and alias's entity as read whole (ModelView.load), as protos."""
    reg = ModelRegistry(path)
    models, versions, aliases = {}, {}, {}
    for name in reg.list_models():
        view = ModelView.load(reg, name)
        models[name] = mapping.registered_model(view).to_proto()
        for v in view.versions:
            if mapping.number(v.version) is not None:
                versions[(name, mapping.number(v.version))] = mapping.model_version(view, v).to_proto()
        for alias, v in view.aliases.items():
            aliases[(name, alias)] = mapping.model_version(view, view.find(v)).to_proto()
    return models, versions, aliases


def _gets(store, models, versions, aliases):
    return ({name: store.get_registered_model(name).to_proto() for name in models},
            {key: store.get_model_version(*key).to_proto() for key in versions},
            {key: store.get_model_version_by_alias(*key).to_proto() for key in aliases})


def test_gets_from_the_index_match_reading_the_model_whole(rich):
    """get_model_version (what `models:/m/3` asks), get_model_version_by_alias (`models:/m@a`),
    get_registered_model and the download URI answer from the view index as searches do: the
    same entity as the model read whole, after writes too, and with a damaged index; a missing
    model, version or alias gets MLflow's errors as before."""
    expected = _reference_gets(rich)
    models, versions, aliases = expected
    assert ("alpha", 2) in versions and ("beta", 1) in versions and "empty" in models
    assert ("alpha", "production") in aliases and ("beta", "staging") in aliases
    store = GitregStore(f"gitreg://{rich}")
    assert _gets(store, *expected) == expected
    assert (rich / "gitreg-cache" / "views.index").is_file()
    assert [store.get_model_version_download_uri("alpha", n) for n in (1, 5)] == ["s3://b/alpha/1", "s3://b/alpha/5"]
    reg = ModelRegistry(rich)
    _tick()
    reg.register_model("alpha", tags=["team=nlp"])
    reg.update_notes("alpha", "v2", "a later note")
    reg.approve("alpha", "v5", environment="production")
    reg.deploy("alpha", "v6", environment="production")
    expected = _reference_gets(rich)
    models, versions, aliases = expected
    assert versions[("alpha", 2)].description == "a later note" and aliases[("alpha", "production")].version == "6"
    assert _gets(store, *expected) == expected
    path = rich / "gitreg-cache" / "views.index"
    path.write_bytes(b"\x00" * len(path.read_bytes()))
    assert _gets(GitregStore(f"gitreg://{rich}"), *expected) == expected
    for call, args in ((store.get_model_version, ("alpha", 99)), (store.get_model_version, ("nope", 1)),
                       (store.get_registered_model, ("nope",)), (store.get_model_version, ("alpha", "x")),
                       (store.get_model_version_by_alias, ("alpha", "nope")),
                       (store.get_model_version_download_uri, ("alpha", 99))):
        with pytest.raises(MlflowException) as caught:
            call(*args)
        assert caught.value.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"), args


def _spoil_line(path, model, key):
    """One byte of a model's column line in the view index changed in place: its MAC fails."""
    from gitreg.features.query.fields import INDEX_COLUMNS
    from gitreg.git.cache import viewindex

    start, end = viewindex.read(path, INDEX_COLUMNS).blocks[model].lines[list(INDEX_COLUMNS).index(key)]
    data = bytearray(path.read_bytes())
    data[start + 1] = ord("{")  # `[` then `{`: no JSON list of values, and no MAC either
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("filter_string", [None, "name = 'alpha'", "name IN ('alpha', 'beta')"])
def test_the_default_order_reads_only_the_columns_it_needs(rich, filter_string):
    """MLflow's default order with a filter the listing answers reads the version and updated
    columns (and tags where the prompt key may be): damaged environment and creation-time lines
    are never read, so nothing is rebuilt, and the page (aliases from its records) is right."""
    from gitreg.clients.mlflow import listing

    GitregStore(f"gitreg://{rich}").search_model_versions(None, 1000, None, None)
    path = rich / "gitreg-cache" / "views.index"
    for model in ("alpha", "beta"):  # alpha: aliases production, champion; beta: staging
        for key in ("environment", "created_ts"):
            _spoil_line(path, model, key)
    spoiled = path.read_bytes()
    for max_results in (1000, 2):
        listing.forget()  # as a fresh process
        got = GitregStore(f"gitreg://{rich}").search_model_versions(filter_string, max_results, None, None)
        assert protos(got) == protos(reference_versions(rich, filter_string, None, max_results, None))
        assert got.token == reference_versions(rich, filter_string, None, max_results, None).token
    assert path.read_bytes() == spoiled  # not rebuilt: neither line was read
    listing.forget()
    got = GitregStore(f"gitreg://{rich}").search_model_versions(filter_string, 1000, ["name ASC"], None)
    assert protos(got) == protos(reference_versions(rich, filter_string, ["name ASC"], 1000, None))
    assert path.read_bytes() != spoiled  # MLflow's own sort reads them: the blocks are rebuilt


def test_a_damaged_tag_line_the_prompt_check_needs_is_rebuilt(rich):
    """A model whose tag line may name the prompt key has its tags read: damaged, its block is
    rebuilt, and its prompt is still left out of the versions."""
    from gitreg.clients.mlflow import listing

    GitregStore(f"gitreg://{rich}").search_model_versions(None, 1000, None, None)
    path = rich / "gitreg-cache" / "views.index"
    _spoil_line(path, "prompty", "tag")
    spoiled = path.read_bytes()
    listing.forget()
    got = GitregStore(f"gitreg://{rich}").search_model_versions(None, 1000, None, None)
    assert protos(got) == protos(reference_versions(rich, None, None, 1000, None))
    assert "prompty" not in {v.name for v in got}
    assert path.read_bytes() != spoiled


def test_the_first_versions_of_the_default_order_are_chosen_from_the_newest(registry_path):
    """Listing.default_order(first=n) keeps, of models timed by their columns, only versions not
    older than the n-th newest: every page up to n is the page of all the keys, tokens included,
    with times that tie across models and versions (as a fixture registering in bursts makes)."""
    from mlflow.utils.search_utils import SearchUtils

    from gitreg.clients.mlflow import listing

    reg = ModelRegistry(registry_path)
    rng = random.Random(28)
    for i in range(40):
        reg.register_model(f"m{rng.randint(0, 5)}", tags=["mlflow.prompt.is_prompt=true"] if i == 7 else [])
        if rng.random() < 0.3:
            _tick()
    reg.approve("m1", "v1", environment="production")  # approvals: that model's times are not its column's
    everything = listing.Listing(registry_path, lambda: reg, None, listing.ORDER_COLUMNS)
    full, count = everything.default_order(None, prompts=True)
    assert count == len(full) == 39
    for _ in range(60):
        size = rng.randint(1, 15)
        token = rng.choice([None, SearchUtils.create_page_token(rng.randint(1, 40))])
        end = search.page_end(size, token)
        listed = listing.Listing(registry_path, lambda: reg, None, listing.ORDER_COLUMNS)
        some, total = listed.default_order(None, prompts=True, first=end)
        assert total == count and set(some) <= set(full)
        got, want = search.page_by_key(some, size, token, total), search.page_by_key(full, size, token)
        assert list(got) == list(want) and got.token == want.token, (size, token)
        assert len(some) < len(full) or end >= 20


def test_a_model_is_told_numbered_in_one_pass_as_number_tells_each_version():
    """listing._numbered (every name an MLflow version number, one regex pass) agrees with
    mapping.number name by name, and a name holding a newline is never read as two."""
    from gitreg.clients.mlflow.listing import _numbered

    names = ["v1", "v0", "v01", "v10", "v2.1", "v", "v" + "9" * 18, "v1" + "0" * 18, "v1\nv2", "x1", "v\u0661",
             "v9 ", "V3", "v3\n"]
    for name in names:
        assert _numbered([name]) == (mapping.number(name) is not None), name
    rng = random.Random(28)
    for _ in range(300):
        versions = [rng.choice(names) for _ in range(rng.randint(0, 6))]
        assert _numbered(versions) == (bool(versions) and None not in map(mapping.number, versions)), versions
