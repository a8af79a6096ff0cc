"""Notebook 09's exercises, fed right, wrong and garbage answers — and checked against the real
actors: the jti prediction is what the jti-check API answers a replay; the replays' checks are
what the DPoP API names; the goal lab's proof is judged by the API. The prediction comes before
the cells that reveal it, the article is corrected with its citations, and the prose is in
layers."""

from __future__ import annotations

import re

import pytest

from tokenlab.course.exercises import exercise, for_notebook
from tokenlab.course.exercises.lesson09 import REPLAY_NAMES
from tokenlab.scenarios import replay_captured
from tokenlab.scenarios.replay import REPLAY_WAYS, refused_by, replay_lab, send_replay

from ..notebook_cells import NOTEBOOKS, assert_prose_in_layers, outputs, source, stored_cells

NOTEBOOK = NOTEBOOKS / "09-replay.ipynb"
PREDICT = "jti-check-replay"
WHICH = "which-check-stops-it"
PROOF = "make-a-proof"
RIGHT = "200: the replay works"
RIGHT_CHECKS = "jti, htm, htu, jkt, iat"
URL = "http://api.example/weather"
MAIN_PATH_WORDS = 1500

GARBAGE = [None, "", "   ", 42, True, ["jti"], {"a": 1}, "é" * 5000, b"jti", float("nan"),
           "eyJhbGciOiJFUzI1NiJ9", "not a token at all"]


def cells() -> list[dict]:
    return stored_cells(NOTEBOOK)


def test_notebook_09_asks_its_exercises_in_order() -> None:
    assert [e.key for e in for_notebook("09")] == [PREDICT, WHICH, PROOF]
    assert [e.kind for e in for_notebook("09")] == ["predict", "reason", "goal lab"]


# -- the prediction: a jti check and a replay ---------------------------------------------------


def test_jti_prediction_right_answer() -> None:
    e = exercise(PREDICT)
    assert e.answer == RIGHT and RIGHT in e.choices
    verdict = e.check(RIGHT)
    assert verdict and "names the token, not the request" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("401: this jti was already used", "refuse Alice's second request"),
    ("401: the jti is on the denylist", "nobody revoked this one"),
    ("401: the signature does not match a copied request", "same signature"),
])
def test_jti_prediction_each_wrong_choice_says_why(answer: str, why: str) -> None:
    e = exercise(PREDICT)
    assert answer in e.choices
    verdict = e.check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_jti_prediction_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise(PREDICT).check(answer)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_rfc7519_4_1_7_a_jti_check_lets_the_replay_and_the_apps_next_call_through() -> None:
    """The story the prediction is about, on the real actors: the replay gets a 200, and so does
    the app's next call, which carries the very same jti."""
    result = replay_captured("jti check").result()
    assert result.successes and result.first_refusal is None
    assert exercise(PREDICT).check("200: the replay works").correct
    run = replay_captured("jti check").run()
    calls = [e for e in run.world.wire.events if e.path == "/weather"]
    assert [e.sender for e in calls] == [run.world.app.name, "attacker", run.world.app.name]
    assert all(e.status == 200 for e in calls)
    assert len({e.headers["Authorization"] for e in calls}) == 1


# -- which check stops each replay ---------------------------------------------------------------


def test_rfc9449_4_3_each_replay_is_refused_by_the_check_the_solution_names() -> None:
    """The solution is what the API really answers, replay by replay, on the wire too."""
    named = dict(zip(REPLAY_WAYS, RIGHT_CHECKS.split(", "), strict=True))
    for name, check in named.items():
        assert refused_by(9, name) == check, name
        world = replay_lab(9)
        assert send_replay(world, name).status == 401
        assert world.wire.last is not None and world.wire.last.sender == "attacker"


def test_the_lab_without_a_replay_is_accepted() -> None:
    """The lab's own request went through: each refusal comes from the replay, not the setup."""
    world = replay_lab(9)
    assert world.memo["captured"].status == 200


@pytest.mark.parametrize("answer", [
    RIGHT_CHECKS, "jti htm htu jkt iat", "JTI, HTM, HTU, JKT, IAT", " jti;htm;htu;jkt;iat ",
    ["jti", "htm", "htu", "jkt", "iat"],
    {"again": "jti", "as POST": "htm", "to /me": "htu", "own key": "jkt", "2 min later": "iat"},
])
def test_which_check_right_answers_in_any_form_a_person_types(answer: object) -> None:
    verdict = exercise(WHICH).check(answer, replay_lab(9), refused_by)
    assert verdict.correct, verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("iat, htm, htu, jkt, iat", "only the replay cache"),
    ("jti, jti, htu, jkt, iat", "the method is checked first"),
    ("jti, htm, jti, jkt, iat", "never used at /me"),
    ("jti, htm, htu, signature, iat", "signed it with their own key"),
    ("jti, htm, htu, ath, iat", "anyone can compute it"),
    ("jti, htm, htu, jkt, jti", "has forgotten it"),
])
def test_which_check_each_misconception_gets_its_reason(answer: str, why: str) -> None:
    verdict = exercise(WHICH).check(answer, replay_lab(9), refused_by)
    assert not verdict and why in verdict.reason and "1 of 5" in verdict.reason


@pytest.mark.parametrize("answer", [*GARBAGE, "jti, htm", "jti, htm, htu, jkt, iat, typ",
                                    "jti, htm, htu, jkt, bogus", {"again": "jti"}])
def test_which_check_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise(WHICH).check(answer, replay_lab(9), refused_by)
    assert not verdict and verdict.reason and "Error" not in verdict.reason
    assert RIGHT_CHECKS not in verdict.reason  # a wrong answer never gives the right one away


def test_which_check_leaves_the_learners_world_as_it_was() -> None:
    world = replay_lab(9)
    before = len(world.wire), world.clock.time()
    exercise(WHICH).check(RIGHT_CHECKS, world, refused_by)
    assert (len(world.wire), world.clock.time()) == before


# -- the goal lab: a proof the API accepts --------------------------------------------------------


def test_goal_lab_a_proof_made_by_the_apps_key_is_accepted_once() -> None:
    world = replay_lab(9)
    proof = world.app.dpop_key.proof("GET", URL, now=world.clock.time(),
                                     access_token=world.app.access_token)
    verdict = exercise(PROOF).check(proof, world)
    assert verdict.correct, verdict.reason
    again = exercise(PROOF).check(proof, world)
    assert not again and "already used" in again.reason and "make a new one" in again.reason


@pytest.mark.parametrize(("attempt", "why"), [
    ("no ath", "access_token=lab.app.access_token"),
    ("wrong url", "http://api.example/weather"),
    ("wrong method", "method of this request, GET"),
    ("attacker's key", "sign it with the app's key"),
    ("an hour old", "now=lab.clock.time()"),
    ("the captured proof", "make a new one"),
])
def test_goal_lab_real_wrong_attempts_are_refused_by_the_api_with_a_tip(attempt: str,
                                                                        why: str) -> None:
    from tokenlab.scenarios.attack import attacker_of

    world = replay_lab(9)
    key, token, now = world.app.dpop_key, world.app.access_token, world.clock.time()
    proof = {
        "no ath": lambda: key.proof("GET", URL, now=now),
        "wrong url": lambda: key.proof("GET", "http://api.example/me", now=now,
                                       access_token=token),
        "wrong method": lambda: key.proof("POST", URL, now=now, access_token=token),
        "attacker's key": lambda: attacker_of(world).own_key().proof("GET", URL,
                                                                     access_token=token),
        "an hour old": lambda: key.proof("GET", URL, now=now - 3600, access_token=token),
        "the captured proof": lambda: world.memo["captured"].headers["DPoP"],
    }[attempt]()
    verdict = exercise(PROOF).check(proof, world)
    assert not verdict and "401" in verdict.reason and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_goal_lab_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise(PROOF).check(answer, replay_lab(9))
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_goal_lab_a_bearer_token_is_not_a_proof() -> None:
    world = replay_lab(9)
    verdict = exercise(PROOF).check(world.app.access_token, world)
    assert not verdict and "401" in verdict.reason


# -- the notebook -----------------------------------------------------------------------------------


def test_the_jti_check_is_predicted_before_the_cells_that_reveal_it() -> None:
    """A markdown cell asks for the prediction, the box follows, then a cell shows the replay
    accepted (200) and the app's next call with the same jti; the prose after refers back."""
    all_cells = cells()
    box = [i for i, c in enumerate(all_cells) if f'ExerciseBox("{PREDICT}")' in source(c)]
    assert len(box) == 1
    i = box[0]
    assert all_cells[i - 1]["cell_type"] == "markdown"
    assert "Before you run it, predict" in source(all_cells[i - 1])
    before = "".join(outputs(c) for c in all_cells[:i] if c["cell_type"] == "code")
    assert "jti check" not in before  # nothing before the box shows the answer
    reveal = next(c for c in all_cells[i + 1:] if c["cell_type"] == "code")
    assert "jti check" in source(reveal) and "200" in outputs(reveal)
    prose = next(c for c in all_cells[all_cells.index(reveal) + 1:]
                 if c["cell_type"] == "markdown")
    assert "predict" in source(prose)


def test_the_article_is_corrected_with_the_standards_cited() -> None:
    text = "\n".join(source(c) for c in cells() if c["cell_type"] == "markdown")
    for citation in ("RFC 7519 §4.1.7", "RFC 9449 §4.3", "RFC 9449 §11.1", "RFC 6750 §5.3"):
        assert citation in text, citation
    assert "unique identifier" in text


def test_prose_in_layers() -> None:
    assert_prose_in_layers(cells(), MAIN_PATH_WORDS, balanced=False)


def test_no_link_to_a_notebook_not_written_yet() -> None:
    text = "\n".join(source(c) for c in cells() if c["cell_type"] == "markdown")
    assert "](11-" not in text
    for line in text.splitlines():
        if "11 ·" in line or "notebook 11" in line.lower():
            assert "coming" in line, line


def test_the_exercise_names_the_replays_of_the_lab_in_its_order() -> None:
    assert tuple(REPLAY_WAYS) == REPLAY_NAMES


# -- a newcomer's read-through (issue 12): what each output is, and what each step needs ----------


def section(title: str) -> list[dict]:
    """The cells of the numbered section whose heading starts with ``title`` (e.g. "## 4.")."""
    all_cells = cells()
    start = next(i for i, c in enumerate(all_cells) if source(c).startswith(title))
    end = next((i for i, c in enumerate(all_cells[start + 1:], start + 1)
                if source(c).startswith("## ")), len(all_cells))
    return all_cells[start:end]


def test_every_printed_line_says_what_it_is_no_bare_wire_index() -> None:
    """A summary line such as '[6] 00:00:00 attacker → api ...' shows an index nobody explained."""
    found = [line for c in cells() if c["cell_type"] == "code"
             for line in outputs(c).splitlines() if re.match(r"\s*\[\d+\] ", line)]
    assert not found, found


def test_descriptions_are_never_cut_mid_word_at_the_end_of_a_line() -> None:
    """Tables show the part of the API's reason that matters, whole, not its first N characters."""
    code = [c for c in cells() if c["cell_type"] == "code"]
    assert any("first refusal" in outputs(c) for c in code)  # the tables are still there
    assert any("check broken" in outputs(c) for c in code)
    cut = [line for c in code for line in outputs(c).splitlines() if line.rstrip().endswith("…")]
    assert not cut, cut


def test_rfc9449_4_2_section_4_shows_the_captured_proofs_claims_decoded() -> None:
    """'htm, htu, iat, jti, ath': the reader sees them in the proof itself, not only in prose."""
    shown = "".join(outputs(c) for c in section("## 4.") if c["cell_type"] == "code")
    for claim in ("htm", "htu", "iat", "jti", "ath", "cnf.jkt"):
        assert re.search(rf"\b{re.escape(claim)}\b[^\n]*:\s+\S", shown), claim
    assert "GET" in shown and URL in shown


def test_the_goal_lab_says_what_a_proof_needs_without_the_whole_answer() -> None:
    all_cells = cells()
    lab = next(i for i, c in enumerate(all_cells) if source(c).startswith("# Your turn"))
    told = source(all_cells[lab - 1])
    assert all_cells[lab - 1]["cell_type"] == "markdown"
    assert "now=lab.clock.time()" in told and "access_token=" in told
    assert exercise(PROOF).code and exercise(PROOF).code not in told
    assert '.proof("GET", "http://api.example/weather"' not in told


def test_the_article_is_named_where_it_first_appears() -> None:
    first = next(source(c) for c in cells()
                 if c["cell_type"] == "markdown" and "article" in source(c).lower())
    assert "Beginner" in first, first


def test_the_attack_labs_prompt_tells_attacker_moves_from_defences() -> None:
    prompt = "".join(source(c) for c in section("## 6.") if c["cell_type"] == "markdown")
    assert "htm binding" in prompt and "htu binding" in prompt and "not defences" in prompt
    assert "Stopped by" in prompt and "DPoP + nonce" in prompt
    assert 'AttackLab("replay")' in "".join(source(c) for c in section("## 6."))


def test_which_check_says_which_order_two_tables_could_mean() -> None:
    """The notebook prints two tables (the workbench's checks, the lab's replays): the question
    and the format reminder say the answer follows the replays."""
    e = exercise(WHICH)
    assert "order of the replays" in e.prompt
    verdict = e.check("jti", replay_lab(9), refused_by)
    assert not verdict and "order of the replays" in verdict.reason
