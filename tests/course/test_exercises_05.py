"""Notebook 05's exercises, fed right, wrong and garbage answers — and checked against the server:
the answer the check calls right is what tokenlab's authorization server actually does."""

from __future__ import annotations

import pytest

from tokenlab import AuthServer, Client, ResourceServer, SimClock
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER

RIGHT = "at 17:00, 8 hours after she logged in"
RIGHT_TYPO = RIGHT + "x"
GARBAGE = [None, "", "   ", 42, 3.5, True, ["x"], {"a": 1}, "é" * 5000, b"\xff", float("nan"),
           10**5000, "at 17:00", RIGHT_TYPO]


def test_notebook_05_has_both_exercises_in_order() -> None:
    assert [e.key for e in for_notebook("05")] == ["expiry-boundary", "refresh-family-expiry"]


def test_refresh_family_expiry_right_answer() -> None:
    verdict = exercise("refresh-family-expiry").check(RIGHT)
    assert verdict.correct
    assert "rotation never extends" in verdict.reason


def test_refresh_family_expiry_right_answer_tolerates_surrounding_space() -> None:
    assert exercise("refresh-family-expiry").check(f"  {RIGHT}\n")


@pytest.mark.parametrize(("answer", "why"), [
    ("at 09:05, when her first access token expires", "refresh token is for"),
    ("8 hours after the app's last refresh", "sliding expiry"),
    ("never, as long as the app keeps refreshing", "kept alive forever"),
])
def test_refresh_family_expiry_wrong_answers_say_why(answer: str, why: str) -> None:
    verdict = exercise("refresh-family-expiry").check(answer)
    assert not verdict.correct
    assert why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_refresh_family_expiry_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise("refresh-family-expiry").check(answer)
    assert not verdict.correct and verdict.reason


def test_refresh_family_expiry_matches_the_server() -> None:
    """The scenario of the prompt, on the real server: 8 h of refreshes every 5 minutes, then
    the login is over at exactly login + refresh_ttl."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1, refresh_ttl=8 * 3600)
    api = ResourceServer(API, auth)
    auth.register_user("alice", "correct horse battery staple")
    reg = auth.register_client("weather-web", ["weather:read"],
                               redirect_uris=["https://app.example/callback"])
    app = Client(auth, reg, api, grant="authorization_code")
    assert app.login("alice", "correct horse battery staple")
    login = clock.time()
    for _ in range(8 * 12 - 1):  # every 5 minutes until 5 minutes before the end
        clock.advance(300)
        assert app.refresh(), app.last_error
    clock.advance(299)
    assert app.refresh()  # one second before the end: still fine
    clock.advance(1)
    assert clock.time() == login + 8 * 3600
    assert not app.refresh()
    assert "rotation never extends it" in (app.last_error or "")
