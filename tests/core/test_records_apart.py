"""Records defined apart from records.py (issue 28: a read's start-up does not create their
dataclasses): a read does not load them, and a manifest that has them still reads into them."""
from __future__ import annotations

from gitreg.core.file_records import ContentFile, Purge
from gitreg.core.preview import Preview
from gitreg.model import manifest
from tests.fresh import modules_after


def test_reading_records_does_not_define_them():
    code = "from gitreg.model import manifest, snapshot; import gitreg.api.registry"
    assert modules_after(code, ["gitreg.core.file_records", "gitreg.core.preview"]) == []


def test_a_manifest_with_directory_contents_and_purges_reads_into_them():
    """The deferred imports of manifest.py: contents (one malformed entry kept as it is) and purges."""
    m = {"schema": manifest.SCHEMA, "model_name": "m", "version": "v1", "created_at": "2026-01-01T00:00:00+00:00",
         "status": "completed",
         "files": [{"role": "other", "path": "artifacts/d", "sha256": "a" * 64, "size_bytes": 3,
                    "contents": [{"path": "x.bin", "sha256": "b" * 64, "size_bytes": 3}, "odd", {"path": "y"}]}]}
    purge = {"sha256": "c" * 64, "path": "d/x.bin", "size_bytes": 3, "purged_at": "2026-02-01T00:00:00+00:00",
             "purged_by": "gc <gc@x>", "reason": "retention"}
    v = manifest.read_version(m, {"purged": [purge, "not a mapping"]}, model="m", version="v1", where="test",
                              commit="0" * 40, registered_by=None)
    assert v.files[0].contents == [ContentFile("x.bin", "b" * 64, 3), ContentFile("odd", "", -1),
                                   ContentFile("y", "", -1)]
    assert v.purged == [Purge(**purge)]
    assert manifest.read_version(m, {}, model="m", version="v1", where="test", commit="0" * 40,
                                 registered_by=None).purged == []
    assert Preview("a", [], {}).to_dict() == {"action": "a", "refs": [], "files": {}, "stored": [], "effects": []}
