"""Notebook 06's exercises, fed right, wrong and garbage answers — and checked against the real
actors: the introspection cache exercise's right answer is when the API first refuses; the
restart prediction is what a restarted in-memory server does. The prediction comes before the
cells that reveal it, and the prose is in layers (a beginner's path, Go deeper blocks)."""

from __future__ import annotations

import json
import re

import pytest

from tokenlab import AuthServer, Client, ResourceServer, SimClock, TokenError
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER, PASSWORD
from ..notebook_cells import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "06-revocation.ipynb"
RESTART = "restart-forgets"
RIGHT = "access token accepted, refresh token refused"
MAIN_PATH_WORDS = 1500

GARBAGE = [None, "", "   ", True, ["40"], {"a": 1}, "é" * 5000, b"40", float("nan"),
           float("inf"), "1e400", 10**5000, "forty", "4 0", "40 parsecs"]


def cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def outputs(cell: dict) -> str:
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


def test_notebook_06_asks_its_exercises_in_order() -> None:
    assert [e.key for e in for_notebook("06")] == [RESTART, "stateless-revocation",
                                                    "revoked-but-accepted",
                                                    "introspection-cache-delay"]
    assert [e.kind for e in for_notebook("06")] == ["predict", "reason", "goal lab", "reason"]


def test_restart_prediction_right_answer() -> None:
    e = exercise(RESTART)
    assert e.answer == RIGHT and RIGHT in e.choices
    verdict = e.check(RIGHT)
    assert verdict and "fails open" in verdict.reason and "fails closed" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("both refused", "not written in the token"),
    ("both accepted", "unknown refresh token"),
    ("access token refused, refresh token accepted", "the other way round"),
])
def test_restart_prediction_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise(RESTART)
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_restart_prediction_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise(RESTART).check(answer)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_rfc7009_2_1_a_restart_of_an_in_memory_server_agrees_with_the_prediction() -> None:
    """Logged out (both tokens revoked), then the server restarts: the denylist API accepts the
    access token again — the revocation was only in memory — and the refresh token is refused
    as unknown. Checked before the restart too, so only the restart can be what changed."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    auth.register_user("alice", PASSWORD)
    reg = auth.register_client("web", ["weather:read"], redirect_uris=["https://app.example/cb"])
    web = Client(auth, reg, api, grant="authorization_code", scope="weather:read")
    web.login("alice", PASSWORD)
    token, refresh = web.access_token, web.refresh_token
    assert token and refresh
    web.logout()
    clock.advance(60)
    assert not api.check(token).ok
    auth.restart()
    outcome = ["access token accepted" if api.check(token).ok else "access token refused"]
    with pytest.raises(TokenError) as refused:
        auth.refresh(refresh, reg.client_id, reg.client_secret)
    assert refused.value.error == "invalid_grant"
    outcome.append("refresh token refused")
    assert ", ".join(outcome) == RIGHT


def test_the_restart_is_predicted_before_the_cells_that_reveal_it() -> None:
    """A markdown cell asks for the prediction, the box follows, then the restart cell (the
    denylist API accepts) and the refresh cell (refused); the prose after refers back to it."""
    all_cells = cells()
    box = [i for i, c in enumerate(all_cells) if f'ExerciseBox("{RESTART}")' in source(c)]
    assert len(box) == 1
    i = box[0]
    assert all_cells[i - 1]["cell_type"] == "markdown"
    assert "Before you run it, predict" in source(all_cells[i - 1])
    after = [c for c in all_cells[i + 1:] if c["cell_type"] == "code"]
    restart, refresh = after[0], after[1]
    assert "auth.restart()" in source(restart)
    assert re.search(r"✔ claims and policy", outputs(restart))
    assert "auth.refresh(" in source(refresh) and "invalid_grant" in outputs(refresh)
    prose = next(c for c in all_cells[all_cells.index(refresh) + 1:] if c["cell_type"] == "markdown")
    assert "predict" in source(prose)


def test_prose_in_layers() -> None:
    """Issue 10 item 5: at most 1,500 words of markdown on the beginner's path of notebook 06;
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


@pytest.mark.parametrize("answer", [40, 40.0, "40", " 40 ", "40 s", "40s", "40 seconds",
                                    "40 sec", "40 S", "40.0"])
def test_introspection_cache_delay_right_answers(answer: object) -> None:
    verdict = exercise("introspection-cache-delay").check(answer)
    assert verdict.correct, verdict.reason
    assert "60 - 20 = 40" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    (41, "one second too late"),
    (60, "20 s before the revocation"),
    (0, "denylist"),
    (300, "count from the moment"),
    (-40, "count from the moment"),
])
def test_introspection_cache_delay_wrong_answers_say_why(answer: object, why: str) -> None:
    verdict = exercise("introspection-cache-delay").check(answer)
    assert not verdict.correct
    assert why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_introspection_cache_delay_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise("introspection-cache-delay").check(answer)
    assert not verdict.correct
    assert verdict.reason.startswith("I expected a number of seconds")


def test_introspection_cache_delay_matches_the_api() -> None:
    """The prompt's story on the real API: it asks, 20 s later the token is revoked; the first
    refusal comes exactly as many seconds after the revocation as the check calls right."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth, revocation="introspect", introspection_cache_ttl=60)
    app = auth.register_client("weather-app", ["weather:read"])
    token = auth.client_credentials(app.client_id, app.client_secret).access_token
    assert api.check(token).ok and api.introspection_calls == 1
    clock.advance(20)
    auth.revoke(token, app.client_id, app.client_secret)
    waited = 0
    while api.check(token).ok:
        clock.advance(1)
        waited += 1
    assert exercise("introspection-cache-delay").check(waited).correct
    assert api.introspection_calls == 2


def test_introspection_cache_delay_reads_minutes_too() -> None:
    """'40 minutes' is a duration a person may type: read, and judged wrong with a reason."""
    verdict = exercise("introspection-cache-delay").check("40 minutes")
    assert not verdict and "count from the moment" in verdict.reason
