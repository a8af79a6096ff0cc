"""What an exercise is: a prompt, a check that turns any answer into a :class:`Verdict`, a hint,
and a solution revealed on demand — either the answer to pick or type, or code to run in the
notebook whose last expression is the answer (tests run it there and check it passes)."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["SECONDS_EXAMPLES", "Exercise", "Verdict", "choice", "safe", "seconds"]


@dataclass(frozen=True, slots=True)
class Verdict:
    correct: bool
    reason: str

    def __str__(self) -> str:
        return f"{'✔ Right' if self.correct else '✘ Not yet'}: {self.reason}"

    def __bool__(self) -> bool:
        return self.correct


def safe(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """A learner's answer must never crash the lesson: an exception becomes a wrong answer."""
    @functools.wraps(check)
    def wrapped(*args: Any, **kwargs: Any) -> Verdict:
        try:
            return check(*args, **kwargs)
        except Exception as exc:
            return Verdict(False, f"could not check that answer ({type(exc).__name__}: {exc})")
    return wrapped


@dataclass(frozen=True, slots=True)
class Exercise:
    """``check(answer, *context)`` returns a Verdict. ``choices`` makes it multiple choice.

    The solution is ``answer`` (what to pick or type) or ``code`` (a cell the learner may run in
    the notebook; its last expression is the answer), followed by ``explanation``. ``kind`` says
    what the learner does: ``"predict"`` (commit to an answer before a cell reveals it),
    ``"reason"`` (work it out from the lesson), ``"build"`` (make something with code) or
    ``"goal lab"`` (make the system do something, checked on the result).
    """

    key: str
    notebook: str
    kind: str
    prompt: str
    check: Callable[..., Verdict]
    explanation: str
    answer: str = ""
    code: str = ""
    hint: str = ""
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if bool(self.answer) == bool(self.code):
            raise ValueError(f"{self.key}: give the solution as an answer or as code, not both")
        if self.choices and self.answer not in self.choices:
            raise ValueError(f"{self.key}: the answer must be one of the choices")
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: kind must be one of {', '.join(KINDS)}")

    @property
    def solution(self) -> str:
        """The solution as revealed: the answer or the code, then why."""
        return f"{self.answer or self.code}\n\n{self.explanation}"


KINDS = ("predict", "reason", "build", "goal lab")


def choice(correct: str, reasons: dict[str, str]) -> Callable[[Any], Verdict]:
    """A multiple-choice check: every choice has its reason, right or wrong."""
    @safe
    def check(answer: Any) -> Verdict:
        if not isinstance(answer, str) or not answer.strip():
            return Verdict(False, "pick one of the answers")
        answer = answer.strip()
        if answer == correct:
            return Verdict(True, reasons[correct])
        return Verdict(False, reasons.get(answer, "that is not one of the answers"))
    return check


_UNITS = {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
          "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
          "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*,?")
#: What an answer in seconds may look like, for the message when it cannot be read.
SECONDS_EXAMPLES = "a number of seconds, such as 645, '645 s' or '10 min 45 s'"


def seconds(answer: Any) -> float | None:
    """A duration in seconds from what a person types: ``645``, ``"645"``, ``"645 s"``,
    ``"645 seconds"``, ``"10 min 45 s"``, ``"10min45s"``, ``"1 h"``; ``None`` for anything else
    (units must go from large to small; a bare number is seconds, and only on its own)."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int | float):
        try:
            value = float(answer)
        except OverflowError:  # an int beyond float range
            return None
        return value if math.isfinite(value) else None
    if not isinstance(answer, str) or len(answer) > 100:
        return None
    text = answer.strip().lower()
    parts = []
    pos = 0
    while pos < len(text):
        m = _PART.match(text, pos)
        if m is None or m.end() == pos:
            return None
        parts.append((float(m.group(1)), m.group(2)))
        pos = m.end()
    if not parts:
        return None
    if len(parts) == 1 and parts[0][1] == "":
        return parts[0][0]
    total, last = 0.0, math.inf
    for value, unit in parts:
        size = _UNITS.get(unit)
        if size is None or size >= last:  # an unknown unit, a missing one, or not large to small
            return None
        total, last = total + value * size, size
    return total
