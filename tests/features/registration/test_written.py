"""register_model returns the record made from what it wrote (no read-back): it must be the
record a fresh reader gets from the objects, for every kind of registration."""
from __future__ import annotations

import subprocess

from gitreg import ModelRegistry
from gitreg.git.refs import lockowner

CARD = "---\nbase_model: Qwen2.5-Coder-7B\ndatasets: [oracle]\n---\n# m\nA card.\n"


def _fresh(path, model, version):
    return ModelRegistry(path).get_version(model, version)


def test_returned_record_is_the_stored_one(tmp_path):
    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    lora = tmp_path / "adapter.bin"
    lora.write_bytes(b"weights" * 100)
    first = reg.register_model(
        "m", base_model="b", framework="unsloth", samples=2000, epochs=3, batch_size=8,
        learning_rate=2e-4, training_data=["oracle", "toolbench"], lora_path=str(lora),
        gguf_path="s3://models/m.gguf", evaluation_scores={"accuracy": 0.85, "f1_score": 0.8,
                                                          "rouge": {"rouge1": 0.5}, "pass_at_1": 0.4},
        duration_hours=1.5, cost_usd=2.25, hardware="A100", notes="first\nrun", git_commit="abc123",
        tags=["bench", "x"], training_repo="https://example.com/t.git",
        extra_keys={"mlflow": {"run_id": "r1", "n": 3}},
    )
    assert first == _fresh(path, "m", first.version)
    second = reg.register_model("m", "v7b", parent_version="v1", status="draft", model_card=CARD,
                                files=[("gguf", "s3://a.gguf"), ("gguf", "s3://b.gguf")])
    assert second == _fresh(path, "m", "v7b")
    assert second.card.metadata == _fresh(path, "m", "v7b").card.metadata
    other = reg.register_model("n", parent_version="m:v7b")  # another model's parent, a new model
    assert other == _fresh(path, "n", other.version)
    # the registry is whole as git sees it, and the tag names the returned commit
    subprocess.run(["git", "--git-dir", str(path), "fsck", "--strict", "--no-progress"], check=True)
    tag_commit = subprocess.run(["git", "--git-dir", str(path), "rev-parse", "refs/tags/n/v1^{commit}"],
                                check=True, capture_output=True, text=True).stdout.strip()
    assert other.commit == tag_commit


def test_owner_record_names_this_process(tmp_path):
    """me() is read once per process: it still names this process, and a child's is its own."""
    import os
    import sys

    assert lockowner.me()["pid"] == os.getpid()
    child = subprocess.run([sys.executable, "-c", "import os; from gitreg.git.refs import lockowner; "
                            "print(lockowner.me()['pid'] == os.getpid())"], capture_output=True, text=True,
                           check=True)
    assert child.stdout.strip() == "True"
    assert not lockowner.gone(lockowner.me())


def test_a_registration_snapshot_reads_no_notes_ref_and_says_so(tmp_path):
    """The registration's snapshots are made without the notes ref (it never uses it): asking a
    snapshot made so for `notes_tip` is a bug and raises, rather than answering None ('no notes');
    one made with the tip its write put there reads no ref at all, and names that tip."""
    from gitreg.git.repository import Store
    from gitreg.model.snapshot import ModelSnapshot

    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    v1 = reg.register_model("m")
    reg.set_status("m", v1.version, "archived")  # the model has notes now
    store = Store.open(path)
    assert ModelSnapshot(store, "m").notes_tip is not None
    bare = ModelSnapshot(store, "m", use_cache=False, notes=False)
    assert bare.tip == store.ref_target("refs/heads/m")
    try:
        bare.notes_tip
    except AttributeError as exc:
        assert "notes=False" in str(exc)
    else:
        raise AssertionError("notes_tip answered for a snapshot made without it")
    known = ModelSnapshot(store, "m", use_cache=False, tip=None, notes=False)
    assert known.tip is None  # as the caller said, not read: the ref still names v1's commit
    # the record a registration returns has the card and status a fresh read has, notes and all
    v2 = reg.register_model("m", model_card=CARD)
    assert v2 == _fresh(path, "m", v2.version) and v2.card.text == _fresh(path, "m", v2.version).card.text
