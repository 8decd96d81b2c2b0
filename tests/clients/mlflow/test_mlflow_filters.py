"""The filters of plain calls, read without MLflow's parser (search.simple_clauses), read as it
reads them; the registered-model prompt filter applied without it leaves out what MLflow's does."""
from __future__ import annotations

import pytest
from mlflow.prompt.registry_utils import add_prompt_filter_string
from mlflow.utils.search_utils import SearchModelUtils, SearchModelVersionUtils

from gitreg import ModelRegistry
from gitreg.clients.mlflow import GitregStore, listing, search
from gitreg.clients.mlflow.mapping import tag_dict

from .test_mlflow_index import MODEL_FILTERS, MODEL_ORDERS, every_page_agrees, reference_models

SIMPLE = [
    None, "", "name='model-0003'", "name = 'alpha'", "name= 'a.b_c-9'", "name ='A'",
    "name = 'alpha' AND name = 'beta'", "name = 'a'  AND name = 'b'", " name = 'alpha'", "name = 'alpha' ",
]
NOT_SIMPLE = [
    "name = 'a b'", "name = 'it''s'", "name = \"alpha\"", "name == 'alpha'", "NAME = 'alpha'",
    "name != 'alpha'", "name LIKE 'a%'", "name IN ('a', 'b')", "name = ''", "name = 'a' and name = 'b'",
    "name = 'a\\'b'", "tags.team = 'nlp'",
    "tag.`mlflow.prompt.is_prompt` = 'true'", "tag.`mlflow.prompt.is_prompt` != 'false'", "name = 'α'",
    "version_number >= 2", "name = 'alpha' AND version_number < 3", "name = 'a' AND",
]


@pytest.mark.parametrize("parser", [SearchModelUtils, SearchModelVersionUtils])
def test_simple_filters_are_read_as_mlflows_parser_reads_them(parser):
    for user_filter in SIMPLE + NOT_SIMPLE:
        for filter_string in {user_filter, add_prompt_filter_string(user_filter, is_prompt=False)}:
            if not filter_string:
                continue
            simple = search.simple_clauses(filter_string)
            try:
                parsed = tuple(parser.parse_search_filter(filter_string))
            except Exception:  # MLflow refuses it: so must the simple reading (MLflow's parser then raises)
                parsed = None
            if simple is not None:
                assert simple == parsed, filter_string
            assert search.clauses(filter_string, parser) == parsed, filter_string
            # what each call sends most is read without the parser; anything else by it
            assert (simple is not None) == (user_filter in SIMPLE), filter_string


def test_the_prompt_filter_of_registered_models_leaves_out_what_mlflows_leaves_out(registry_path):
    reg = ModelRegistry(registry_path)
    reg.create_model("prompt", tags=["mlflow.prompt.is_prompt=true"])
    reg.create_model("not-a-prompt", tags=["mlflow.prompt.is_prompt=false", "owner=ml"])
    reg.create_model("beta", tags=["mlflow.prompt.is_prompt=TRUE"])
    reg.create_model("alpha", tags=["owner=ml"])
    reg.register_model("alpha")
    store = GitregStore(f"gitreg://{registry_path}")
    filters = [*MODEL_FILTERS, "name = 'prompt'", "name = 'prompt' AND name = 'alpha'", "name IN ('alpha', 'prompt')"]
    every_page_agrees(store.search_registered_models, lambda *args: reference_models(registry_path, *args),
                      filters, MODEL_ORDERS, (100, 2))
    assert {m.name for m in store.search_registered_models(max_results=100)} == {"not-a-prompt", "beta", "alpha"}
    models = store.search_registered_models(max_results=100)
    tags = {m.name: [f"{k}={v}" for k, v in m.tags.items()] for m in models}
    # the entity's `tags` hide the prompt key: filter_models reads it of the gitreg tags given
    assert listing.filter_models(models, add_prompt_filter_string(None), tags) == list(models)
    marked = {**tags, "alpha": ["mlflow.prompt.is_prompt=true"]}
    kept = listing.filter_models(models, add_prompt_filter_string(None), marked)
    assert kept == [m for m in models if m.name != "alpha"]
    assert tag_dict(tags["alpha"]) == {"owner": "ml"}


def test_plain_calls_do_not_run_mlflows_filter_parser(registry_path, monkeypatch):
    """Its first parse in a process builds sqlparse's lexer (~9 ms of a fresh process's first
    call): the default page, `name =` and the registered models read their filters without it."""
    reg = ModelRegistry(registry_path)
    reg.register_model("alpha", tags=["team=nlp"])
    reg.register_model("prompt", tags=["mlflow.prompt.is_prompt=true"])
    parsed: list[str] = []
    for parser in (SearchModelUtils, SearchModelVersionUtils):
        real = parser.parse_search_filter
        monkeypatch.setattr(parser, "parse_search_filter",
                            staticmethod(lambda text, real=real: parsed.append(text) or real(text)))
    store = GitregStore(f"gitreg://{registry_path}")
    assert [(v.name, v.version) for v in store.search_model_versions(max_results=100)] == [("alpha", 1)]
    assert [(v.name, v.version) for v in store.search_model_versions("name='alpha'", max_results=100)] == [("alpha", 1)]
    assert [m.name for m in store.search_registered_models(max_results=100)] == ["alpha", "prompt"]
    assert parsed == []
    unique = "tags.team != 'plain-calls-test' AND name = 'alpha'"  # not parsed before here
    assert [(v.name, v.version) for v in store.search_model_versions(unique, max_results=100)] == [("alpha", 1)]
    assert parsed
