"""Stories told one step at a time: a :class:`Step`, a :class:`Flow` of step functions, and a
:class:`FlowRun` that walks one.

A flow is a seeded world (:class:`~tokenlab.scenarios.world.World`: a clock, an authorization
server, an API, an app) plus an ordered list of *step functions*. Each step function makes one
thing happen in the world — through the wire, like every message in tokenlab — and returns a
:class:`Step` that says who acted, what happened, why, and what was checked. The runner adds the
wire events the step produced, so a step cannot claim a message it did not send.

Time only moves forward, so a flow is never run backwards: :meth:`Flow.run` builds a fresh world
from the seed and replays the first ``n`` steps. Going *back* one step is ``run(n - 1)``; with
seeded servers on a :class:`~tokenlab.clock.SimClock` the replay is exactly what happened before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..clock import format_time
from ..net.wire import Event
from ..report import VerificationReport

if TYPE_CHECKING:
    from .world import World

__all__ = ["PARTS", "Check", "Flow", "FlowRun", "Scenario", "Step", "StepFn", "render_part"]

#: Which half of a step's HTTP message it is about: the request, the response, or both.
PARTS = ("request", "response", "exchange")
_REPLY = "  ← "


@dataclass(frozen=True, slots=True)
class Check:
    """One thing an actor checked, whether it ``passed``, and why (``detail``)."""

    what: str
    passed: bool
    detail: str = ""

    @property
    def mark(self) -> str:
        return "✔" if self.passed else "✘"

    def __str__(self) -> str:
        return f"{self.mark} {self.what}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True, slots=True)
class Step:
    """One moment of a story.

    ``actor`` acted; ``title`` says what happened and ``explanation`` why it matters. ``events``
    are the wire events this step produced (set by the runner). ``message`` is the HTTP exchange
    the step is about — by default the last event it produced, but a step may explain the
    response to a request sent in the step before (``part`` then says which half to show).
    ``checks`` and ``report`` (the three-step :class:`~tokenlab.report.VerificationReport`
    when an API verified a token) say what was checked; ``outcome`` sums it up in a line.
    """

    actor: str
    title: str
    explanation: str
    checks: tuple[Check, ...] = ()
    report: VerificationReport | None = None
    outcome: str = ""
    notes: tuple[str, ...] = ()
    message: Event | None = None
    part: str = "exchange"
    events: tuple[Event, ...] = ()
    number: int = 0
    time: float = 0.0

    def __post_init__(self) -> None:
        if self.part not in PARTS:
            raise ValueError(f"part must be one of {', '.join(PARTS)}, not {self.part!r}")

    @property
    def passed(self) -> bool | None:
        """``False`` if any check (or the verification report) failed, ``True`` if there was
        something to check and all passed, ``None`` if nothing was checked."""
        results = [c.passed for c in self.checks]
        if self.report is not None:
            results.append(self.report.ok)
        return all(results) if results else None

    @property
    def other_events(self) -> tuple[Event, ...]:
        """The events this step produced besides :attr:`message`."""
        return tuple(e for e in self.events if e is not self.message)

    def text(self) -> str:
        """The step as plain text: who, what, why, the message (secrets masked, tokens
        shortened, as :meth:`Event.render <tokenlab.net.wire.Event.render>` shows them), the checks
        and the outcome."""
        head = f"Step {self.number} ({format_time(self.time)})" if self.number else "Step"
        lines = [f"{head} — {self.actor}: {self.title}", self.explanation]
        if self.message is not None:
            lines += ["", render_part(self.message, self.part)]
        else:
            lines += ["", "(nothing travels on the wire in this step)"]
        others = self.other_events
        if others:
            lines += ["", "Also on the wire in this step:"]
            lines += [f"  {e.summary()}" for e in others]
        if self.checks or self.report is not None:
            lines.append("")
            lines.append("Checked:")
            lines += [f"  {c}" for c in self.checks]
            if self.report is not None:
                lines += [f"  {s}" for s in str(self.report).splitlines()]
        if self.outcome:
            lines += ["", f"Outcome: {self.outcome}"]
        lines += [f"⚠ {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def render_part(event: Event, part: str = "exchange") -> str:
    """``event`` as text, or just its request or response half (tokens shortened, secrets
    masked). The first line — time, sender → receiver — is always kept."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    lines = event.render().splitlines()
    reply = next((i for i, line in enumerate(lines) if line.startswith(_REPLY)), len(lines))
    if part == "request":
        return "\n".join(lines[:reply])
    if part == "response":
        return "\n".join([lines[0], *lines[reply:]])
    return "\n".join(lines)


#: A step function: does one thing in the world and says what happened.
StepFn = Callable[["World"], Step]


@runtime_checkable
class Flow(Protocol):
    """A story: ``build(seed)`` makes a fresh world, ``steps`` are its step functions in order,
    ``run(n)`` builds the world from :attr:`seed` and runs the first ``n`` steps."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def intro(self) -> str: ...

    @property
    def seed(self) -> int: ...

    @property
    def steps(self) -> Sequence[StepFn]: ...

    def build(self, seed: int) -> World: ...

    def run(self, n: int | None = None) -> FlowRun: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Scenario:
    """A ready-made :class:`Flow`: a name for people, an introduction shown before step 1, a
    world builder and the step functions. ``dataclasses.replace(flow, seed=2)`` tells the same
    story with other keys, ids and tokens."""

    name: str
    title: str
    intro: str
    builder: Callable[[int], World]
    steps: tuple[StepFn, ...]
    seed: int = 1

    def build(self, seed: int) -> World:
        return self.builder(seed)

    def run(self, n: int | None = None) -> FlowRun:
        """A fresh world from :attr:`seed`, with the first ``n`` steps done (all if ``None``)."""
        total = len(self.steps)
        count = total if n is None else n
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= total:
            raise ValueError(f"{self.name} has steps 0 to {total}; cannot run {n!r}")
        walk = FlowRun(self, self.build(self.seed))
        for _ in range(count):
            walk.next()
        return walk

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"Scenario({self.name}: {len(self.steps)} steps, seed={self.seed})"


class FlowRun:
    """A flow being walked: its world and the steps done so far. Only :meth:`next` moves it."""

    def __init__(self, flow: Flow, world: World) -> None:
        self.flow = flow
        self.world = world
        self._steps: list[Step] = []

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps)

    @property
    def position(self) -> int:
        """How many steps are done: 0 before the first."""
        return len(self._steps)

    @property
    def done(self) -> bool:
        return len(self._steps) >= len(self.flow)

    @property
    def last(self) -> Step | None:
        return self._steps[-1] if self._steps else None

    @property
    def events(self) -> tuple[Event, ...]:
        """Everything on the wire so far."""
        return self.world.wire.events

    def next(self) -> Step:
        """Run the next step; its wire events, number and time are filled in here."""
        if self.done:
            raise IndexError(f"{self.flow.name} has only {len(self.flow)} steps; it is over")
        function = self.flow.steps[len(self._steps)]
        before = len(self.world.wire)
        step = function(self.world)
        if not isinstance(step, Step):
            raise TypeError(f"a step function returns a Step, not {type(step).__name__}")
        produced = self.world.wire.events[before:]
        message = step.message if step.message is not None else (
            produced[-1] if produced else None)
        step = dataclasses.replace(
            step, events=produced, number=len(self._steps) + 1, time=self.world.clock.time(),
            message=message, outcome=step.outcome or (message.outcome if message else ""))
        self._steps.append(step)
        return step

    def __repr__(self) -> str:
        return f"FlowRun({self.flow.name}: step {self.position} of {len(self.flow)})"
