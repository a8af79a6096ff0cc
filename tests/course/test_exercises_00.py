"""Notebook 00's exercises: predict who can read a token's claims, and what the API answers at
exactly ``exp``. Right, wrong and garbage answers; each solution checked against the simulator, so
an exercise cannot drift from what the notebook's cell then shows; and the notebook asks each one
before the cell that reveals it, without giving the answer away in the prose above."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from tokenlab import AuthServer, ResourceServer, SimClock, TokenError
from tokenlab.course.exercises import exercise, for_notebook
from tokenlab.report import StepStatus

from ..conftest import API, ISSUER
from ..notebook_cells import run_notebook

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


# -- what a new learner tripped over ---------------------------------------------------------------

def _markdown_cells() -> list[tuple[int, str]]:
    return [(i, source(c)) for i, c in enumerate(cells()) if c["cell_type"] == "markdown"]


def _sections() -> dict[int, str]:
    """Each numbered section's code, by number."""
    found: dict[int, str] = {}
    number = 0
    for c in cells():
        heading = re.search(r"^## (\d+)\.", source(c), re.M) if c["cell_type"] == "markdown" else None
        if heading:
            number = int(heading.group(1))
        elif c["cell_type"] == "code" and number:
            found[number] = found.get(number, "") + source(c) + "\n"
    return found


def test_the_walker_replays_exactly_the_sections_its_steps_show() -> None:
    """Its steps get a token, use it and end on a 403; its clock never moves. So the sections it
    "replays" include the one refused with 403 and none where the clock moves."""
    from tokenlab.scenarios import CLIENT_CREDENTIALS

    prose = next(text for _, text in _markdown_cells() if "`FlowWalker`" in text)
    said = re.search(r"replays sections (\d+)\D(\d+)", prose)
    assert said, "the walker's paragraph says which sections it replays"
    replayed = range(int(said.group(1)), int(said.group(2)) + 1)
    start, end = CLIENT_CREDENTIALS.run(0), CLIENT_CREDENTIALS.run(len(CLIENT_CREDENTIALS))
    assert end.world.clock.time() == start.world.clock.time(), "the walker's clock moved"
    last = end.steps[-1]
    assert last.message is not None and last.message.status == 403
    sections = _sections()
    refused = [n for n, code in sections.items() if 'scope="weather:write"' in code]
    assert refused and refused[0] in replayed, "the 403 section is replayed"
    for n in replayed:
        assert "clock.advance" not in sections[n], f"section {n} moves the clock; the walker does not"


def test_every_acronym_an_exercise_offers_is_explained_before_its_box() -> None:
    """A choice such as "the public key from the JWKS" must not be the first the learner hears
    of a JWKS."""
    for e in for_notebook("00"):
        box = _box_index(e.key)
        before = _markdown_between(0, box)
        for text in (*e.choices, e.prompt):
            for acronym in re.findall(r"\b[A-Z]{3,}\b", text):
                assert acronym in before, f"{e.key} names {acronym}, not explained before its box"


def test_the_prose_above_a_box_says_run_it_before_it_says_check() -> None:
    """The box appears only once its cell runs: "pick an answer and press Check" cannot come
    before the instruction to run the box's cell."""
    for e in for_notebook("00"):
        above = source(cells()[_box_index(e.key) - 1])
        if "Check" in above:
            assert "run" in above[:above.index("Check")], above


def test_the_inspector_try_it_says_how_to_edit_a_whole_token_and_which_part() -> None:
    prose = next(text for _, text in _markdown_cells()
                 if "`TokenInspector`" in text and "Try it" in text)
    assert "whole token" in prose, "where the learner finds the whole token to edit"
    assert "signature" in prose and "payload" in prose and "decod" in prose, prose


def _inspector_after_run() -> object:
    from tokenlab.widgets import TokenInspector

    names: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in run_notebook(NOTEBOOK, namespace=names):
            pass
    inspector = names["inspector"]
    assert isinstance(inspector, TokenInspector)
    return inspector


def test_rfc7515_what_the_inspector_shows_for_each_edit_the_try_it_suggests() -> None:
    """Near the end of the signature: the claims still show, the signature step fails. In the
    payload: most edits no longer decode, and the inspector names the payload; the others fail
    the signature."""
    inspector = _inspector_after_run()
    whole = inspector.token.value  # type: ignore[attr-defined]
    header, payload, _ = whole.split(".")
    near_end = len(whole) - 5
    edited = whole[:near_end] + ("A" if whole[near_end] != "A" else "B") + whole[near_end + 1:]
    inspector.token.value = edited  # type: ignore[attr-defined]
    report = inspector.report  # type: ignore[attr-defined]
    assert report.failed_step.name == "signature" and report.claims["sub"]
    outcomes: dict[str, int] = {}
    for i in range(len(header) + 1, len(header) + 1 + len(payload)):
        inspector.token.value = whole[:i] + ("x" if whole[i] != "x" else "y") + whole[i + 1:]  # type: ignore[attr-defined]
        failed = inspector.report.failed_step  # type: ignore[attr-defined]
        outcomes[failed.name] = outcomes.get(failed.name, 0) + 1
        if failed.name == "decode":
            assert "the payload (second part)" in failed.detail, failed.detail
    assert set(outcomes) == {"decode", "signature"}
    assert outcomes["decode"] > outcomes["signature"], outcomes
