"""Notebook 05's exercises, fed right, wrong and garbage answers — and checked against the server:
the answer the check calls right is what tokenlab's authorization server actually does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tokenlab import AuthServer, Client, ResourceServer, SimClock, TokenError
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05-expiry-and-refresh.ipynb"
RIGHT = "at 17:00, 8 hours after she logged in"
RIGHT_TYPO = RIGHT + "x"
GARBAGE = [None, "", "   ", 42, 3.5, True, ["x"], {"a": 1}, "é" * 5000, b"\xff", float("nan"),
           10**5000, "at 17:00", RIGHT_TYPO]


def test_notebook_05_asks_the_prediction_first_then_the_two_exercises() -> None:
    assert [(e.key, e.kind) for e in for_notebook("05")] == [
        ("reuse-after-theft", "predict"), ("expiry-boundary", "reason"),
        ("refresh-family-expiry", "reason")]


REUSE_RIGHT = "the app is refused, and the whole family is revoked: the thief's tokens die too"


def test_reuse_after_theft_right_answer() -> None:
    e = exercise("reuse-after-theft")
    assert REUSE_RIGHT in e.choices and e.answer == REUSE_RIGHT
    verdict = e.check(REUSE_RIGHT)
    assert verdict and "RFC 9700 §4.14.2" in verdict.reason and "tokenlab's policy" in verdict.reason
    assert e.check(f"  {REUSE_RIGHT}\n")


@pytest.mark.parametrize(("answer", "why"), [
    ("the app is refused; the thief keeps going, since his refresh token is the newest",
     "newest one included"),
    ("the server spots the thief: his tokens are revoked, and the app gets new ones",
     "cannot tell"),
    ("the app gets new tokens: its refresh token has not expired yet", "works once"),
])
def test_reuse_after_theft_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise("reuse-after-theft")
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", [*GARBAGE, REUSE_RIGHT.upper()],
                         ids=[f"garbage-{i}" for i in range(len(GARBAGE) + 1)])
def test_reuse_after_theft_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise("reuse-after-theft").check(answer)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_reuse_after_theft_prompt_asks_about_both_and_gives_neither_away() -> None:
    prompt = exercise("reuse-after-theft").prompt
    assert "thief" in prompt and "app" in prompt
    assert "revoke" not in prompt and "family" not in prompt


def test_reuse_after_theft_is_predicted_before_the_app_refreshes_and_not_given_away() -> None:
    """The box sits right before the cell where the app presents the refresh token the thief
    spent; section 7's prose above it asks for a prediction without giving the answer; the prose
    after the thief's next try refers back to the prediction."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]

    def text(i: int) -> str:
        return "".join(nb[i]["source"])

    box = next(i for i, c in enumerate(nb)
               if c["cell_type"] == "code" and 'ExerciseBox("reuse-after-theft")' in text(i))
    codes = [i for i in range(box + 1, len(nb)) if nb[i]["cell_type"] == "code"]
    assert "app.refresh()" in text(codes[0]) and "thief.get(" in text(codes[1])
    section = next(i for i, c in enumerate(nb) if text(i).startswith("## 7."))
    assert section < box
    above = "\n".join(text(i) for i in range(section, box) if nb[i]["cell_type"] == "markdown")
    assert "predict" in above.lower()
    for giveaway in ("revoke", "family is", "whoever", "dies", "dead", "limits"):
        assert giveaway not in above, f"the prose above the box says {giveaway!r}"
    after = next(i for i in range(codes[1] + 1, len(nb)) if nb[i]["cell_type"] == "markdown")
    assert "prediction" in text(after), "the prose after the reveal refers back to the prediction"


def test_rfc9700_4_14_2_the_thief_refreshes_first_and_the_app_sets_off_the_alarm() -> None:
    """The prompt's story on the real server: the thief refreshes with a stolen refresh token;
    the app then presents the spent one. The app is refused and gets nothing new; the thief's
    access token (far from its exp) and his newest refresh token are refused from then on."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    auth.register_user("alice", "correct horse battery staple")
    spa = auth.register_client("weather-spa", ["weather:read"], public=True,
                               redirect_uris=["https://app.example/callback"])
    app = Client(auth, spa, api, grant="authorization_code", scope="weather:read",
                 storage="localStorage")
    assert app.login("alice", "correct horse battery staple")
    login = clock.time()
    clock.advance(60)
    stolen = app.storage.readable_by_script()["refresh_token"]
    thief = Client(auth, spa, api, grant="authorization_code", name="thief")
    thief.storage.save({"refresh_token": stolen})
    assert thief.refresh() and thief.get("/weather").status == 200
    thief_access, thief_refresh = thief.access_token, thief.refresh_token
    clock.advance(240)
    assert not app.refresh()  # the app's token is within its lifetime, yet spent
    assert app.refresh_token is None and "family is revoked" in (app.last_error or "")
    clock.advance(30)
    assert clock.time() - login < 60 + auth.access_ttl  # the thief's access token is not expired
    refused = api.check(thief_access).failed_step  # ... and is refused all the same
    assert refused is not None and "revoked" in refused.detail
    with pytest.raises(TokenError):
        auth.refresh(thief_refresh or "", spa.client_id)
    assert thief.get("/weather").status == 401


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


def _markdown() -> str:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_rotation_never_extending_a_login_is_stated_as_tokenlabs_policy() -> None:
    """Issue 10 item 2b: other servers legitimately slide a login's end (with a cap) or end it
    when unused; the main text must not state tokenlab's rule as a general fact."""
    main_path = re.sub(r"<details>.*?</details>", "", _markdown(), flags=re.S)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", main_path) if "never extends" in s]
    assert sentences, "the main text states the rule"
    for sentence in sentences:
        assert "tokenlab" in sentence, sentence


def test_the_timeline_prose_says_the_thiefs_access_token_died_before_its_bar_ends() -> None:
    """The picture draws the thief's access token solid to its exp; the main text says it died
    when the family was revoked, and the Go deeper block does not claim that only POST /revoke
    hatches a bar (a refresh token spent by rotation is hatched too)."""
    markdown = _markdown()
    assert "hatches a token only where" not in markdown
    main_path = re.sub(r"<details>.*?</details>", "", markdown, flags=re.S)
    assert re.search(r"thief's access token[^.]*died at 00:05", main_path)
