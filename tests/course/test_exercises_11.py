"""Notebook 11's exercises: right answers, every wrong choice's reason, garbage, and the goal lab
with real wrong attempts (the careless setup, a half-fixed one, a prepared one)."""

from __future__ import annotations

from typing import Any

import pytest

from tokenlab import AuthServer, ResourceServer, SimClock
from tokenlab.client.app import Client
from tokenlab.course.exercises import exercise, for_notebook
from tokenlab.course.setups import (
    API,
    CALLBACK,
    ISSUER,
    PASSWORD,
    USERNAME,
    careless,
    durable_store,
    hardened,
)

GARBAGE: tuple[Any, ...] = (None, "", 42, "not.a.token", [], ("a", "b"))


def test_notebook_11_asks_three_exercises_in_order() -> None:
    assert [(e.key, e.kind) for e in for_notebook("11")] == [
        ("typical-xss", "predict"), ("instead-of-localstorage", "reason"),
        ("fix-the-careless-setup", "goal lab")]


@pytest.mark.parametrize("key", ["typical-xss", "instead-of-localstorage"])
def test_choices_right_answer_and_a_reason_for_every_wrong_one(key: str) -> None:
    ex = exercise(key)
    assert ex.check(ex.answer).correct
    reasons = set()
    for wrong in (c for c in ex.choices if c != ex.answer):
        verdict = ex.check(wrong)
        assert not verdict.correct and len(verdict.reason) > 40
        reasons.add(verdict.reason)
    assert len(reasons) == len(ex.choices) - 1
    for junk in GARBAGE:
        verdict = ex.check(junk)
        assert not verdict.correct and "Error" not in verdict.reason


def test_the_prediction_matches_what_the_typical_setup_does() -> None:
    from tokenlab.course.attempts import steal_with_xss
    from tokenlab.course.setups import typical

    assert steal_with_xss(*typical().actors).status == 200
    assert exercise("typical-xss").answer.startswith("200")


def _fixed(**changes: Any) -> tuple[AuthServer, ResourceServer, Client]:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=11, **{"access_ttl": 300,
                                                       "store": durable_store(clock),
                                                       **changes.pop("auth", {})})
    api = ResourceServer(API, auth, **{"dpop": "required", **changes.pop("api", {})})
    auth.register_user(USERNAME, PASSWORD)
    app = auth.register_client("weather-app", ["weather:read"], redirect_uris=[CALLBACK])
    client = Client(auth, app, api, **{"grant": "authorization_code", "storage": "cookie",
                                       "dpop": True, **changes.pop("client", {})})
    if changes.pop("login", True):
        client.login(USERNAME, PASSWORD)
    return auth, api, client


def test_goal_lab_accepts_a_fixed_setup() -> None:
    verdict = exercise("fix-the-careless-setup").check(_fixed())
    assert verdict.correct, verdict.reason
    assert "all 11 checks pass" in verdict.reason


def test_goal_lab_refuses_the_careless_setup_with_the_first_fix() -> None:
    verdict = exercise("fix-the-careless-setup").check(careless().actors)
    assert not verdict.correct
    assert "11 check(s) still fail" in verdict.reason and "HTTPS everywhere" in verdict.reason


def test_goal_lab_refuses_a_half_fix_naming_what_is_left() -> None:
    verdict = exercise("fix-the-careless-setup").check(_fixed(client={"storage": "localStorage"}))
    assert not verdict.correct and "storage not readable by script" in verdict.reason
    assert "storage='cookie'" in verdict.reason


def test_goal_lab_needs_the_app_logged_in_and_its_own_call_working() -> None:
    verdict = exercise("fix-the-careless-setup").check(_fixed(login=False))
    assert not verdict.correct and "not logged in" in verdict.reason
    auth, api, client = _fixed()
    auth.revoke(client.refresh_token or "", client.registration.client_id,
                client.registration.client_secret)
    auth.revoke(client.access_token or "", client.registration.client_id,
                client.registration.client_secret)
    verdict = exercise("fix-the-careless-setup").check((auth, api, client))
    assert not verdict.correct and "refused" in verdict.reason


def test_goal_lab_refuses_the_prepared_hardened_setup() -> None:
    verdict = exercise("fix-the-careless-setup").check(hardened())
    assert not verdict.correct and "prepared setup" in verdict.reason


@pytest.mark.parametrize("junk", GARBAGE)
def test_goal_lab_garbage_is_a_wrong_answer_with_a_reason(junk: Any) -> None:
    verdict = exercise("fix-the-careless-setup").check(junk)
    assert not verdict.correct and "(my_auth, my_api, my_client)" in verdict.reason


def test_goal_lab_wrong_order_and_mismatched_objects() -> None:
    auth, api, client = _fixed()
    verdict = exercise("fix-the-careless-setup").check((api, auth, client))
    assert not verdict.correct and "in that order" in verdict.reason
    other_auth, _, _ = _fixed()
    verdict = exercise("fix-the-careless-setup").check((other_auth, api, client))
    assert not verdict.correct and "another authorization server" in verdict.reason


@pytest.mark.parametrize("key", ["typical-xss", "instead-of-localstorage"])
def test_a_right_answer_says_right_once(key: str) -> None:
    said = str(exercise(key).check(exercise(key).answer))
    assert said.startswith("✔ Right: ") and "right" not in said[len("✔ Right: "):].lower()[:20]


def test_goal_lab_prompt_says_how_to_answer() -> None:
    prompt = exercise("fix-the-careless-setup").prompt
    assert "my_fixed = (my_auth, my_api, my_client)" in prompt and "run this cell" in prompt


@pytest.mark.parametrize("typed", ["my_fixed", "(my_auth, my_api, my_client)", "  ", ""])
def test_goal_lab_a_typed_answer_says_where_the_answer_goes(typed: str) -> None:
    verdict = exercise("fix-the-careless-setup").check(typed)
    assert not verdict.correct
    assert "my_fixed = (my_auth, my_api, my_client)" in verdict.reason
    assert "run" in verdict.reason and "cell" in verdict.reason
