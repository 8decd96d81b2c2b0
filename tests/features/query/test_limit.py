"""A search with --limit and no sort (issue 28): only the first matches in the result order
are read in full, and the answer is the first `limit` of the unlimited one, whatever state
the registry-wide index is in. Real registries, real index files."""
from __future__ import annotations

import pytest

from gitreg import ModelRegistry
from gitreg.features import query as q
from tests.features.query.test_index import DAMAGE, _damage, index_path, searched  # noqa: F401 (a fixture)

QUERIES = ["", "accuracy > 0.8 or tag:candidate or deployed:staging", "tag ~ st* and framework = unsloth",
           "not status:archived"]


def _views(path, text, **kw):
    return q.search(ModelRegistry(path)._reader(), text, **kw).views


def test_the_first_matches_are_those_of_the_whole_answer_in_natural_version_order(reg, registry_path):
    """v2 < v10: a limit takes versions in natural order, across models, as the full answer does."""
    for i in range(12):
        reg.register_model("majora", evaluation_scores={"accuracy": 0.5 + (i % 3) / 10})
        if i % 4 == 0:
            reg.register_model("arc", evaluation_scores={"accuracy": 0.9})
    reg.search("")  # the index, written
    for text in ("", "accuracy > 0.55", "accuracy >= 0.9", "accuracy > 2"):
        whole = [(v.model_name, v.version) for v in ModelRegistry(registry_path).search(text)]
        for limit in (0, 1, 3, 4, 5, 11, 100):
            limited = ModelRegistry(registry_path).search(text, limit=limit)
            assert [(v.model_name, v.version) for v in limited] == whole[:limit], (text, limit)
            assert [v.to_dict() for v in limited] == \
                [v.to_dict() for v in ModelRegistry(registry_path).search(text)][:limit]
    names = [v.version for v in ModelRegistry(registry_path).search("model = majora", limit=11)]
    assert names == [f"v{i}" for i in range(1, 12)]  # v10 and v11 after v9, not after v1


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.timeout(60)
def test_a_limited_search_over_a_damaged_or_hostile_index_changes_no_answer(searched, registry_path, damage):  # noqa: F811
    expected = [q.search(searched._reader(), text, indexed=False).views for text in QUERIES]
    _damage(index_path(registry_path), damage)
    for text, want in zip(QUERIES, expected):
        for limit in (1, 2, 3):
            assert _views(registry_path, text, limit=limit) == want[:limit], (damage, text, limit)
    for text, want in zip(QUERIES, expected):  # and once the index was rebuilt
        assert _views(registry_path, text, limit=2) == want[:2]
        assert _views(registry_path, text) == want


def test_a_limit_over_many_models_takes_blocks_in_model_order_until_it_has_enough(reg, registry_path):
    """Nine models (blocks matched 1, 2, 4, then 2 at a time), registered out of name order, with
    common, rare, absent and one-model matches: every limit answers the whole answer's first."""
    models = [f"m{i}" for i in range(9)]
    for i, model in enumerate(reversed(models)):
        for j in range(3):
            reg.register_model(model, evaluation_scores={"accuracy": (i * 3 + j) / 27})
    reg.search("")  # the index, written
    for text in ("", "accuracy > 0.5", "accuracy > 0.95", "accuracy < 0.05 or accuracy > 0.95",
                 "accuracy > 2", "model = m8", "model = m0 or model = m8"):
        whole = [(v.model_name, v.version) for v in ModelRegistry(registry_path).search(text)]
        for limit in (0, 1, 2, 3, 4, 5, 7, 10, 26, 27, 100):
            limited = ModelRegistry(registry_path).search(text, limit=limit)
            assert [(v.model_name, v.version) for v in limited] == whole[:limit], (text, limit)
