"""Notebook 02's added exercise: a leaked 30-day JWT at a stateless API. Right, wrong, garbage —
and the answer checked against the simulator itself, so the exercise cannot drift from it."""

from __future__ import annotations

import json
import re

import pytest

from tokenlab import AuthServer, ResourceServer, SimClock
from tokenlab.clock import format_time
from tokenlab.course.exercises import exercise, for_notebook
from tokenlab.course.exposure import simulate_exposure
from tokenlab.report import VerificationReport

from ..conftest import API, ISSUER
from ..notebook_cells import NOTEBOOKS, assert_prose_in_layers, stored_cells

GARBAGE = [None, "", "   ", 42, ["x"], {"a": 1}, "é" * 5000, b"\xff", "UNTIL ITS EXP"]
RIGHT = "until its exp, 30 days after it was issued"
DAY = 86400
MAIN_PATH_WORDS = 1500


def test_it_belongs_to_notebook_02_after_leaked_key_lifetime() -> None:
    assert [e.key for e in for_notebook("02")][:2] == ["leaked-key-lifetime", "stateless-jwt-leak"]


def test_right_answer() -> None:
    e = exercise("stateless-jwt-leak")
    assert RIGHT in e.choices
    verdict = e.check(RIGHT)
    assert verdict and "RFC 7009 §3" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("one hour, until the revocation", "denylist"),
    ("5 minutes", "30 days"),
    ("not at all: the token is signed", "whoever has a copy"),
])
def test_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise("stateless-jwt-leak")
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE)
def test_garbage_is_a_wrong_answer_not_an_error(answer: object) -> None:
    assert not exercise("stateless-jwt-leak").check(answer)


def test_rfc7009_2_the_simulator_agrees_with_the_solution() -> None:
    """Revoked after an hour, the token still passes a stateless API until exp, and is refused
    from exp on; an API with the denylist refuses it from the revocation on — checked while the
    token is still alive, so that only the denylist can be what refuses it (RFC 7009 §2)."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1, access_ttl=30 * DAY)
    stateless = ResourceServer(API, auth, revocation="none")
    denylist = ResourceServer(API, auth)
    app = auth.register_client("app", ["weather:read"])
    token = auth.client_credentials(app.client_id, app.client_secret).access_token
    start = clock.time()
    at_denylist: dict[float, VerificationReport] = {}

    def attempt() -> object:
        """The leaked copy, tried at both APIs at the same moment."""
        at_denylist[clock.time() - start] = denylist.check(token)
        return stateless.verify(token)

    leak = simulate_exposure("30-day JWT", clock, attempt,
                             duration=31 * DAY, every=3600, detected_at=3600,
                             on_detect=lambda: auth.revoke(token, app.client_id, app.client_secret))
    assert leak.window == 30 * DAY - 3600 and not dict(leak.tries)[30 * DAY]
    alive = {t: report for t, report in at_denylist.items() if dict(leak.tries)[t]}
    assert len(alive) == 30 * 24  # the stateless API took it for 30 days: the token was alive
    assert [t for t, report in alive.items() if report.ok] == [0]  # before the revocation only
    refusals = {report.failed_step.detail for t, report in alive.items() if report.failed_step}
    assert len(refusals) == 1 and "denylist" in refusals.pop()


def test_prose_in_layers() -> None:
    """Issue 10 item 5: at most 1,500 words of markdown on the beginner's path of notebook 02;
    asides in collapsible Go deeper blocks that render (a blank line after the summary and before
    the end)."""
    assert_prose_in_layers(stored_cells(NOTEBOOKS / "02-keys-vs-tokens.ipynb"), MAIN_PATH_WORDS)


# -- what a new learner tripped over ---------------------------------------------------------------

def _cells() -> list[dict]:
    return json.loads((NOTEBOOKS / "02-keys-vs-tokens.ipynb").read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _printed(cell: dict) -> str:
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


def _markdown() -> str:
    return "\n".join(_source(c) for c in _cells() if c["cell_type"] == "markdown")


def test_rfc7519_2_a_printed_numericdate_shows_the_time_it_means() -> None:
    printed = "\n".join(_printed(c) for c in _cells() if c["cell_type"] == "code")
    found = re.findall(r"^ *(exp|iat): (\d+)(.*)$", printed, re.M)
    assert found, "the notebook prints the exp and iat claims"
    for name, seconds, rest in found:
        assert format_time(int(seconds)) in rest, f"{name}: {seconds} without the time it means"
    assert "NumericDate" in _markdown() and "RFC 7519 §2" in _markdown()


def test_the_prose_counts_the_tries_the_simulation_makes() -> None:
    """Tried at the leak and every minute up to and including 24 h: said in words, so "1441 of
    1441 tries" does not puzzle."""
    tries = len(simulate_exposure("count", SimClock(), lambda: None, duration=DAY, every=60).tries)
    assert f"{tries:,}" in _markdown(), f"the prose never says {tries:,} tries"


def test_the_prose_says_each_simulation_moves_the_shared_clock_on() -> None:
    """One clock for the whole notebook: each day-long simulation moves it a day and a minute on,
    so the second leak starts on 2 January. Said before the dates show it."""
    clock = SimClock()
    start = clock.time()
    simulate_exposure("a day", clock, lambda: None, duration=DAY, every=60)
    assert clock.time() - start == DAY + 60
    cells = _cells()
    first = next(i for i, c in enumerate(cells) if "simulate_exposure(" in _source(c)
                 and c["cell_type"] == "code")
    dated = next(i for i, c in enumerate(cells) if "2030-01-02" in _printed(c))
    before = "\n".join(_source(c) for c in cells[first - 1:dated] if c["cell_type"] == "markdown")
    assert re.search(r"clock[^.]*a day and a minute", before), before


def test_seeded_demo_only_is_explained() -> None:
    printed = "\n".join(_printed(c) for c in _cells() if c["cell_type"] == "code")
    assert "seeded: demo-only" in printed
    assert re.search(r"`seeded: demo-only`[^.]*seed", _markdown())
