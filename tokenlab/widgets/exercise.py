"""ExerciseBox: a question, an answer field, a Check button and a solution revealed on demand.

The check itself lives in :mod:`tokenlab.course.exercises` (core, unit-tested with right and wrong
answers); this view only collects the answer and shows the verdict. An answer can also be given
from code — ``box.check(my_token)`` — for exercises whose answer is something the learner builds
(a token, a PKCE pair). The stored notebook output shows the unanswered state.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from ..course.exercises import Exercise, Verdict, exercise
from .common import BAD, GOOD, RUN_HINT, View, escape, guarded

__all__ = ["ExerciseBox"]

_PICK = "— choose an answer —"


class ExerciseBox(View):
    """``ExerciseBox("bearer-header", t.access_token)``: the extra arguments are the context the
    check needs (a token, an API), passed after the answer."""

    def __init__(self, which: str | Exercise, *context: Any) -> None:
        self.exercise = which if isinstance(which, Exercise) else exercise(which)
        self.context = context
        self.verdict: Verdict | None = None
        e = self.exercise
        self.prompt = widgets.HTML(f"<b>Exercise.</b> {escape(e.prompt)}")
        self.answer: widgets.Dropdown | widgets.Text
        if e.choices:
            self.answer = widgets.Dropdown(options=[_PICK, *e.choices], value=_PICK,
                                           layout=widgets.Layout(width="auto"))
        else:
            self.answer = widgets.Text(placeholder="your answer", layout=widgets.Layout(
                width="60%"))
        self.check_button = widgets.Button(description="Check", button_style="primary")
        self.solution_button = widgets.Button(description="Show solution")
        self.hint = widgets.HTML(f"<i>Hint: {escape(e.hint)}</i>" if e.hint else "")
        self.result = widgets.HTML("")
        self.solution = widgets.HTML("")
        self.check_button.on_click(lambda _: self.check())
        self.solution_button.on_click(lambda _: self.reveal())
        super().__init__([self.prompt, self.hint,
                          widgets.HBox([self.answer, self.check_button, self.solution_button]),
                          self.result, self.solution])

    @guarded("Check")
    def check(self, answer: Any = None) -> Verdict:
        """Check ``answer`` (or what is in the answer field) and show the verdict."""
        if answer is None:
            answer = self.answer.value
            if answer == _PICK:
                answer = ""
        verdict = self.exercise.check(answer, *self.context)
        self.verdict = verdict
        colour = GOOD if verdict.correct else BAD
        self.result.value = (f'<div style="color:{colour}; font-weight:bold">'
                             f"{escape(str(verdict))}</div>")
        return verdict

    @guarded("Show solution")
    def reveal(self) -> None:
        e = self.exercise
        shown = (f"<pre>{escape(e.code)}</pre>" if e.code else f"<code>{escape(e.answer)}</code>")
        self.solution.value = f"<b>Solution.</b> {shown}<br>{escape(e.explanation)}"
        self.solution_button.disabled = True

    @property
    def state(self) -> str:
        if self.verdict is None:
            return "unanswered"
        return "right" if self.verdict.correct else "not yet"

    @property
    def text(self) -> str:
        """What the box says now, as plain text (for tests and browser checks)."""
        parts = [f"Exercise. {self.exercise.prompt}"]
        if self.verdict is not None:
            parts.append(str(self.verdict))
        if self.solution.value:
            parts.append(f"Solution. {self.exercise.solution}")
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"ExerciseBox({self.exercise.key}: {self.state})" + RUN_HINT
