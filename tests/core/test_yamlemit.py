"""yamlemit writes exactly the bytes PyYAML's dump (libyaml) writes, for whatever it accepts."""
from __future__ import annotations

import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitreg.core import yamlemit, yamlio
from gitreg.model import manifest as mf

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def pyyaml(data: object) -> bytes:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False).encode("utf-8")


def _nan_free(value: object) -> object:
    """NaN is not equal to itself: compared as a marker."""
    if isinstance(value, float) and value != value:
        return "<nan>"
    if isinstance(value, dict):
        return {_nan_free(k): _nan_free(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_free(v) for v in value]
    return value


def same_as_pyyaml(data: object) -> bool:
    """True when the emitter took it (and matched byte for byte); False when it left it to PyYAML."""
    text = yamlemit.emit(data)
    expected = pyyaml(data)
    assert yamlio.dump(data) == expected
    if text is None:
        return False
    assert text.encode("utf-8") == expected, (text, expected.decode())
    assert _nan_free(yaml.safe_load(text)) == _nan_free(data)
    return True


# Strings YAML treats specially: indicators, look-alikes of other types, spaces, quotes, breaks.
ODD_STRINGS = [
    "", " ", "a ", " a", "yes", "No", "ON", "null", "~", "true", "1", "-1", "0x1F", "0o7", "010", "1_000",
    "1.5", ".5", "1e5", "2e-5", "1.0e+5", ".inf", "-.inf", ".nan", "1:30", "2026-12-07", "2026-12-07T12:00:00Z",
    "=", "<<", "- a", "-a", "-", "? a", "?a", ":a", "a:", "a: b", "a:b", "s3://b/k", "a #b", "a#b", "#a", "&a",
    "*a", "!a", "|a", ">a", "'a", "\"a", "%a", "@a", "`a", ",a", "a,b", "[a", "a]", "{a", "a}", "---", "...",
    "--- a", "a\nb", "a\n", "\na", "a\tb", "a\\b", "it's", "a  b", "café", "日本語", "emoji 🙂", "\u00a0a",
    "a\u2028b", "a\x85b", "\ufeffa", "\x07", "wikitext/bits_per_byte,none", "other-model:v3", "x" * 130,
    "word " * 20, "a'b c", "model-0000", "Qwen2.5-Coder-7B",
]
ODD = st.sampled_from(ODD_STRINGS)
TEXT = st.one_of(
    ODD, st.text(max_size=40), st.text(alphabet=st.characters(max_codepoint=0x7f), max_size=90),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=30),  # mostly the fast path
    st.text(alphabet=st.characters(categories=["L", "N", "Zs", "P"], max_codepoint=0xffff), max_size=30),
)
SCALAR = st.one_of(
    TEXT, st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10 ** 40), max_value=10 ** 40),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e17, 1e-05, -0.0, 2e-4, 1e300, 5e-324]),
)
VALUES = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=20,
)


def file_entry() -> st.SearchStrategy[dict]:
    content = st.fixed_dictionaries({"path": TEXT, "sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
                                     "size_bytes": st.integers(min_value=0, max_value=10 ** 13)})
    return st.fixed_dictionaries(
        {"role": st.sampled_from(["lora", "gguf", "tokenizer", "other"]), "path": TEXT,
         "sha256": st.one_of(st.none(), st.text("0123456789abcdef", min_size=64, max_size=64)),
         "size_bytes": st.one_of(st.none(), st.integers(min_value=0, max_value=10 ** 13))},
        optional={"contents": st.lists(content, max_size=3), "stored": st.just("lfs")})


MANIFESTS = st.builds(
    lambda base, training, scores, files, data, tags, notes, params, info, extra, stamp: mf.build_manifest(
        model="model-0000", version="v12", created_at=mf.now_iso(stamp), status="completed", parent="other:v3",
        base_model=base, training=training, scores=scores, files=[mf._file(f) for f in files],
        training_data=data, git_commit="abc123def456", tags=tags, notes=notes, training_repo=None,
        extra_keys=extra, params=params, metric_info=info),
    st.one_of(st.none(), TEXT, st.dictionaries(TEXT, TEXT, max_size=3)),
    st.one_of(st.none(), st.dictionaries(st.sampled_from(["framework", "samples", "learning_rate", "epochs"]),
                                         SCALAR, max_size=4)),
    st.dictionaries(TEXT, st.one_of(st.floats(), st.integers(), st.dictionaries(TEXT, st.floats(), max_size=3)),
                    max_size=5),
    st.lists(file_entry(), max_size=3),
    st.lists(st.one_of(TEXT, st.dictionaries(TEXT, TEXT, max_size=3)), max_size=3),
    st.lists(TEXT, max_size=4),
    st.one_of(TEXT, st.text(alphabet=st.characters(max_codepoint=0x7f) | st.just("\n"), max_size=200)),
    st.dictionaries(TEXT, SCALAR, max_size=5),
    st.dictionaries(TEXT, st.dictionaries(st.sampled_from(["direction", "stderr", "source"]), SCALAR, max_size=3),
                    max_size=3),
    st.dictionaries(st.sampled_from(["mlflow", "oms", "x-tool"]), VALUES, max_size=2),
    st.floats(min_value=0, max_value=4e9),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MANIFESTS)
def test_manifests_are_byte_identical_to_pyyaml(manifest: dict) -> None:
    same_as_pyyaml(manifest)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(TEXT, VALUES, min_size=1, max_size=6))
def test_any_mapping_is_byte_identical_to_pyyaml(data: dict) -> None:
    same_as_pyyaml(data)


def test_odd_strings_one_by_one() -> None:
    """Every odd string as a value, a key, a list item and at the edge of the fold width."""
    taken = 0
    for text in ODD_STRINGS:
        for data in ({"k": text}, {text: 1} if text else {"k": 1}, {"k": [text, {"n": [text]}]},
                     {"k" * 60: text}, {"k": {"deeper": {"still": [[text]]}}}):
            taken += same_as_pyyaml(data)
    assert taken > 100  # most of them take the fast path


def test_width_edge() -> None:
    for n in range(60, 90):
        for text in ("a" * n, ("ab " * 40)[:n].strip(), "b" + " c" * (n // 2)):
            same_as_pyyaml({"key": text, "nested": {"key": text}, "items": [text]})


def test_shared_objects_are_left_to_pyyaml() -> None:
    tags = ["a", "b"]
    assert yamlemit.emit({"x": tags, "y": tags}) is None  # PyYAML writes an anchor and an alias
    assert yamlio.dump({"x": tags, "y": tags}) == pyyaml({"x": tags, "y": tags})


def test_a_registration_manifest_takes_the_fast_path() -> None:
    manifest = mf.build_manifest(
        model="model-0000", version="v1", created_at=mf.now_iso(time.time()), status="completed",
        parent=None, base_model="Qwen2.5-Coder-7B",
        training={"framework": "unsloth", "samples": 2000, "epochs": 3, "learning_rate": 2e-4},
        scores={"accuracy": 0.85, "f1_score": 0.8, "pass_at_1": 0.4, "custom_metrics": {"x": 1.5}},
        files=[mf._file({"role": "lora", "path": "s3://models/bench-lora", "sha256": None, "size_bytes": None})],
        training_data=["oracle", "toolbench"], git_commit="abc123def456", tags=["bench"], notes="benchmark",
        params={"lora_r": 16, "optim": "adamw"},
        metric_info={"wikitext/bits_per_byte,none": {"direction": "min", "stderr": 0.01, "source": "lm-eval"}})
    assert same_as_pyyaml(manifest)
    assert same_as_pyyaml(mf.build_model_file("model-0000", mf.now_iso(time.time()), "", "", [], ""))
