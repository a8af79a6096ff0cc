"""Exercises with automatic checks: the learner answers, a check says right or wrong and why.

Each :class:`Exercise` has a prompt, a ``check`` that turns any answer into a :class:`Verdict`
(never an exception: an unreadable answer is a wrong answer with a reason), a hint and a solution
revealed on demand. Checks that need the learner's world (a token, an API) take it as arguments.
One module per notebook holds its exercises, in the order the notebook asks them. The widget
:class:`tokenlab.widgets.ExerciseBox` shows them in a notebook.
"""

from __future__ import annotations

from . import (
    lesson00,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
    lesson11,
)
from .model import KINDS, SECONDS_EXAMPLES, Exercise, Verdict, choice, safe, seconds

__all__ = ["EXERCISES", "KINDS", "SECONDS_EXAMPLES", "Exercise", "Verdict", "choice", "exercise",
           "for_notebook", "safe", "seconds"]

_LESSONS = (lesson00, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07,
            lesson08, lesson09, lesson10, lesson11)

EXERCISES: dict[str, Exercise] = {e.key: e for lesson in _LESSONS for e in lesson.EXERCISES}


def exercise(key: str) -> Exercise:
    """The exercise named ``key``; a clear error for an unknown one."""
    try:
        return EXERCISES[key]
    except KeyError:
        raise KeyError(f"no exercise {key!r}; known: {', '.join(sorted(EXERCISES))}") from None


def for_notebook(notebook: str) -> list[Exercise]:
    """The exercises of notebook ``"00"`` … ``"11"``, in the order the notebook asks them."""
    return [e for e in EXERCISES.values() if e.notebook == notebook]
