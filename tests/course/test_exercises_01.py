"""Notebook 01's added exercise: where a token sent in the URL ends up. Right, wrong and garbage."""

from __future__ import annotations

import pytest

from tokenlab.course.exercises import exercise, for_notebook

GARBAGE = [None, "", "   ", 42, ["x"], {"a": 1}, "é" * 5000, b"\xff", "IN ACCESS LOGS"]
RIGHT = "in access logs, proxies, browser history and Referer headers"


def test_it_belongs_to_notebook_01_after_bearer_header() -> None:
    assert [e.key for e in for_notebook("01")][:2] == ["bearer-header", "query-token-leak"]


def test_right_answer() -> None:
    e = exercise("query-token-leak")
    assert RIGHT in e.choices
    verdict = e.check(RIGHT)
    assert verdict and "RFC 6750 §2.3" in verdict.reason
    assert e.check(f"  {RIGHT} ")  # surrounding whitespace from a text field is forgiven


@pytest.mark.parametrize(("answer", "why"), [
    ("only at the API that receives the request", "log the request line"),
    ("nowhere: HTTPS encrypts the whole URL", "clear text"),
    ("nowhere: the API removes the token before logging", "web server or proxy"),
])
def test_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise("query-token-leak")
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE)
def test_garbage_is_a_wrong_answer_not_an_error(answer: object) -> None:
    assert not exercise("query-token-leak").check(answer)
