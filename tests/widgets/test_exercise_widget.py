"""ExerciseBox driven from Python: unanswered, wrong, right, solution, garbage."""

from __future__ import annotations

from tokenlab.widgets.common import RUN_HINT
from tokenlab.widgets.exercise import ExerciseBox


def test_multiple_choice_box() -> None:
    box = ExerciseBox("stateless-revocation")
    assert repr(box) == "ExerciseBox(stateless-revocation: unanswered)" + RUN_HINT
    box.check_button.click()  # nothing chosen
    assert box.state == "not yet" and "pick one" in box.result.value
    box.answer.value = "denylist"
    box.check_button.click()
    assert box.state == "not yet" and "✘ Not yet" in box.text
    box.answer.value = "none"
    box.check_button.click()
    assert box.state == "right" and "✔ Right" in box.result.value
    assert "Solution" not in box.text
    box.solution_button.click()
    assert "Solution. none" in box.text and box.solution_button.disabled


def test_text_box_with_context_and_answer_from_code() -> None:
    token = "aaa.bbb.ccc"
    box = ExerciseBox("bearer-header", token)
    box.answer.value = "Bearer aaa.bbb.ccc"
    box.check_button.click()
    assert box.state == "right"
    assert not box.check("Token aaa.bbb.ccc")
    assert box.state == "not yet" and box.error == ""


def test_garbage_from_code_is_a_verdict_not_a_traceback() -> None:
    box = ExerciseBox("expiry-boundary")
    verdict = box.check(object())
    assert verdict is not None and not verdict.correct
    assert box.error == "" and "expected a number of seconds" in box.result.value
