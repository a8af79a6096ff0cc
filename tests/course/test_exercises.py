"""Every exercise check, fed right and wrong answers (and garbage, which must not raise)."""

from __future__ import annotations

import pytest

from tokenlab import AuthServer, ResourceServer, SimClock
from tokenlab.authserver.pkce import make_verifier, s256_challenge
from tokenlab.course.exercises import (
    EXERCISES,
    KINDS,
    Exercise,
    Verdict,
    choice,
    exercise,
    for_notebook,
)

from ..conftest import API, ISSUER

GARBAGE = [None, "", "   ", 42, ["x"], {"a": 1}, "é" * 5000, b"\xff"]


@pytest.fixture
def world() -> tuple[AuthServer, ResourceServer, str, str]:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1)
    api = ResourceServer(API, auth)
    app = auth.register_client("weather-app", ["weather:read", "weather:write"])
    read = auth.client_credentials(app.client_id, app.client_secret, scope="weather:read")
    both = auth.client_credentials(app.client_id, app.client_secret)
    return auth, api, read.access_token, both.access_token


NOTEBOOKS = [f"{i:02d}" for i in range(12)]


def test_every_notebook_00_to_11_has_an_exercise() -> None:
    assert sorted({e.notebook for e in EXERCISES.values()}) == NOTEBOOKS
    for e in EXERCISES.values():
        assert e.prompt and e.explanation and (e.answer or e.code)
        assert e in for_notebook(e.notebook)
        assert e.kind in KINDS


def test_an_exercise_has_one_solution_and_a_choice_answer_is_a_choice() -> None:
    check = choice("a", {"a": "yes", "b": "no"})
    with pytest.raises(ValueError, match="not both"):
        Exercise("k", "00", "reason", "?", check, "why", answer="a", code="'a'")
    with pytest.raises(ValueError, match="not both"):
        Exercise("k", "00", "reason", "?", check, "why")
    with pytest.raises(ValueError, match="one of the choices"):
        Exercise("k", "00", "reason", "?", check, "why", answer="c", choices=("a", "b"))
    with pytest.raises(ValueError, match="kind"):
        Exercise("k", "00", "quiz", "?", check, "why", answer="a")


def test_every_notebook_has_a_predict_then_run_exercise() -> None:
    """Issue 10: the learner commits to an answer before the cell that reveals it, in 00 to 11."""
    assert {e.notebook for e in EXERCISES.values() if e.kind == "predict"} == set(NOTEBOOKS)


def test_every_attack_notebook_has_a_goal_lab() -> None:
    """Issue 12: the attack notebooks 08-10 each make the learner do the attack or the defence."""
    assert {e.notebook for e in EXERCISES.values() if e.kind == "goal lab"} >= {"08", "09", "10"}


def test_unknown_exercise_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="known: "):
        exercise("nope")


def test_bearer_header(world: tuple) -> None:
    _, _, token, _ = world
    check = exercise("bearer-header").check
    assert check(f"Bearer {token}", token)
    assert check(f"Authorization: bearer {token}", token)
    assert "scheme must be 'Bearer'" in check(f"Token {token}", token).reason
    assert "whole token" in check(f"Bearer {token[:20]}", token).reason
    assert not check("Bearer nonsense", token)
    for g in GARBAGE:
        assert not check(g, token)


def test_station_token_needs_the_smallest_scope_for_a_described_task() -> None:
    """03: the weather station only uploads readings — the learner must work out that its token
    needs weather:write alone (notebook 03 printed a weather:read token above: copying it fails)."""
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1)
    api = ResourceServer(API, auth)
    app = auth.register_client("weather-app", ["weather:read", "weather:write"])
    token = {scope: auth.client_credentials(app.client_id, app.client_secret, scope=scope)
             .access_token for scope in ("weather:read", "weather:write")}
    both = auth.client_credentials(app.client_id, app.client_secret).access_token
    check = exercise("station-token").check
    assert check(token["weather:write"], api)
    assert not check(token["weather:read"], api) and "upload" in check(token["weather:read"], api).reason
    assert not check(both, api) and "also read" in check(both, api).reason
    assert not check(token["weather:write"][:-3] + "AAA", api)
    for g in GARBAGE:
        assert not check(g, api)


def test_pkce_pair() -> None:
    check = exercise("pkce-pair").check
    v = make_verifier()
    assert check(v, s256_challenge(v))
    assert check((v, s256_challenge(v)))  # one answer holding the pair
    assert "'plain'" in check(v, v).reason
    assert not check(v, s256_challenge(make_verifier()))
    assert "43 to 128" in check("short", s256_challenge("short")).reason
    for g in GARBAGE:
        assert not check(g, g)


@pytest.mark.parametrize("key", [k for k, e in EXERCISES.items() if e.choices])
def test_multiple_choice(key: str) -> None:
    e = exercise(key)
    verdicts = {c: e.check(c) for c in e.choices}
    assert sum(v.correct for v in verdicts.values()) == 1
    assert all(v.reason for v in verdicts.values())
    for g in GARBAGE:
        assert not e.check(g)


def test_expiry_boundary_uses_other_numbers_than_the_notebook() -> None:
    """Notebook 05 shows a 300 s token and a 30 s leeway; the exercise asks about 600 s and 45 s,
    so the answer (645) is not the number printed above it."""
    check = exercise("expiry-boundary").check
    assert "600" in exercise("expiry-boundary").prompt and "45" in exercise("expiry-boundary").prompt
    assert not check("330") and not check(330)
    assert check("645") and check(645) and check("645 s")
    assert "ON or after" in check(646).reason
    assert "leeway" in check(600).reason
    assert not check(100)
    for g in GARBAGE:
        assert not check(g)


@pytest.mark.parametrize("typed", ["645", "645 s", "645s", "645 seconds", "645 sec", " 645 ",
                                   "10 min 45 s", "10min45s", "10 m 45 s", "10 minutes 45 seconds",
                                   "10 min, 45 s", 645, 645.0])
def test_answers_in_seconds_accept_what_a_person_types(typed: object) -> None:
    assert exercise("expiry-boundary").check(typed)


@pytest.mark.parametrize("typed", ["", "soon", "645 parsecs", "10 min 45", "s", "1e999", "nan",
                                   "-645", "645 s 10 min", None, [645]])
def test_an_unreadable_duration_says_what_was_expected_never_a_python_error(typed: object) -> None:
    verdict = exercise("expiry-boundary").check(typed)
    assert not verdict
    assert "Error" not in verdict.reason and "could not check" not in verdict.reason
    assert "seconds" in verdict.reason


def test_pkce_pair_can_be_typed_as_two_values_in_the_box() -> None:
    """The box has one text field: a verifier and its challenge typed side by side are checked
    as a pair; one value alone says what is missing instead of always failing."""
    check = exercise("pkce-pair").check
    v = make_verifier()
    assert check(f"{v} {s256_challenge(v)}") and check(f"{v}, {s256_challenge(v)}")
    alone = check(v)
    assert not alone and "challenge" in alone.reason and "must be BASE64URL" not in alone.reason


def test_status_codes_need_validity_before_scope() -> None:
    """07: which of three requests gets 401, 403 or 200 — an expired token is 401 whatever scope
    it carries (RFC 6750 §3.1), a valid one lacking the scope 403."""
    e = exercise("status-codes")
    assert e.check("403, 401, 200")
    assert "expired" in e.check("403, 403, 200").reason
    assert "valid" in e.check("401, 401, 200").reason
    assert sum(e.check(c).correct for c in e.choices) == 1


def test_verdict_text() -> None:
    assert str(Verdict(True, "yes")) == "✔ Right: yes"
    assert str(Verdict(False, "no")) == "✘ Not yet: no"


def test_pkce_pair_says_what_is_wrong_with_a_near_miss_without_giving_the_function_away() -> None:
    """A learner's usual slips each get their own reason: padding kept, standard base64, hex."""
    import base64
    import hashlib

    check = exercise("pkce-pair").check
    v = make_verifier()
    digest = hashlib.sha256(v.encode("ascii")).digest()
    padded = base64.urlsafe_b64encode(digest).decode()
    assert padded.endswith("=")
    assert "padding" in check(v, padded).reason
    standard = base64.b64encode(digest).decode().rstrip("=")
    if "+" in standard or "/" in standard:  # most digests have one; this one may not
        assert "'-' and '_'" in check(v, standard).reason
    assert "hex" in check(v, hashlib.sha256(v.encode()).hexdigest()).reason
    for wrong in (padded, hashlib.sha256(v.encode()).hexdigest(), "x" * 43):
        assert "s256_challenge" not in check(v, wrong).reason


def test_bearer_header_with_the_token_alone_says_the_scheme_is_missing(world: tuple) -> None:
    _, _, token, _ = world
    verdict = exercise("bearer-header").check(token, token)
    assert not verdict and "token alone" in verdict.reason and token not in verdict.reason


def test_expiry_boundary_one_second_early() -> None:
    assert "too early" in exercise("expiry-boundary").check(644).reason
