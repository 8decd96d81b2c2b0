"""Version facts read from the derived cache without the JSON decoder when the entry is as
written with nothing to unescape: the same answer the decoder gives, for any entry text."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gitreg.git.cache.cache import ModelCache, _entry


def _decoded(text: str):
    """version_facts by the JSON decoder alone (as it was before the plain-entry path)."""
    facts = _entry(text)
    if not (isinstance(facts, list) and len(facts) == 3 and all(isinstance(f, str) for f in facts)):
        return None
    commit, blob, tagger = facts
    return (commit, blob, tagger) if len(commit) == len(blob) == 40 else None


_chars = st.characters(codec="utf-8") | st.sampled_from('"\\\x00\x1f\n\u2028 ab')
_id = st.one_of(st.text("0123456789abcdef", min_size=40, max_size=40), st.text(_chars, min_size=39, max_size=41))


@given(_id, _id, st.text(_chars, max_size=30))
def test_facts_as_written_read_as_the_decoder_reads_them(tmp_path_factory, commit, blob, tagger):
    cache = ModelCache(tmp_path_factory.mktemp("g"), "m")
    cache.put_version_facts("t" * 40, commit, blob, tagger)
    expected = (commit, blob, tagger) if len(commit) == len(blob) == 40 else None
    assert cache.version_facts("t" * 40) == expected == _decoded(cache._manifests.entries["tag:" + "t" * 40])


@given(st.text(_chars, max_size=140) | st.builds(lambda a, b, c: f'["{a}", "{b}", "{c}"]', _id, _id,
                                                  st.text(_chars, max_size=20)))
def test_any_entry_text_reads_as_the_decoder_reads_it(tmp_path_factory, text):
    cache = ModelCache(tmp_path_factory.mktemp("g"), "m")
    cache._manifests.entries["tag:" + "t" * 40] = text
    assert cache.version_facts("t" * 40) == _decoded(text)
