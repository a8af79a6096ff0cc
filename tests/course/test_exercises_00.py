"""Notebook 00's exercises: predict who can read a token's claims, and what the API answers at
exactly ``exp``. Right, wrong and garbage answers; each solution checked against the simulator, so
an exercise cannot drift from what the notebook's cell then shows; and the notebook asks each one
before the cell that reveals it, without giving the answer away in the prose above."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tokenlab import AuthServer, ResourceServer, SimClock, TokenError
from tokenlab.course.exercises import exercise, for_notebook
from tokenlab.report import StepStatus

from ..conftest import API, ISSUER

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "00-start-here.ipynb"
GARBAGE = [None, "", "   ", 42, ["x"], {"a": 1}, "é" * 5000, b"\xff", "NOTHING BUT THE TOKEN"]
READ = "nothing but the token"
AT_EXP = "401 invalid_token: step 3 fails, the token has expired"


def cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_notebook_00_asks_two_predictions_in_order() -> None:
    exercises = for_notebook("00")
    assert [e.key for e in exercises] == ["read-without-a-key", "on-exp"]
    assert [e.kind for e in exercises] == ["predict", "predict"]


# -- read-without-a-key ---------------------------------------------------------------------------

def test_reading_the_claims_needs_nothing_but_the_token() -> None:
    e = exercise("read-without-a-key")
    assert READ in e.choices and e.answer == READ
    verdict = e.check(READ)
    assert verdict and "base64url" in verdict.reason
    assert e.check(f"  {READ} ")


@pytest.mark.parametrize(("answer", "why"), [
    ("the authorization server's private key", "signs"),
    ("the public key from the JWKS", "checks the signature"),
    ("the user's password", "no user"),
])
def test_each_wrong_key_says_why_reading_needs_none(answer: str, why: str) -> None:
    e = exercise("read-without-a-key")
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason and "not encrypted" in verdict.reason


def test_rfc7515_the_claims_decode_without_any_key() -> None:
    """What the solution says, done with the standard library only: no key, no server."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    app = auth.register_client("weather-app", ["weather:read"])
    token = auth.client_credentials(app.client_id, app.client_secret, scope="weather:read",
                                    resource=API).access_token
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    verified = api.verify(token)
    assert (claims["sub"], claims["aud"], claims["exp"]) == (
        verified["sub"], verified["aud"], verified["exp"])


# -- on-exp -----------------------------------------------------------------------------------------

def test_at_exp_the_token_is_refused_in_step_3() -> None:
    e = exercise("on-exp")
    assert AT_EXP in e.choices and e.answer == AT_EXP
    verdict = e.check(AT_EXP)
    assert verdict and "RFC 7519 §4.1.4" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("200: it still works at exp, and stops one second later", "on or after"),
    ("401 invalid_token: step 2 fails, the signature has expired", "does not expire"),
    ("403 insufficient_scope: an expired token grants no scope", "not valid at all"),
])
def test_each_wrong_answer_at_exp_says_why(answer: str, why: str) -> None:
    e = exercise("on-exp")
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


def test_rfc7519_4_1_4_the_simulator_agrees_with_the_solution() -> None:
    """exp-1 passes; at exp the signature step still passes and step 3 refuses: 401."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    app = auth.register_client("weather-app", ["weather:read"])
    t = auth.client_credentials(app.client_id, app.client_secret, scope="weather:read",
                                resource=API)
    clock.advance(t.expires_in - 1)
    assert api.check(t.access_token).ok
    clock.advance(1)
    with pytest.raises(TokenError) as refused:
        api.verify(t.access_token)
    assert (refused.value.status, refused.value.error) == (401, "invalid_token")
    report = refused.value.report
    assert report is not None and report.failed_step is not None
    assert report.failed_step.name == "claims"
    assert report.step("signature").status is StepStatus.PASSED


@pytest.mark.parametrize("key", ["read-without-a-key", "on-exp"])
@pytest.mark.parametrize("answer", GARBAGE)
def test_garbage_is_a_wrong_answer_not_an_error(key: str, answer: object) -> None:
    verdict = exercise(key).check(answer)
    assert not verdict and "Error" not in verdict.reason


# -- where the notebook asks them ------------------------------------------------------------------

def _box_index(key: str) -> int:
    found = [i for i, c in enumerate(cells())
             if c["cell_type"] == "code" and f'ExerciseBox("{key}")' in source(c)]
    assert len(found) == 1, f"notebook 00 should ask {key} once"
    return found[0]


def _first_after(index: int, kind: str) -> int:
    return next(i for i, c in enumerate(cells()) if i > index and c["cell_type"] == kind)


def _first_code_after(index: int) -> str:
    return source(cells()[_first_after(index, "code")])


def _prose_after_reveal(box: int) -> str:
    """The markdown cell right after the cell that reveals the answer."""
    return source(cells()[_first_after(_first_after(box, "code"), "markdown")]).lower()


def _markdown_between(start: int, end: int) -> str:
    return "\n".join(source(c) for c in cells()[start:end] if c["cell_type"] == "markdown")


def _section(heading: str) -> int:
    return next(i for i, c in enumerate(cells())
                if c["cell_type"] == "markdown" and source(c).startswith(heading))


def test_read_without_a_key_is_asked_before_the_decode_and_not_given_away() -> None:
    box = _box_index("read-without-a-key")
    assert "urlsafe_b64decode" in _first_code_after(box), "the decode cell reveals the answer"
    above = _markdown_between(_section("## 3."), box)
    assert "predict" in above.lower()
    for giveaway in ("anyone", "no key"):
        assert giveaway not in above.lower(), f"the prose above the box says {giveaway!r}"
    assert "predict" in _prose_after_reveal(box), "the prose after the decode refers back to it"


def test_on_exp_is_asked_before_the_cell_that_reaches_exp_and_not_given_away() -> None:
    box = _box_index("on-exp")
    reveal = _first_code_after(box)
    assert "clock.advance(1)" in reveal and "api.verify" in reveal
    above = _markdown_between(_section("## 5."), box)
    assert "predict" in above.lower()
    for giveaway in ("on or after", "already dead", "what fails is step 3"):
        assert giveaway not in above.lower(), f"the prose above the box says {giveaway!r}"
    assert "predict" in _prose_after_reveal(box), "the prose after the reveal refers back to it"
