"""Notebook 04's exercises: the predict-then-run about a stolen authorization code, and safe
storage. Right, wrong and garbage answers — and the answer the check calls right checked against
the authorization server itself, so the exercise cannot drift from what the notebook shows."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tokenlab import AuthServer, Client, ResourceServer, SimClock, TokenError, make_verifier
from tokenlab.client import Browser
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER, PASSWORD

RIGHT = "400 invalid_grant both times: he has no verifier that hashes to the challenge"
GARBAGE = [None, "", "   ", 42, 3.5, True, ["x"], {"a": 1}, "é" * 5000, b"\xff", "400",
           "invalid_grant", RIGHT.upper(), RIGHT + "x"]
CALLBACK = "https://app.example/callback"
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04-login-flow.ipynb"


def test_notebook_04_asks_two_predictions_then_builds() -> None:
    assert [(e.key, e.kind) for e in for_notebook("04")] == [
        ("stolen-code", "predict"), ("safe-storage", "predict"), ("pkce-pair", "build")]


def test_stolen_code_right_answer() -> None:
    e = exercise("stolen-code")
    assert RIGHT in e.choices and e.answer == RIGHT
    verdict = e.check(RIGHT)
    assert verdict and "RFC 7636 §4.6" in verdict.reason
    assert e.check(f"  {RIGHT}\n")  # surrounding whitespace from a text field is forgiven


@pytest.mark.parametrize(("answer", "why"), [
    ("200 and tokens: a public client has no secret, so its client_id is all the server checks",
     "code_challenge"),
    ("401 invalid_client: the server sees that he is not the real app", "cannot tell"),
    ("400 the first time; 200 with a verifier of his own, since any well-formed one will do",
     "does not match"),
])
def test_stolen_code_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise("stolen-code")
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_stolen_code_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise("stolen-code").check(answer)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_stolen_code_prompt_does_not_give_the_answer_away() -> None:
    """A prediction the prompt answers is no prediction."""
    assert "invalid_grant" not in exercise("stolen-code").prompt


def test_stolen_code_is_predicted_before_the_attempt_and_not_given_away() -> None:
    """The box sits right before the cell where the attacker tries the code; the prose above it
    asks for a prediction without giving the answer, and the prose after refers back to it."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]

    def text(i: int) -> str:
        return "".join(nb[i]["source"])

    box = next(i for i, c in enumerate(nb)
               if c["cell_type"] == "code" and 'ExerciseBox("stolen-code")' in text(i))
    reveal = next(i for i in range(box + 1, len(nb)) if nb[i]["cell_type"] == "code")
    assert "exchange_code(redirect.code" in text(reveal) and "make_verifier()" in text(reveal)
    section = next(i for i, c in enumerate(nb) if text(i).startswith("## 5."))
    above = "\n".join(text(i) for i in range(section, box) if nb[i]["cell_type"] == "markdown")
    assert "predict" in above.lower()
    for giveaway in ("invalid_grant", "worthless", "only thing that ties", "refuse"):
        assert giveaway not in above, f"the prose above the box says {giveaway!r}"
    after = next(i for i in range(reveal + 1, len(nb)) if nb[i]["cell_type"] == "markdown")
    assert "prediction" in text(after), "the prose after the reveal refers back to the prediction"


def test_rfc7636_4_6_a_stolen_code_without_the_verifier_is_invalid_grant() -> None:
    """The prompt's story on the real server: a public client's code, copied from the redirect
    and sent first by the attacker — with no verifier, then with one of his own — is refused with
    400 invalid_grant both times (not invalid_client: the client_id authenticates anyone), and
    the real app, which holds the verifier, still redeems it."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    auth.register_user("alice", PASSWORD)
    spa = auth.register_client("weather-spa", ["weather:read"], public=True,
                               redirect_uris=[CALLBACK])
    app = Client(auth, spa, api, grant="authorization_code", scope="weather:read")
    url = app.start_login()
    assert "code_verifier" not in dict(parse_qsl(urlsplit(url).query))
    redirect = Browser(auth).sign_in(url, "alice", PASSWORD)
    refusals = []
    for verifier in (None, make_verifier()):
        with pytest.raises(TokenError) as caught:
            auth.exchange_code(redirect.code, spa.client_id, redirect_uri=CALLBACK,
                               code_verifier=verifier)
        refusals.append((caught.value.status, caught.value.error))
    assert refusals == [(400, "invalid_grant")] * 2
    assert app.receive_redirect(redirect.location) and app.exchange_code(), app.last_error
    assert app.get("/weather").status == 200


def test_safe_storage_right_answer() -> None:
    e = exercise("safe-storage")
    verdict = e.check("an httpOnly cookie set by a backend-for-frontend")
    assert verdict and "httpOnly" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("localStorage", "any script"),
    ("sessionStorage", "any script"),
    ("a cookie without httpOnly", "document.cookie"),
])
def test_safe_storage_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise("safe-storage")
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


def test_safe_storage_solution_says_storage_does_not_contain_xss() -> None:
    """Issue 10, 2b: storage limits theft; an injected script still acts in the page."""
    assert "does not contain" in exercise("safe-storage").explanation


def test_safe_storage_is_predicted_before_the_injected_script_reads_and_not_given_away() -> None:
    """A new learner found the answer stated just above the box. Now the box sits right before
    the cell where an injected script reads each place; section 6's prose above it asks for a
    prediction and names no winner; the prose after the reveal refers back to the prediction."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]

    def text(i: int) -> str:
        return "".join(nb[i]["source"])

    box = next(i for i, c in enumerate(nb)
               if c["cell_type"] == "code" and 'ExerciseBox("safe-storage")' in text(i))
    reveal = next(i for i in range(box + 1, len(nb)) if nb[i]["cell_type"] == "code")
    assert "readable_by_script()" in text(reveal)
    section = next(i for i, c in enumerate(nb) if text(i).startswith("## 6."))
    assert section < box
    above = "\n".join(text(i) for i in range(section, box) if nb[i]["cell_type"] == "markdown")
    assert "predict" in above.lower()
    for giveaway in ("strongest", "safest", "best", "worst", "reads nothing", "cannot read",
                     "not in `localStorage`"):
        assert giveaway not in above.lower(), f"the prose above the box says {giveaway!r}"
    after = next(i for i in range(reveal + 1, len(nb)) if nb[i]["cell_type"] == "markdown")
    assert "prediction" in text(after), "the prose after the reveal refers back to the prediction"


def test_coming_next_names_the_next_notebook_only() -> None:
    """The next notebook is 05: a notebook not written yet is "coming later", not "coming
    next"."""
    markdown = "\n".join("".join(c["source"]) for c in
                         json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
                         if c["cell_type"] == "markdown")
    assert "coming next" not in markdown.lower()
