"""Notebook 06's exercises, fed right, wrong and garbage answers — and checked against the real
actors: the introspection cache exercise's right answer is when the API first refuses; the
restart prediction is what a restarted in-memory server does. The prediction comes before the
cells that reveal it, and the prose is in layers (a beginner's path, Go deeper blocks)."""

from __future__ import annotations

import re

import pytest

from tokenlab import AuthServer, Client, ResourceServer, SimClock, TokenError
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER, PASSWORD
from ..notebook_cells import NOTEBOOKS, assert_prose_in_layers, outputs, source, stored_cells, unlabelled
from ..notebook_cells import index_of as notebook_index_of

NOTEBOOK = NOTEBOOKS / "06-revocation.ipynb"
RESTART = "restart-forgets"
RIGHT = "access token accepted, refresh token refused"
MAIN_PATH_WORDS = 1500

GARBAGE = [None, "", "   ", True, ["40"], {"a": 1}, "é" * 5000, b"40", float("nan"),
           float("inf"), "1e400", 10**5000, "forty", "4 0", "40 parsecs"]


def cells() -> list[dict]:
    return stored_cells(NOTEBOOK)


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
    assert_prose_in_layers(cells(), MAIN_PATH_WORDS)


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


# -- what a new learner tripped over ----------------------------------------------------------------

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}


def markdown_between(start: int, stop: int) -> list[str]:
    return [source(c) for c in cells()[start:stop] if c["cell_type"] == "markdown"]


def index_of(predicate) -> int:
    return notebook_index_of(cells(), predicate)


def test_the_restart_is_not_answered_in_prose_before_the_cells_that_reveal_it() -> None:
    """Between the box and the cell that sends the revoked refresh token, no markdown states an
    outcome: the learner sees it first in the cells' output."""
    box = index_of(lambda c: f'ExerciseBox("{RESTART}")' in source(c))
    refresh = index_of(lambda c: "auth.refresh(refresh" in source(c))
    assert box < refresh
    for text in markdown_between(box + 1, refresh):
        said = re.search(r"accept|refus|forg[eo]t|fails? (open|closed)|wiped", text, re.I)
        assert said is None, f"the prose answers the prediction before the cells do: {said[0]!r}"


def test_section_6_states_the_time_left_that_the_restart_cell_prints() -> None:
    """The section's first paragraph says how long the revoked access token has before its exp;
    the restart cell prints the same duration."""
    restart = cells()[index_of(lambda c: "auth.restart()" in source(c))]
    left = re.search(r"expires in (.+?) \(at", outputs(restart))
    assert left is not None, outputs(restart)
    intro = cells()[index_of(lambda c: source(c).startswith("## 6."))]
    assert f"{left[1]} from its `exp`" in source(intro), (left[1], source(intro))


def test_section_4_counts_the_checks_and_calls_its_cells_make() -> None:
    """The prose after the cached introspection run counts the checks that cell printed and the
    introspection calls made in all (the cell before made the first)."""
    i = index_of(lambda c: "introspection calls so far" in outputs(c))
    printed = outputs(cells()[i])
    rows = [line for line in printed.splitlines() if line.startswith("t+")]
    calls = int(re.findall(r"introspection calls so far: (\d+)", printed)[-1])
    prose = next(source(c) for c in cells()[i + 1:] if c["cell_type"] == "markdown")
    assert f"{NUMBER_WORDS[len(rows)]} checks" in prose, (len(rows), prose)
    assert f"{NUMBER_WORDS[calls]} calls" in prose, (calls, prose)


def test_the_logout_walker_prompt_names_what_step_3_shows() -> None:
    """Step 3 of the LOGOUT walker shows one POST /revoke in full and lists the other under 'Also
    on the wire'; the Try it prompt names the one shown in full by its token_type_hint."""
    from tokenlab.scenarios import LOGOUT

    step = LOGOUT.run(3).steps[2]
    assert step.message is not None and step.message.path == "/revoke"
    hint = re.search(r"token_type_hint=(\w+)", step.message.render())
    assert hint is not None
    assert [e.path for e in step.other_events] == ["/revoke"]
    walker = index_of(lambda c: "FlowWalker(LOGOUT)" in source(c))
    prompt = source(cells()[walker - 1])
    assert "Try it" in prompt
    assert hint[1].replace("_", " ") in prompt and "Also on the wire" in prompt, prompt
    assert "the two `POST /revoke` requests" not in prompt


def test_printed_values_say_what_they_are() -> None:
    """No stored output line is a bare repr, list or word; the refresh families listed in
    section 7 are called families on their line."""
    for c in cells():
        for line in outputs(c).splitlines():
            assert not unlabelled(line), f"an unlabelled printed value: {line!r}"
            if re.search(r"\[['\"][\w-]{12}['\"]\]", line):
                assert "famil" in line.split("[")[0], f"a list of ids that does not say what: {line!r}"
