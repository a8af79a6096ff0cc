"""Notebook 06's exercises, fed right, wrong and garbage answers — and the introspection cache
exercise checked against the real API: its right answer is when the API first refuses."""

from __future__ import annotations

import pytest

from tokenlab import AuthServer, ResourceServer, SimClock
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER

GARBAGE = [None, "", "   ", True, ["40"], {"a": 1}, "é" * 5000, b"40", float("nan"),
           float("inf"), "1e400", 10**5000, "forty", "4 0", "40 parsecs"]


def test_notebook_06_has_both_exercises_in_order() -> None:
    assert [e.key for e in for_notebook("06")] == ["stateless-revocation", "revoked-but-accepted",
                                                    "introspection-cache-delay"]


@pytest.mark.parametrize("answer", [40, 40.0, "40", " 40 ", "40 s", "40s", "40 seconds",
                                    "40 sec", "40 S", "40.0"])
def test_introspection_cache_delay_right_answers(answer: object) -> None:
    verdict = exercise("introspection-cache-delay").check(answer)
    assert verdict.correct, verdict.reason
    assert "60 - 20 = 40" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    (41, "one second too late"),
    (60, "20 s before the revocation"),
    (0, "denylist"),
    (300, "count from the moment"),
    (-40, "count from the moment"),
])
def test_introspection_cache_delay_wrong_answers_say_why(answer: object, why: str) -> None:
    verdict = exercise("introspection-cache-delay").check(answer)
    assert not verdict.correct
    assert why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_introspection_cache_delay_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise("introspection-cache-delay").check(answer)
    assert not verdict.correct
    assert verdict.reason.startswith("I expected a number of seconds")


def test_introspection_cache_delay_matches_the_api() -> None:
    """The prompt's story on the real API: it asks, 20 s later the token is revoked; the first
    refusal comes exactly as many seconds after the revocation as the check calls right."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth, revocation="introspect", introspection_cache_ttl=60)
    app = auth.register_client("weather-app", ["weather:read"])
    token = auth.client_credentials(app.client_id, app.client_secret).access_token
    assert api.check(token).ok and api.introspection_calls == 1
    clock.advance(20)
    auth.revoke(token, app.client_id, app.client_secret)
    waited = 0
    while api.check(token).ok:
        clock.advance(1)
        waited += 1
    assert exercise("introspection-cache-delay").check(waited).correct
    assert api.introspection_calls == 2


def test_introspection_cache_delay_reads_minutes_too() -> None:
    """'40 minutes' is a duration a person may type: read, and judged wrong with a reason."""
    verdict = exercise("introspection-cache-delay").check("40 minutes")
    assert not verdict and "count from the moment" in verdict.reason
