"""What verification found, step by step: decode → signature → claims and policy.

Every verification produces a :class:`VerificationReport` — attached to the returned claims on
success and to the raised :class:`~tokenlab.errors.TokenError` on failure — so a lesson can show
"signature valid, but expired" instead of a bare "invalid".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["STEPS", "StepResult", "StepStatus", "VerificationReport"]

#: The three steps, in order.
STEPS = ("decode", "signature", "claims")
_TITLES = {"decode": "decode", "signature": "signature", "claims": "claims and policy"}


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_REACHED = "not reached"


_MARK = {StepStatus.PASSED: "✔", StepStatus.FAILED: "✘", StepStatus.NOT_REACHED: "·"}


@dataclass(frozen=True, slots=True)
class StepResult:
    name: str
    status: StepStatus
    detail: str

    def __str__(self) -> str:
        return f"{_MARK[self.status]} {_TITLES[self.name]}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The three :class:`StepResult`, with the header and claims as far as they could be read.

    ``header`` and ``claims`` are *unverified* when the signature step did not pass.
    """

    steps: tuple[StepResult, ...]
    header: dict[str, Any] | None = field(default=None)
    claims: dict[str, Any] | None = field(default=None)

    @property
    def ok(self) -> bool:
        return all(s.status is StepStatus.PASSED for s in self.steps)

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.status is StepStatus.FAILED), None)

    def step(self, name: str) -> StepResult:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def __str__(self) -> str:
        return "\n".join(str(s) for s in self.steps)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython: show the three lines
        p.text(str(self))

    @classmethod
    def build(cls, outcomes: list[tuple[StepStatus, str]], header: Any = None,
              claims: Any = None) -> VerificationReport:
        """A report from the outcomes of the steps reached; the rest are "not reached"."""
        steps = [StepResult(STEPS[i], st, d) for i, (st, d) in enumerate(outcomes)]
        steps += [StepResult(n, StepStatus.NOT_REACHED, "not reached") for n in STEPS[len(steps):]]
        return cls(tuple(steps), header, claims)
