"""Notebook 03's exercises: predict what the API answers at the walker's step 5 (before the walker
shows it), then the smallest scope for a described task. Right, wrong with a reason, garbage — the
prediction checked against the walker's own scenario, so the exercise cannot drift from it; and
the notebook's prose in layers (a beginner's path, Go deeper blocks)."""

from __future__ import annotations

import pytest

from tokenlab.course.exercises import exercise, for_notebook
from tokenlab.scenarios import TOKEN_LIFECYCLE, presented_token
from tokenlab.scenarios.evidence import body_of

from ..notebook_cells import NOTEBOOKS, assert_prose_in_layers, source, stored_cells

NOTEBOOK = NOTEBOOKS / "03-how-tokens-work.ipynb"
GARBAGE = [None, "", "   ", 42, ["x"], {"a": 1}, "é" * 5000, b"\xff", "401"]
KEY = "expiry-at-step-5"
RIGHT = "401 invalid_token: the token has expired"
MAIN_PATH_WORDS = 1500


def cells() -> list[dict]:
    return stored_cells(NOTEBOOK)


def test_the_prediction_comes_first_then_station_token() -> None:
    assert [e.key for e in for_notebook("03")] == [KEY, "station-token"]
    assert exercise(KEY).kind == "predict" and exercise("station-token").kind == "build"


def test_right_answer_names_the_rule() -> None:
    e = exercise(KEY)
    assert RIGHT in e.choices and e.answer == RIGHT
    verdict = e.check(RIGHT)
    assert verdict and "RFC 7519 §4.1.4" in verdict.reason and "RFC 6750 §3.1" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("200 OK with the forecast", "on or after"),
    ("403 insufficient_scope", "whatever its scope"),
    ("no error: the app refreshes the token silently first", "no refresh token"),
])
def test_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise(KEY)
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE)
def test_garbage_is_a_wrong_answer_not_an_error(answer: object) -> None:
    verdict = exercise(KEY).check(answer)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_rfc7519_4_1_4_the_walker_agrees_with_the_solution() -> None:
    """Step 5 of the walker sends the very token of step 2 — no silent refresh before it — at
    its exp, with the scope GET /weather needs; the API answers 401 invalid_token, and the claims
    check is the one that fails. A new token comes only after, at the next step."""
    steps = TOKEN_LIFECYCLE.run().steps
    issued, used, expired, renewed = steps[1], steps[3], steps[4], steps[5]
    assert expired.title.startswith("Article step 5")
    assert issued.message is not None and expired.message is not None
    first = presented_token(used.message)[0] if used.message else None
    assert first and presented_token(expired.message) == (first, "header")
    assert expired.message.time == body_of(issued.message)["expires_in"] + issued.message.time
    assert expired.message.status == 401
    assert RIGHT.split(":")[0] in expired.outcome
    assert expired.report is not None and expired.report.claims["scope"] == "weather:read"
    assert expired.report.failed_step is not None and expired.report.failed_step.name == "claims"
    assert "refresh_token" not in body_of(issued.message)
    assert renewed.message is not None and renewed.message.path == "/token"


def test_the_box_comes_before_the_walker_and_the_prose_after_it_refers_back() -> None:
    """Predict, then run: a markdown cell asks for the prediction, the box follows, then the
    walker that reveals the answer, then prose that comes back to the prediction."""
    all_cells = cells()
    box = next(i for i, c in enumerate(all_cells) if f'ExerciseBox("{KEY}")' in source(c))
    walker = next(i for i, c in enumerate(all_cells) if "FlowWalker(TOKEN_LIFECYCLE)" in source(c))
    assert box < walker
    assert all_cells[box - 1]["cell_type"] == "markdown"
    assert "predict" in source(all_cells[box - 1]).lower()
    after = all_cells[walker + 1]
    assert after["cell_type"] == "markdown" and "prediction" in source(after).lower()


def test_prose_in_layers() -> None:
    """Issue 10 item 5: at most 1,500 words of markdown on the beginner's path; asides in
    collapsible Go deeper blocks that render (a blank line after the summary and before the
    end)."""
    assert_prose_in_layers(cells(), MAIN_PATH_WORDS)


def test_coming_next_names_the_next_notebook_only() -> None:
    """The next notebook is 04: the attack notebooks are "coming", not "coming next"."""
    markdown = "\n".join(source(c) for c in cells() if c["cell_type"] == "markdown")
    assert "coming next" not in markdown.lower()
