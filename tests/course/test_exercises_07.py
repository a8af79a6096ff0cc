"""Notebook 07's exercises: predict 403, 401 or 200 for three requests, then the goal lab. The
prediction is checked against the real API (so it cannot drift from it) and is revealed by a cell
that sends those three requests, right after the box; the prose is in layers."""

from __future__ import annotations

import json
import re

import pytest

from tokenlab import AuthServer, Request, ResourceServer, SimClock
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER
from ..notebook_cells import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "07-advantages-put-to-the-test.ipynb"
KEY = "status-codes"
RIGHT = "403, 401, 200"
GARBAGE = [None, "", "   ", 42, ["x"], {"a": 1}, "é" * 5000, b"\xff", "403 401 200", "403,401,200x"]
MAIN_PATH_WORDS = 1500


def cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def outputs(cell: dict) -> str:
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


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
    markdown = "\n".join(source(c) for c in cells() if c["cell_type"] == "markdown")
    blocks = re.findall(r"<details>.*?</details>", markdown, re.S)
    main_path = re.sub(r"<details>.*?</details>", "", markdown, flags=re.S)
    assert len(main_path.split()) <= MAIN_PATH_WORDS, len(main_path.split())
    assert blocks, "no Go deeper block"
    for block in blocks:
        assert re.match(r"<details>\n<summary><b>Go deeper:</b> [^<\n]+</summary>\n\n", block), block
        assert block.endswith("\n\n</details>"), block[-80:]
    assert markdown.count("<details>") == markdown.count("</details>") == len(blocks)
