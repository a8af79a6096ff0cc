"""Notebook 07's exercises: predict 403, 401 or 200 for three requests, then the goal lab. The
prediction is checked against the real API (so it cannot drift from it) and is revealed by a cell
that sends those three requests, right after the box; the prose is in layers."""

from __future__ import annotations

import re

import pytest

from tokenlab import AuthServer, Request, ResourceServer, SimClock
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER
from ..notebook_cells import NOTEBOOKS, assert_prose_in_layers, outputs, source, stored_cells, unlabelled
from ..notebook_cells import index_of as notebook_index_of

NOTEBOOK = NOTEBOOKS / "07-advantages-put-to-the-test.ipynb"
KEY = "status-codes"
RIGHT = "403, 401, 200"
GARBAGE = [None, "", "   ", 42, ["x"], {"a": 1}, "é" * 5000, b"\xff", "403 401 200", "403,401,200x"]
MAIN_PATH_WORDS = 1500


def cells() -> list[dict]:
    return stored_cells(NOTEBOOK)


def test_notebook_07_asks_its_exercises_in_order() -> None:
    assert [e.key for e in for_notebook("07")] == [KEY, "401-not-403"]
    assert [e.kind for e in for_notebook("07")] == ["predict", "goal lab"]


@pytest.mark.parametrize(("answer", "why"), [
    ("403, 403, 200", "expired token is invalid"),
    ("401, 401, 200", "403, not 401"),
    ("401, 403, 200", "both swapped"),
])
def test_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise(KEY)
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_garbage_is_a_wrong_answer_not_an_error(answer: object) -> None:
    verdict = exercise(KEY).check(answer)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_rfc6750_3_1_the_api_agrees_with_the_prediction() -> None:
    """The prompt's three requests on the real API: (1) POST with a fresh read-only token, (2)
    GET with a token granting both scopes whose exp passed a minute ago, (3) GET with a fresh
    token granting both. Their statuses, in order, are the right choice."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    app = auth.register_client("weather-app", ["weather:read", "weather:write"])

    def token(scope: str) -> str:
        return auth.client_credentials(app.client_id, app.client_secret, scope=scope).access_token

    old = token("weather:read weather:write")
    clock.advance(auth.access_ttl + 60)
    read, both = token("weather:read"), token("weather:read weather:write")

    def bearer(t: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {t}"}

    statuses = [api.handle(Request.post(f"{API}/weather", {"city": "Oslo"}, bearer(read))).status,
                api.handle(Request.get(f"{API}/weather", bearer(old))).status,
                api.handle(Request.get(f"{API}/weather", bearer(both))).status]
    assert ", ".join(map(str, statuses)) == RIGHT == exercise(KEY).answer
    assert exercise(KEY).check(", ".join(map(str, statuses)))


def test_the_prediction_is_revealed_by_a_cell_that_sends_the_three_requests() -> None:
    """Before the box, a markdown cell asks for the prediction; the first code cell after it
    sends the three requests and its stored output shows 403, 401 and 200 in that order, each
    labelled; the prose after refers back to the prediction. The 403 of a read-only POST is not
    printed above the box (the learner would copy it)."""
    all_cells = cells()
    box = [i for i, c in enumerate(all_cells) if f'ExerciseBox("{KEY}")' in source(c)]
    assert len(box) == 1
    i = box[0]
    assert all_cells[i - 1]["cell_type"] == "markdown"
    assert "Before you run it, predict" in source(all_cells[i - 1])
    above = "".join(outputs(c) for c in all_cells[:i])
    assert "403" not in above, "a 403 is printed above the prediction"
    reveal = next(c for c in all_cells[i + 1:] if c["cell_type"] == "code")
    lines = [line for line in outputs(reveal).splitlines() if re.search(r"\b(200|401|403)\b", line)]
    assert [re.search(r"\b(200|401|403)\b", line)[1] for line in lines] == RIGHT.split(", ")
    assert all(re.match(r"\(\d\) \S", line) for line in lines), lines
    prose = next(c for c in all_cells[all_cells.index(reveal) + 1:] if c["cell_type"] == "markdown")
    assert "predict" in source(prose)


def test_prose_in_layers() -> None:
    """Issue 10 item 5: at most 1,500 words of markdown on the beginner's path of notebook 07;
    asides in collapsible Go deeper blocks that render (a blank line after the summary and before
    the end)."""
    assert_prose_in_layers(cells(), MAIN_PATH_WORDS)


# -- what a new learner tripped over ----------------------------------------------------------------


def index_of(predicate) -> int:
    return notebook_index_of(cells(), predicate)


def test_the_status_code_rule_comes_after_the_prediction() -> None:
    """Predict first, then the rule: no markdown before the box names 401, 403 or
    insufficient_scope (request 2 would be the only one left to predict); the prose after the
    reveal states both codes with RFC 6750 §3.1."""
    box = index_of(lambda c: f'ExerciseBox("{KEY}")' in source(c))
    for c in cells()[:box]:
        if c["cell_type"] == "markdown":
            said = re.search(r"\b40[13]\b|insufficient_scope|invalid_token", source(c))
            assert said is None, f"the rule is given before the prediction: {said[0]!r}"
    reveal = next(i for i, c in enumerate(cells()) if i > box and c["cell_type"] == "code")
    after = next(source(c) for c in cells()[reveal + 1:] if c["cell_type"] == "markdown")
    assert all(s in after for s in ("403", "401", "RFC 6750 §3.1")), after


def test_the_goal_lab_names_the_request_it_asks_about() -> None:
    """'Make the same API answer it with 401': the sentence that asks for 401 names POST
    /weather, in the notebook and in the box's prompt."""
    lab = next(source(c) for c in cells() if source(c).startswith("**Goal lab.**"))
    asks = [s for s in re.split(r"(?<=[.:])\s+", lab) if "401" in s and "answer" in s]
    assert asks and all("POST /weather" in s for s in asks), asks
    assert re.search(r"answer a POST /weather with 401", exercise("401-not-403").prompt)


def test_token_requests_prose_agrees_with_the_table() -> None:
    """The table's token requests grow from 100 to 500 API requests (time passes, tokens
    expire); the main text says each app asks every access_ttl, so they grow with time."""
    table = outputs(cells()[index_of(lambda c: "load_table(results)" in source(c))])
    tokens = {int(row.split()[0]): int(row.split()[-1]) for row in table.splitlines()
              if re.match(r"\s*\d+\s+none\b", row)}
    assert tokens[500] > tokens[100], tokens
    bullet = next(line for c in cells() if c["cell_type"] == "markdown"
                  for line in re.sub(r"<details>.*?</details>", "", source(c), flags=re.S)
                  .split("\n* ") if line.startswith("**Token requests**"))
    assert "access_ttl" in bullet and "time" in bullet, bullet
    assert "not with\n  API traffic" not in bullet and "not with API traffic" not in bullet


def test_the_access_ttl_cell_is_discussed() -> None:
    """The markdown after the last code cell quotes its token-request counts."""
    i = index_of(lambda c: "run_load(" in source(c))
    counts = re.findall(r"(\d+) token requests", outputs(cells()[i]))
    assert len(counts) == 3, outputs(cells()[i])
    prose = next(source(c) for c in cells()[i + 1:] if c["cell_type"] == "markdown")
    quoted = [n for n in counts if re.search(rf"\b{n}\b", prose)]
    assert len(quoted) >= 2, (counts, prose)


def test_the_inspector_prompt_says_what_a_payload_edit_does() -> None:
    """'And a letter in the middle part?' is answered: most single-letter edits of the payload
    stop the token decoding, and the verifier names the payload; the others fail at the
    signature; none passes. The Try it prompt says so."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    app = auth.register_client("weather-app", ["weather:read"])
    token = auth.client_credentials(app.client_id, app.client_secret, scope="weather:read",
                                    resource=API).access_token
    api = ResourceServer(API, auth)
    header, payload, signature = token.split(".")
    failed = []
    for i in range(len(payload)):
        letter = "a" if payload[i] != "a" else "b"
        report = api.check(".".join([header, payload[:i] + letter + payload[i + 1:], signature]))
        assert report.failed_step is not None
        failed.append(report.failed_step)
    decode = [s for s in failed if s.name == "decode"]
    assert {s.name for s in failed} == {"decode", "signature"}
    assert len(decode) > len(failed) / 2
    assert all("the payload (second part)" in s.detail for s in decode)
    prompt = next(source(c) for c in cells() if "middle part" in source(c))
    after = prompt[prompt.index("middle part"):].split("\n\n")[0]
    assert re.search(r"decod", after) and "signature" in after, after


def test_printed_values_say_what_they_are() -> None:
    """No stored output line is a bare repr, key set, JSON payload or lone word."""
    for c in cells():
        for line in outputs(c).splitlines():
            assert not unlabelled(line), f"an unlabelled printed value: {line!r}"
