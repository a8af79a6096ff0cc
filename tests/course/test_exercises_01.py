"""Notebook 01's exercises: predict what the API answers a copied token, and where a token sent
in the URL ends up. Right, wrong and garbage answers; the prediction checked against the simulator
and asked before the cell that reveals it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokenlab import AuthServer, Client, Request, ResourceServer, SimClock
from tokenlab.course.exercises import exercise, for_notebook

GARBAGE = [None, "", "   ", 42, ["x"], {"a": 1}, "é" * 5000, b"\xff", "IN ACCESS LOGS"]
RIGHT = "in access logs, proxies, browser history and Referer headers"
COPIED = "200 and a cookie, recorded as for the kid"
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01-what-is-an-api-token.ipynb"


def cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def test_notebook_01_predicts_first_then_builds_the_header_then_reasons() -> None:
    exercises = for_notebook("01")
    assert [e.key for e in exercises] == ["copied-token", "bearer-header", "query-token-leak"]
    assert [e.kind for e in exercises] == ["predict", "build", "reason"]


# -- copied-token -----------------------------------------------------------------------------------

def test_a_copied_bearer_token_gets_the_cookie() -> None:
    e = exercise("copied-token")
    assert COPIED in e.choices and e.answer == COPIED
    verdict = e.check(COPIED)
    assert verdict and "RFC 6750 §1.2" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("401: the API can tell the request does not come from the kid", "nothing in the request"),
    ("403 insufficient_scope: the token was issued to the kid, not to the sibling", "holds it"),
    ("401 invalid_token: a copy no longer matches its signature", "changes no character"),
])
def test_each_wrong_prediction_for_the_copy_says_why(answer: str, why: str) -> None:
    e = exercise("copied-token")
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE)
def test_garbage_prediction_is_a_wrong_answer_not_an_error(answer: object) -> None:
    verdict = exercise("copied-token").check(answer)
    assert not verdict and "Error" not in verdict.reason


def test_rfc6750_1_2_the_simulator_agrees_a_copy_works_for_whoever_sends_it() -> None:
    clock = SimClock()
    auth = AuthServer("https://auth.example", clock=clock, seed=1)
    parents = ResourceServer(audience="https://kitchen.example", auth=auth)
    parents.route("GET", "/cookie", "cookies:take",
                  lambda request, claims: {"cookie": "chocolate chip", "for": claims["sub"]})
    kid_app = auth.register_client("kid", scopes=["cookies:take"])
    kid = Client(auth, kid_app, parents, scope="cookies:take")
    assert kid.get("/cookie").status == 200
    copy = parents.handle(Request.get("https://kitchen.example/cookie",
                                      {"Authorization": f"Bearer {kid.access_token}"}),
                          sender="sibling")
    assert copy.status == 200 and copy.json()["for"] == kid_app.client_id


def test_copied_token_is_asked_before_the_copy_is_sent_and_not_given_away() -> None:
    nb = cells()

    def text(i: int) -> str:
        return "".join(nb[i]["source"])

    def first_after(index: int, kind: str) -> int:
        return next(i for i, c in enumerate(nb) if i > index and c["cell_type"] == kind)

    box = next(i for i, c in enumerate(nb)
               if c["cell_type"] == "code" and 'ExerciseBox("copied-token")' in text(i))
    reveal = first_after(box, "code")
    assert 'sender="sibling"' in text(reveal) and "Bearer {token}" in text(reveal)
    section = next(i for i, c in enumerate(nb) if "\n## 3." in "\n" + text(i))
    above = "\n".join(text(i) for i in range(section, box) if nb[i]["cell_type"] == "markdown")
    above = above[above.index("## 3."):]  # from the section's heading to the box
    assert "predict" in above.lower()
    for giveaway in ("works for whoever", "any party in possession", "checked the token, not"):
        assert giveaway not in above.lower(), f"the prose above the box says {giveaway!r}"
    after = text(first_after(reveal, "markdown")).lower()
    assert "predict" in after, "the prose after the reveal refers back to the prediction"


# -- query-token-leak -------------------------------------------------------------------------------


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
