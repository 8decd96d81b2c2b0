"""The registry-wide view index (gitreg-cache/views.index): kept in step with the refs,
rebuilt per model, and never a wrong answer or an error when stale, damaged or hostile.
Real registries written through the API and with plain git; real files."""
from __future__ import annotations

import json
import os
import threading
import warnings

import pytest
from hypothesis import HealthCheck, given, settings

from gitreg import ModelRegistry
from gitreg.features import query as q
from tests.features.query.sample import add_unreadable_version
from tests.features.query.test_properties import queries

QUERY = "accuracy > 0.8 or tag:candidate or deployed:staging"


def names(records):
    return [f"{v.model_name}:{v.version}" for v in records]


def index_path(registry_path):
    return registry_path / "gitreg-cache" / "views.index"


def split(path):
    """(header, blocks bytes) of an index file."""
    data = path.read_bytes()
    first = data.index(b"\n")
    second = data.index(b"\n", first + 1)
    return json.loads(data[first + 1:second]), data[second + 1:]


def join(path, header, blocks):
    """Write an index with this header, its own header MAC made again (as this user's gitreg
    would): what is under test is then each later check (line MACs, structure, values)."""
    from gitreg.git.cache.cache import mac
    from gitreg.git.cache.viewindex import FORMAT

    text = json.dumps(header).encode()
    path.write_bytes(FORMAT + b" " + mac(text).encode() + b"\n" + text + b"\n" + blocks)


def entries(path):
    return {e[0]: e for e in split(path)[0]["models"]}


@pytest.fixture
def searched(sample):
    """The sample registry after one search of every model (which writes the index)."""
    sample.search("")
    return sample


def fresh(registry_path, query=QUERY, **kw):
    return names(ModelRegistry(registry_path).search(query, **kw))


def test_a_search_of_every_model_writes_the_index_and_answers_as_model_by_model(searched, registry_path):
    path = index_path(registry_path)
    assert path.is_file()
    assert set(entries(path)) == {"majora", "oracle"}
    store = searched._reader()
    for text in (QUERY, "", "created > 2026-01-14 and not status:archived", "parent:v1", "mmlu/acc >= 0.6"):
        indexed = q.search(store, text, sort="accuracy")
        direct = q.search(store, text, sort="accuracy", indexed=False)
        assert indexed.views == direct.views, text
        assert [r.to_dict() for r in map(indexed.record, indexed.views)] == \
               [r.to_dict() for r in map(direct.record, direct.views)]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries)
def test_generated_queries_give_the_same_views_with_and_without_the_index(searched, query):
    text, _ = query
    store = searched._reader()
    assert q.search(store, text).views == q.search(store, text, indexed=False).views, text


def test_each_kind_of_write_is_seen_and_only_that_model_is_rebuilt(searched, registry_path, git):
    path = index_path(registry_path)
    before = entries(path)
    writes = [
        lambda: searched.update_evaluation_scores("oracle", "v2", accuracy=0.99),  # a note
        lambda: searched.deploy("oracle", "v1", environment="staging"),            # a deployment
        lambda: searched.register_model("oracle", evaluation_scores={"accuracy": 0.95}, tags=["candidate"]),
        lambda: searched.set_status("oracle", "v2", "deprecated"),
    ]
    for write in writes:
        write()
        direct = q.search(ModelRegistry(registry_path)._reader(), QUERY, indexed=False)
        assert fresh(registry_path) == [f"{v['model']}:{v['version']}" for v in direct.views]
        after = entries(path)
        assert after["majora"][1] == before["majora"][1]  # untouched model: same key, block copied
        assert after["oracle"][1] != before["oracle"][1]
        before = after
    assert "oracle:v3" in fresh(registry_path) and "oracle:v2" in fresh(registry_path, "status:deprecated")
    # a tag written with plain git (no gitreg involved) is seen too: here one whose
    # manifest names another version, so it is reported and its model read directly
    tip = git(registry_path, "rev-parse", "refs/tags/majora/v3^{commit}").strip()
    git(registry_path, "tag", "-a", "-m", "by hand", "majora/v11", tip)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert fresh(registry_path, "version >= v3") == ["majora:v3", "majora:v10", "oracle:v3"]
    assert any("majora v11: skipped" in str(w.message) for w in caught)
    assert entries(path)["majora"][1] == ""


def test_packing_refs_rewrites_packed_refs_but_reuses_every_block(searched, registry_path, git):
    path = index_path(registry_path)
    expected = fresh(registry_path)
    before = split(path)
    git(registry_path, "pack-refs", "--all")
    assert fresh(registry_path) == expected
    after = split(path)
    assert after[0]["fingerprint"] != before[0]["fingerprint"]
    assert after[0]["models"] == before[0]["models"] and after[1] == before[1]


def _columns(header):
    return header["columns"]


def _damage(path, damage):
    header, blocks = split(path)
    cols = _columns(header)
    if damage == "garbage":
        path.write_bytes(b"\x00\xffgitreg-views-index/2\n{not json")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-200])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "directory":
        path.unlink()
        path.mkdir()
    elif damage == "symlink":
        other = path.with_name("elsewhere")
        other.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(other)
    elif damage == "fifo":
        path.unlink()
        os.mkfifo(path)
    elif damage == "foreign columns":
        header["columns"] = cols[::-1]
        join(path, header, blocks)
    elif damage == "offsets past the end":
        header["models"][0][3] = 10 ** 9
        join(path, header, blocks)
    elif damage == "stale fingerprint":  # a file from before a write: blocks keyed by old refs
        header["fingerprint"] = "0" * 64
        for entry in header["models"]:
            entry[1] = "f" * 64
        join(path, header, blocks)
    elif damage == "model left out":  # the right fingerprint, but oracle's entry dropped
        header["models"] = [e for e in header["models"] if e[0] != "oracle"]
        join(path, header, blocks)
    elif damage == "model swapped":  # majora's entry pointing at oracle's bytes and back
        a, b = header["models"]
        a[0], b[0] = b[0], a[0]
        join(path, header, blocks)
    elif damage in ("wrong types", "not finite", "columns lie"):
        # rewrite majora's block: every column replaced, so the line lengths change too
        entry = next(e for e in header["models"] if e[0] == "majora")
        start = entry[3]
        lengths, rows = entry[4], entry[6]
        size = sum(lengths) + rows
        lines = blocks[start:start + size].split(b"\n")[:-1]
        count = entry[2]
        new = []
        for i, line in enumerate(lines[:len(lengths)]):
            values = json.loads(line)
            name = cols[i] if i < len(cols) else entry[5][i - len(cols)]
            if damage == "wrong types" and name in ("tag", "framework", "model"):
                values = [7] * count if name == "tag" else [{"x": 1}] * count
            if damage == "not finite" and name == "accuracy":
                values = [1e999] * count
            if damage == "columns lie" and name == "accuracy":
                values = [0.99] * count  # the rows still hold the true values
            new.append(json.dumps(values).encode() + b"\n")
        rows_bytes = b"".join(x + b"\n" for x in lines[len(lengths):])
        if damage == "not finite" and b"accuracy" in rows_bytes:
            rows_bytes = rows_bytes.replace(b'"accuracy":0.8', b'"accuracy":1e999')
        block = b"".join(new) + rows_bytes
        delta = len(block) - size
        entry[4] = [len(x) for x in new]
        entry[6] = len(rows_bytes)
        for other in header["models"]:
            if other[3] > start:
                other[3] += delta
        join(path, header, blocks[:start] + block + blocks[start + size:])
    else:
        raise AssertionError(damage)


DAMAGE = ["garbage", "truncated", "empty", "directory", "symlink", "fifo", "foreign columns",
          "offsets past the end", "stale fingerprint", "model left out", "model swapped",
          "wrong types", "not finite", "columns lie"]


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.timeout(60)
def test_a_damaged_or_hostile_index_changes_no_answer(searched, registry_path, damage):
    queries = [QUERY, "", "tag ~ st* and framework = unsloth", "model = majora and accuracy >= 0.86"]
    store = searched._reader()
    expected = [q.search(store, text, indexed=False).views for text in queries]
    _damage(index_path(registry_path), damage)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a damaged cache is not a problem of the registry
        for text, want in zip(queries, expected):
            assert q.search(ModelRegistry(registry_path)._reader(), text).views == want, (damage, text)
    path = index_path(registry_path)
    if damage not in ("directory", "fifo", "symlink"):  # rebuilt as a regular file
        assert path.is_file() and not path.is_symlink() and set(entries(path)) == {"majora", "oracle"}


def test_a_model_that_cannot_be_indexed_is_read_and_reported_on_every_query(searched, registry_path, git):
    add_unreadable_version(git, registry_path)
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = fresh(registry_path, "")
        assert "oracle:v1" in found and "majora:v1" in found
        assert any("oracle v3: skipped" in str(w.message) for w in caught)
    assert entries(index_path(registry_path))["oracle"][1] == ""  # not indexed
    assert entries(index_path(registry_path))["majora"][1] != ""


def test_a_cache_that_cannot_be_written_still_answers(searched, registry_path):
    expected = fresh(registry_path)
    cache = registry_path / "gitreg-cache"
    for f in cache.iterdir():
        f.unlink()
    cache.rmdir()
    cache.write_bytes(b"not a directory")  # nothing can be written below it
    assert fresh(registry_path) == expected
    assert fresh(registry_path) == expected
    assert cache.read_bytes() == b"not a directory"


def test_concurrent_searches_and_writes_agree_with_the_registry(searched, registry_path):
    """Writers registering versions while readers search: every answer is one the refs
    had, and afterwards the index agrees with a direct read."""
    errors = []

    def search():
        try:
            for _ in range(8):
                ModelRegistry(registry_path).search("accuracy > 0")
        except Exception as exc:  # noqa: BLE001 -- collected and asserted below
            errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(2)]
    for t in readers:
        t.start()
    writer = ModelRegistry(registry_path)
    for i in range(4):
        writer.register_model("oracle", evaluation_scores={"accuracy": 0.5 + i / 10})
    for t in readers:
        t.join(60)
    assert not errors
    store = ModelRegistry(registry_path)._reader()
    assert q.search(store, "accuracy > 0").views == q.search(store, "accuracy > 0", indexed=False).views


def test_a_model_with_a_note_that_does_not_parse_is_not_indexed(searched, registry_path, git):
    """The version still reads as registered, and the bad note is reported on every query."""
    commit = git(registry_path, "rev-parse", "refs/tags/oracle/v1^{commit}").strip()
    git(registry_path, "notes", "--ref", "refs/notes/gitreg/oracle", "add", "-f", "-m", "key: [unclosed", commit)
    for _ in range(2):
        reg = ModelRegistry(registry_path)
        assert "oracle:v1" in names(reg.search("model = oracle"))
        assert any("refs/notes/gitreg/oracle" in str(p) for p in reg.problems)
    assert entries(index_path(registry_path))["oracle"][1] == ""
    assert entries(index_path(registry_path))["majora"][1] != ""
