"""catalog.catalog_at: from a registry's path, a current view index is read from its file and
the ref files alone (no pygit2), and answers what open_catalog answers through the opened
registry; a stale, missing or damaged index, or refs that are not plain files, go through the
registry, never misread. Real registries (the `sample` one: deployments, notes, a status)."""
from __future__ import annotations

import shutil

import pytest

from gitreg import GitregError, ModelRegistry
from gitreg.features.query import catalog
from gitreg.features.query.catalog import catalog_at, open_catalog
from gitreg.features.query.fields import INDEX_COLUMNS
from gitreg.git.cache import viewindex
from tests.fresh import modules_after

COLUMNS = ("created_ts", "environment", "tag", "status")


def _answer(found: catalog.Catalog) -> tuple:
    """Everything a catalog tells: its entries, unindexed and approved models, and every record."""
    entries = {name: (entry.metadata, entry.updated, entry.columns) for name, entry in found.entries.items()}
    records = {name: found.records(name, entry.versions) for name, entry in found.entries.items()}
    return entries, found.unindexed, sorted(found.approved), records


def _through_the_registry(path) -> tuple:
    return _answer(ModelRegistry(path).catalog(None, COLUMNS))


def _opened(found: catalog.Catalog) -> bool:
    return found.source is not None and found.source.opened


def test_a_current_index_is_answered_from_the_files_alone_as_through_the_registry(sample):
    sample.approve("majora", "v2", environment="production")
    expected = _through_the_registry(sample.path)  # (builds the index)
    catalog.forget()
    found = catalog_at(sample.path, None, COLUMNS)
    assert not _opened(found)  # nothing needed the registry
    assert _answer(found) == expected
    assert found.approved == {"majora"} and not _opened(found)
    assert found.records("majora", ["v2"])["v2"].environments == ["production"]
    only = catalog_at(sample.path, {"oracle", "no-such-model"}, COLUMNS)
    assert sorted(only.entries) == ["oracle"] and not _opened(only)


def test_a_record_from_the_files_reads_its_card_from_the_registry_when_asked(sample, tmp_path):
    ModelRegistry(sample.path).catalog()
    found = catalog_at(sample.path, None, COLUMNS)
    record = found.records("majora", ["v1"])["v1"]
    assert not _opened(found)
    assert record.card == sample.get_version("majora", "v1").card  # read through the registry, as record_of does
    assert _opened(found)


def test_a_stale_index_is_brought_up_to_date_through_the_registry(sample):
    ModelRegistry(sample.path).catalog()
    sample.deploy("oracle", "v1", environment="production")  # the refs moved: the file is stale
    found = catalog_at(sample.path, None, COLUMNS)
    assert _opened(found)
    assert found.records("oracle", ["v1"])["v1"].environments == ["production"]
    assert _answer(found) == _through_the_registry(sample.path)
    assert not _opened(catalog_at(sample.path, None, COLUMNS))  # now current again


def test_a_missing_or_damaged_index_goes_through_the_registry(sample):
    ModelRegistry(sample.path).catalog()
    expected = _through_the_registry(sample.path)
    index = viewindex.path_of(sample.path)
    index.unlink()
    found = catalog_at(sample.path, None, COLUMNS)
    assert _opened(found) and _answer(found) == expected
    data = bytearray(index.read_bytes())  # a column line changed in place: its MAC fails
    at = data.index(b'"v1"', data.index(b"\n", data.index(b"\n") + 1))
    data[at + 2] = ord("9")
    index.write_bytes(bytes(data))
    catalog.forget()
    found = catalog_at(sample.path, None, COLUMNS)
    assert _opened(found)  # the damaged block was rebuilt from the registry
    assert _answer(found) == expected


def test_an_index_that_leaves_a_model_out_is_never_current(sample):
    """Sealed with the right key and the refs' own fingerprint, but without oracle's block:
    bulk.current rebuilds such a file, and so does catalog_at (never an answer without oracle)."""
    ModelRegistry(sample.path).catalog()
    expected = _through_the_registry(sample.path)
    path = viewindex.path_of(sample.path)
    old = viewindex.read(path, INDEX_COLUMNS)
    kept = [viewindex.reuse(old, block) for name, block in old.blocks.items() if name != "oracle"]
    assert viewindex.write(path, viewindex.encode(old.fingerprint, INDEX_COLUMNS, kept))
    assert set(viewindex.read(path, INDEX_COLUMNS).blocks) == {"majora"}
    catalog.forget()
    found = catalog_at(sample.path, None, COLUMNS)
    assert _opened(found)
    assert _answer(found) == expected


@pytest.mark.parametrize("layout", ["reftable", "commondir", "heads-file"])
def test_refs_that_are_not_plain_files_go_through_the_registry(sample, layout):
    ModelRegistry(sample.path).catalog()
    expected = _through_the_registry(sample.path)
    if layout == "reftable":  # git's reftable backend keeps refs in reftable/: the ref files say nothing
        (sample.path / "reftable").mkdir()
    elif layout == "commondir":  # a worktree's git directory: its refs are in the common one (here itself)
        (sample.path / "commondir").write_text(".\n")
    else:  # as a reftable repository lays refs/heads out for older gits: then the branches are not files
        shutil.move(sample.path / "refs" / "heads", sample.path / "heads.moved")
        (sample.path / "refs" / "heads").write_text("")
    assert not catalog.plain_refs(sample.path)
    catalog.forget()
    # the answer (or the error) the opened registry gives, not the one the files would give
    assert _outcome(lambda: _answer(catalog_at(sample.path, None, COLUMNS))) == \
        _outcome(lambda: _through_the_registry(sample.path))
    if layout == "reftable":
        assert _outcome(lambda: _through_the_registry(sample.path)) == expected
        assert _opened(catalog_at(sample.path, None, COLUMNS))


def _outcome(answer):
    try:
        return answer()
    except GitregError as exc:
        return type(exc), str(exc)


def test_without_caches_every_catalog_goes_through_the_registry(sample, monkeypatch):
    ModelRegistry(sample.path).catalog()
    monkeypatch.setenv("GITREG_NO_CACHE", "1")
    found = catalog_at(sample.path, None, COLUMNS)
    assert _opened(found)


def test_no_registry_there_lists_nothing(tmp_path):
    found = catalog_at(tmp_path / "none.git", None, COLUMNS)
    assert found.entries == {} and found.unindexed == [] and found.source is None
    assert open_catalog(None).entries == {}


def test_reading_a_current_index_loads_neither_pygit2_nor_the_query_language(sample):
    ModelRegistry(sample.path).catalog()
    code = (f"from gitreg.features.query.catalog import catalog_at\n"
            f"found = catalog_at({str(sample.path)!r}, None, {COLUMNS!r})\n"
            "assert sorted(found.entries) == ['majora', 'oracle'], found.entries\n"
            "assert found.records('majora', ['v2'])['v2'].environments == ['production']")
    heavy = ["pygit2", "yaml", "gitreg.api", "gitreg.git.repository", "gitreg.model.snapshot",
             "gitreg.features.query.parser", "gitreg.features.query.evaluate", "gitreg.features.query.bulk"]
    assert modules_after(code, heavy) == []
    sample.deploy("oracle", "v1", environment="production")  # stale: the registry is opened
    assert "pygit2" in modules_after(code.replace("['v2'])['v2'].environments == ['production']",
                                                  "['v2'])['v2'].environments == ['production']\n"
                                                  "assert found.records('oracle', ['v1'])['v1'].deployed"), heavy)


def _line_at(path, model: str, key: str) -> tuple[int, int]:
    """(start, end) in the index file of one column line of a model's block."""
    index = viewindex.read(path, INDEX_COLUMNS)
    return index.blocks[model].lines[list(INDEX_COLUMNS).index(key)]


def _spoil(path, model: str, key: str) -> None:
    """One byte of a model's column line changed in place (same length): its MAC fails."""
    start, end = _line_at(path, model, key)
    data = bytearray(path.read_bytes())
    at = start + 1 + data[start + 1:end].index(b",") - 1 if b"," in data[start + 1:end] else start + 1
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    path.write_bytes(bytes(data))


def test_a_column_not_asked_for_is_not_read(sample):
    """Each entry reads the columns asked for, version and updated: a damaged line of another
    column (here environment) is never parsed, so it neither fails the call nor rebuilds the file."""
    ModelRegistry(sample.path).catalog()
    expected = _answer(ModelRegistry(sample.path).catalog(None, ("tag",)))
    path = viewindex.path_of(sample.path)
    _spoil(path, "majora", "environment")
    spoiled = path.read_bytes()
    catalog.forget()
    found = catalog_at(sample.path, None, ("tag",))
    assert _answer(found) == expected and not _opened(found)
    assert path.read_bytes() == spoiled  # nothing rebuilt: the line was not read
    assert "model" not in found.entries["majora"].columns  # read only when asked


def test_more_columns_are_read_and_checked_when_asked(sample):
    """Catalog.more: a column read after the listing is what the listing would have read; a
    damaged one has its block rebuilt once (from the registry) and then answers right."""
    ModelRegistry(sample.path).catalog()
    whole = ModelRegistry(sample.path).catalog(None, ("environment", "created_ts"))
    want = {name: {k: entry.columns[k] for k in ("version", "environment")} for name, entry in whole.entries.items()}
    found = catalog_at(sample.path, None, ())
    assert found.more(found.entries, ["environment"]) == want and not _opened(found)
    path = viewindex.path_of(sample.path)
    _spoil(path, "majora", "environment")
    catalog.forget()
    found = catalog_at(sample.path, None, ())
    assert not _opened(found)  # the damaged line is not among those listed
    assert found.more(["majora"], ["environment"]) == {"majora": want["majora"]}
    assert _opened(found) and found.rebuilt == {"majora"}
    catalog.forget()
    assert not _opened(again := catalog_at(sample.path, None, ("environment",)))  # the file was rebuilt whole
    assert again.entries["majora"].columns["environment"] == want["majora"]["environment"]


def test_may_hold_is_false_only_for_a_sealed_line_without_the_text_or_an_escape(sample):
    sample.register_model("oracle", tags=["mlflow.prompt.is_prompt=true"])
    sample.register_model("accents", tags=["caf\u00e9"])  # written as a JSON escape: it could spell any text
    ModelRegistry(sample.path).catalog()
    found = catalog_at(sample.path, None, ())
    assert found.may_hold("oracle", "tag", "mlflow.prompt.is_prompt")
    assert found.may_hold("accents", "tag", "mlflow.prompt.is_prompt")
    assert not found.may_hold("majora", "tag", "mlflow.prompt.is_prompt")
    assert found.may_hold("no-such-model", "tag", "x")  # nothing known: may
    _spoil(viewindex.path_of(sample.path), "majora", "tag")  # fails its MAC: may
    catalog.forget()
    assert catalog_at(sample.path, None, ()).may_hold("majora", "tag", "mlflow.prompt.is_prompt")


def test_a_file_cut_short_after_a_header_read_before_is_no_index(sample):
    """Headers are remembered by their bytes: a file with the same header but cut short reads
    as None (its blocks' offsets lie past its end), never as blocks to reuse."""
    ModelRegistry(sample.path).catalog()
    path = viewindex.path_of(sample.path)
    data = path.read_bytes()
    assert viewindex.parse(data, INDEX_COLUMNS) is not None  # the header is now remembered
    assert viewindex.parse(data[:-1], INDEX_COLUMNS) is None
    assert viewindex.parse(data[:len(data) // 2], INDEX_COLUMNS) is None
