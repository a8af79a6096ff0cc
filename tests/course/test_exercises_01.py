"""Notebook 01's exercises: predict what the API answers a copied token, and where a token sent
in the URL ends up. Right, wrong and garbage answers; the prediction checked against the simulator
and asked before the cell that reveals it."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from tokenlab import AuthServer, Client, Request, ResourceServer, SimClock
from tokenlab.course.exercises import exercise, for_notebook

from ..notebook_cells import run_notebook

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


# -- what a new learner tripped over ---------------------------------------------------------------

def _text(cell: dict) -> str:
    return "".join(cell["source"])


def _section(number: int) -> str:
    """The markdown of section ``number``, up to the next numbered section."""
    markdown = "\n".join(_text(c) for c in cells() if c["cell_type"] == "markdown")
    start = markdown.index(f"\n## {number}.")
    after = re.search(r"\n## (?:\d+\.|Summary)", markdown[start + 1:])
    return markdown[start:start + 1 + after.start()] if after else markdown[start:]


def _outputs(cell: dict) -> str:
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


def test_section_6_says_how_to_get_the_whole_token_and_what_each_edit_does() -> None:
    prose = _section(6)
    assert "print(token)" in prose, "how to get the whole token to edit"
    assert "decode" in prose, "a changed payload character most often no longer decodes"
    assert "signature" in prose and "last" in prose


def test_the_headers_kid_is_told_apart_from_our_kid_where_it_first_shows() -> None:
    """The inspector of section 6 is the first place the JWT header's kid shows up: it is the key
    id, nothing to do with the app called kid."""
    assert "key id" in _section(6) and "`kid`" in _section(6)
    earlier = "\n".join(_outputs(c) for c in cells()[:next(
        i for i, c in enumerate(cells()) if "TokenInspector(" in _text(c))])
    assert "'kid'" not in earlier and '"kid"' not in earlier


def test_no_cell_only_repeats_what_an_earlier_cell_printed() -> None:
    shown: set[str] = set()
    for c in cells():
        if c["cell_type"] != "code":
            continue
        lines = {line.strip(" ⚠") for line in _outputs(c).splitlines() if line.strip(" ⚠")}
        assert not lines or not lines <= shown, f"this cell shows nothing new: {_text(c)}"
        shown |= lines


def test_rfc5737_the_documentation_address_in_the_log_is_said_to_be_one() -> None:
    printed = "\n".join(_outputs(c) for c in cells() if c["cell_type"] == "code")
    assert "203.0.113." in printed
    markdown = "\n".join(_text(c) for c in cells() if c["cell_type"] == "markdown")
    assert "RFC 5737" in markdown


def test_rfc7515_what_the_inspector_shows_for_the_edits_section_6_suggests() -> None:
    """Run the notebook, then edit the kid's token in the inspector as section 6 says: near the
    end of the signature the claims still show and the signature fails; in the payload most edits
    no longer decode (the inspector names the payload), the rest fail the signature."""
    from tokenlab.widgets import TokenInspector

    names: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in run_notebook(NOTEBOOK, namespace=names):
            pass
    inspector, token = names["inspector"], names["token"]
    assert isinstance(inspector, TokenInspector) and isinstance(token, str)
    header, payload, _ = token.split(".")
    for back in range(2, 6):  # one of the last characters, the very last excepted
        i = len(token) - back
        inspector.token.value = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        assert inspector.report is not None and inspector.report.failed_step is not None
        assert inspector.report.failed_step.name == "signature" and inspector.report.claims
    outcomes = {"decode": 0, "signature": 0}
    for i in range(len(header) + 1, len(header) + 1 + len(payload)):
        inspector.token.value = token[:i] + ("x" if token[i] != "x" else "y") + token[i + 1:]
        assert inspector.report is not None and inspector.report.failed_step is not None
        failed = inspector.report.failed_step
        outcomes[failed.name] += 1
        if failed.name == "decode":
            assert "the payload (second part)" in failed.detail, failed.detail
    assert outcomes["decode"] > outcomes["signature"] > 0, outcomes
