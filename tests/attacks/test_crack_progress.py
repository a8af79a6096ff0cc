"""The cracker reports its progress (for an IntProgress bar in notebook 10, not tqdm: rates in
the output would break strict nbval) — one call per word tried, with the count so far."""

from __future__ import annotations

import pytest

from tokenlab.attacks import WORDS, crack_hs256
from tokenlab.scenarios.forgery import WEAK_SECRET, build


def _weak_token() -> str:
    _api, held = build("HS256", "own access token", weak_secret=WEAK_SECRET)
    return held.token


def test_progress_counts_every_word_until_found() -> None:
    seen: list[int] = []
    found = crack_hs256(_weak_token(), WORDS, progress=seen.append)
    assert found is not None and found.secret == WEAK_SECRET
    assert seen == list(range(1, found.tries + 1))


def test_progress_counts_every_word_when_nothing_fits() -> None:
    seen: list[int] = []
    _api, held = build("HS256", "own access token")  # a strong random secret
    assert crack_hs256(held.token, WORDS, progress=seen.append) is None
    assert seen == list(range(1, len(WORDS) + 1))


def test_progress_not_called_for_a_non_token() -> None:
    seen: list[int] = []
    assert crack_hs256("not a token", WORDS, progress=seen.append) is None
    assert seen == []


def test_progress_must_be_callable() -> None:
    with pytest.raises(TypeError, match="progress"):
        crack_hs256(_weak_token(), WORDS, progress=3)  # type: ignore[arg-type]
