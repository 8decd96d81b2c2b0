"""LineageTracker: lineage is commit parentage, fixed at registration."""
from __future__ import annotations

import pytest

from gitreg import LineageError, LineageTracker, ModelNotFoundError, ModelRegistry, VersionNotFoundError


@pytest.fixture
def tracker(registry_path) -> LineageTracker:
    return LineageTracker(registry_path)


@pytest.fixture
def tree(tracker):
    """majora v1 -> (v2 -> v3, v2b), as in the seed's drawing."""
    tracker.add_version("majora", "v1", base_model="Qwen2.5-Coder-7B",
                        training_data=["oracle", "toolbench"], git_commit="abc123def456",
                        notes="Initial training")
    tracker.add_version("majora", "v2", parent_version="v1",
                        training_data=["oracle", "toolbench", "additional-data"], git_commit="def456ghi789")
    tracker.add_version("majora", "v3", parent_version="v2", training_data=["hard-examples"])
    tracker.add_version("majora", "v2b", parent_version="v1", training_data=["experimental"])
    return tracker


def test_add_version_registers_when_missing(tracker, registry_path):
    v = tracker.add_version("majora", "v1", base_model="Qwen2.5-Coder-7B",
                            training_data=["oracle", "toolbench"], git_commit="abc123def456",
                            notes="Initial training")
    assert (v.model_name, v.version, v.parent_version) == ("majora", "v1", None)
    assert v.training_data_sources == ["oracle", "toolbench"]
    assert (v.git_commit, v.base_model, v.notes) == ("abc123def456", "Qwen2.5-Coder-7B", "Initial training")
    v2 = tracker.add_version("majora", "v2", parent_version="v1")
    assert v2.parent_version == "v1"
    reg = ModelRegistry(registry_path)
    assert [x.version for x in reg.list_versions("majora")] == ["v1", "v2"]
    assert reg.get_version("majora", "v2") == v2


def test_add_version_is_idempotent_for_the_same_parent(tree, registry_path, refs):
    before = refs(registry_path)
    again = tree.add_version("majora", "v2", parent_version="v1")
    assert again == ModelRegistry(registry_path).get_version("majora", "v2")
    assert tree.add_version("majora", "v2", parent_version="majora:v1").commit == again.commit
    assert tree.add_version("majora", "v1").commit == ModelRegistry(registry_path).get_version("majora", "v1").commit
    assert refs(registry_path) == before


@pytest.mark.parametrize("version,parent", [
    ("v2", "v2b"),        # different parent
    ("v2", None),         # had a parent, now none
    ("v1", "v2"),         # had none, now one
    ("v3", "other:v1"),   # another model's version
])
def test_add_version_refuses_a_different_parent(tree, registry_path, refs, version, parent):
    if parent == "other:v1":
        tree.add_version("other", "v1")
    before = refs(registry_path)
    with pytest.raises(LineageError) as info:
        tree.add_version("majora", version, parent_version=parent)
    assert version in str(info.value)
    assert refs(registry_path) == before


def test_get_ancestors_nearest_first(tree):
    assert tree.get_ancestors("majora", "v3") == ["v2", "v1"]
    assert tree.get_ancestors("majora", "v2b") == ["v1"]
    assert tree.get_ancestors("majora", "v1") == []
    assert tree.get_parent("majora", "v3") == "v2"
    assert tree.get_parent("majora", "v1") is None
    with pytest.raises(VersionNotFoundError):
        tree.get_ancestors("majora", "v9")
    with pytest.raises(ModelNotFoundError):
        tree.get_ancestors("nope", "v1")


def test_ancestors_ignore_registration_order(tracker):
    # v1, v2, v3 registered without lineage, then v4 from v2: v3 is not an ancestor
    for v in ("v1", "v2", "v3"):
        tracker.add_version("majora", v, parent_version=None if v == "v1" else f"v{int(v[1]) - 1}")
    tracker.registry.register_model("majora", "v10")              # no parent
    tracker.add_version("majora", "v4", parent_version="v2")
    assert tracker.get_ancestors("majora", "v4") == ["v2", "v1"]
    assert tracker.get_ancestors("majora", "v10") == []


def test_cross_model_ancestors(tracker):
    tracker.add_version("other", "v1")
    tracker.add_version("other", "v2", parent_version="v1")
    tracker.add_version("other", "v3", parent_version="v2")
    tracker.add_version("majora", "v1", parent_version="other:v3")
    tracker.add_version("majora", "v2", parent_version="v1")
    assert tracker.get_ancestors("majora", "v1") == ["other:v3", "other:v2", "other:v1"]
    assert tracker.get_ancestors("majora", "v2") == ["v1", "other:v3", "other:v2", "other:v1"]
    assert tracker.get_parent("majora", "v1") == "other:v3"
    assert tracker.registry.get_version("majora", "v1").parent_version == "other:v3"
    assert tracker.get_descendants("other", "v2") == ["v3", "majora:v1", "majora:v2"]


def test_get_descendants(tree):
    assert tree.get_descendants("majora", "v1") == ["v2", "v2b", "v3"]
    assert tree.get_descendants("majora", "v2") == ["v3"]
    assert tree.get_descendants("majora", "v3") == []
    assert tree.get_descendants("majora", "v2b") == []


def test_get_data_lineage(tree):
    lineage = tree.get_data_lineage("majora", "v3")
    assert lineage == {
        "v3": ["hard-examples"],
        "v2": ["oracle", "toolbench", "additional-data"],
        "v1": ["oracle", "toolbench"],
    }
    assert list(lineage) == ["v3", "v2", "v1"]
    assert tree.get_data_lineage("majora", "v1") == {"v1": ["oracle", "toolbench"]}
    assert tree.get_data_lineage("majora", "v2b") == {"v2b": ["experimental"], "v1": ["oracle", "toolbench"]}


def test_data_lineage_across_models(tracker):
    tracker.add_version("other", "v1", training_data=["base-corpus"])
    tracker.add_version("majora", "v1", parent_version="other:v1", training_data=["oracle"])
    assert tracker.get_data_lineage("majora", "v1") == {"v1": ["oracle"], "other:v1": ["base-corpus"]}


def test_build_tree_matches_the_seed_drawing(tree):
    assert tree.build_tree("majora") == (
        "majora version tree:\n"
        "└── v1\n"
        "    ├── v2\n"
        "    │   └── v3\n"
        "    └── v2b\n"
    )


def test_build_tree_with_several_roots_and_state(tree):
    tree.registry.register_model("majora", "v10")  # no parent: a second root
    tree.registry.deploy("majora", "v3")
    tree.registry.set_status("majora", "v2b", "archived")
    assert tree.build_tree("majora") == (
        "majora version tree:\n"
        "├── v1\n"
        "│   ├── v2\n"
        "│   │   └── v3 [production]\n"
        "│   └── v2b (archived)\n"
        "└── v10\n"
    )


def test_build_tree_cross_model_root(tracker):
    tracker.add_version("other", "v1")
    tracker.add_version("majora", "v1", parent_version="other:v1")
    tracker.add_version("majora", "v2", parent_version="v1")
    assert tracker.build_tree("majora") == (
        "majora version tree:\n"
        "└── v1 (from other:v1)\n"
        "    └── v2\n"
    )


def test_lineage_summary(tree):
    tree.add_version("other", "v1", parent_version="majora:v2", training_data=["distill"])
    text = tree.summary()
    lines = text.splitlines()
    assert lines[0] == "Model Lineage:"
    assert "majora" in lines and "other" in lines
    assert "  Training data: additional-data, experimental, hard-examples, oracle, toolbench" in lines
    assert "  Derived from: majora:v2" in lines
    assert "  Versions: 4  Roots: v1" in lines
