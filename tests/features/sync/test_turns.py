"""Contended synced writers take turns (sync._pause_for_turn): the longer a write has been
refused the shorter it pauses, the writer that just won lets others go first, and a writer
nobody contends with never pauses. The pauses are recorded, not timed."""
from __future__ import annotations

from gitreg.features.sync import sync


def _pauses(monkeypatch, refusals: range, key=("/r.git", "origin", "m")) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(sync.time, "sleep", slept.append)
    for n in refusals:
        before = len(slept)
        sync._pause_for_turn([key], n)
        if len(slept) == before:
            slept.append(0.0)
    return slept


def test_an_uncontended_writer_never_pauses(monkeypatch):
    monkeypatch.setattr(sync, "_contended", {})
    assert _pauses(monkeypatch, range(0, 6)) == [0.0] * 6


def test_the_longest_refused_goes_first_and_the_winner_yields(monkeypatch):
    monkeypatch.setattr(sync, "_contended", {})
    key = ("/r.git", "origin", "m")
    sync._note_contended(key, 0.4)  # a refusal: one round (push + fetch) took 0.4 s
    draws = [_pauses(monkeypatch, range(0, 5), key) for _ in range(200)]
    longest = [max(d[n] for d in draws) for n in range(5)]
    mean = [sum(d[n] for d in draws) / len(draws) for n in range(5)]
    # the winner's next write: up to a round; a refused one: up to 1.5, 1, 0.5 rounds, then none
    assert longest[0] <= 0.4 and longest[1] <= 0.6 and longest[2] <= 0.4 and longest[3] <= 0.2
    assert longest[4] == 0.0
    assert mean[0] > mean[3] and mean[1] > mean[2] > mean[3] > 0
    assert _pauses(monkeypatch, range(0, 1), ("/r.git", "origin", "other")) == [0.0]  # per model


def test_a_round_is_capped(monkeypatch):
    monkeypatch.setattr(sync, "_contended", {})
    key = ("/r.git", "origin", "m")
    sync._note_contended(key, 60.0)  # a stalled server: no minute-long pauses
    assert max(_pauses(monkeypatch, range(0, 5), key)) <= 2 * sync._ROUND_MAX
