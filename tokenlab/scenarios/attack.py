"""What every attack story shares: the world with an attacker in it, the facts a lesson states
(:class:`AttackResult`, read off the wire) and :class:`AttackScenario`, a :class:`Scenario` that
also says how the attack ended.

The facts come only from recorded events: the theft is the event the attacker's loot points to;
the attacker's uses are the requests sent as ``"attacker"`` to a server (not the reads of a log
viewer); a use succeeded when the server answered 2xx.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..client.attacker import ATTACKER, LOG_VIEWER, Attacker, Loot
from ..clock import format_duration
from ..net.wire import Event
from .steps import Check, FlowRun, Scenario, Step
from .world import World

__all__ = ["AttackResult", "AttackScenario", "attack_result", "attacker_of", "claims_of",
           "refusal_reason", "use_step"]

#: Where the world keeps its attacker (``world.memo``).
ATTACKER_MEMO = "attacker"


def attacker_of(world: World) -> Attacker:
    """The world's attacker, made on first use (seeded from the world's seed)."""
    found = world.memo.get(ATTACKER_MEMO)
    if found is None:
        found = world.memo[ATTACKER_MEMO] = Attacker(world.wire, seed=world.seed)
    return found


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload as anyone holding it reads it (no key needed); ``{}`` if it is not one."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return data if isinstance(data, dict) else {}


def refusal_reason(event: Event) -> str:
    """Why a server refused ``event``: its error and description as the outcome line says."""
    return event.outcome


def _uses(events: tuple[Event, ...], since: int) -> tuple[Event, ...]:
    return tuple(e for e in events[since:]
                 if e.sender == ATTACKER and e.receiver != LOG_VIEWER)


@dataclass(frozen=True, slots=True)
class AttackResult:
    """The facts of one attack: when the theft happened (``theft_time``, ``None`` if nothing
    was stolen), the times of the attacker's successful requests, and when and why the first
    refusal came (``None`` when every request succeeded)."""

    scenario: str
    defence: str
    theft_time: float | None
    successes: tuple[float, ...]
    first_refusal: float | None
    reason: str | None
    attempts: int
    #: When the defender revoked something after the theft (a ``/revoke`` on the wire).
    revoked_at: float | None = None
    #: When the victim's app was first refused after the theft (``None``: never), and why.
    victim_refused_at: float | None = None
    victim_reason: str | None = None

    @property
    def propagation_delay(self) -> float | None:
        """Seconds from the revocation to the first refusal, when that refusal came at or after
        it (``None`` without both, or when the attacker was refused before any revocation)."""
        if self.revoked_at is None or self.first_refusal is None:
            return None
        if self.first_refusal < self.revoked_at:
            return None
        return self.first_refusal - self.revoked_at

    @property
    def window(self) -> float:
        """Seconds from the theft to the attacker's last successful request (0 if none)."""
        if self.theft_time is None or not self.successes:
            return 0.0
        return self.successes[-1] - self.theft_time

    @property
    def useless_from_the_first_try(self) -> bool:
        return self.attempts > 0 and not self.successes

    def text(self) -> str:
        """The facts in sentences, as a lesson states them (times from the theft)."""
        if self.theft_time is None and not self.attempts:
            return f"{self.scenario}: nothing was stolen, nothing was tried."
        if self.theft_time is None:  # nothing stolen: times from the first attempt
            t0 = (self.successes[0] if self.successes else self.first_refusal) or 0.0
            lines = [f"{self.scenario}: nothing stolen; the first attempt at t = 0."]
        else:
            t0 = self.theft_time
            lines = [f"{self.scenario}: stolen at t = 0 (times below count from the theft)."]
        if self.successes:
            times = ", ".join(f"+{format_duration(t - t0)}" if t > t0 else "0 s"
                              for t in self.successes)
            lines.append(f"The attacker's requests that worked: {len(self.successes)} (at {times}).")
        else:
            lines.append("No request of the attacker worked.")
        if self.revoked_at is not None:
            lines.append(f"Revoked at +{format_duration(self.revoked_at - t0)}.")
        if self.first_refusal is not None:
            lines.append(f"First refusal at +{format_duration(self.first_refusal - t0)}: "
                         f"{self.reason}")
        else:
            lines.append("Never refused.")
        if self.victim_refused_at is not None:
            lines.append(f"The victim's app was first refused at "
                         f"+{format_duration(self.victim_refused_at - t0)}: {self.victim_reason}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def attack_result(run: FlowRun, *, defence: str = "") -> AttackResult:
    """The facts of ``run`` read off its wire: the first loot's event is the theft; the
    attacker's requests after it are the uses."""
    attacker: Attacker | None = run.world.memo.get(ATTACKER_MEMO)
    loot: list[Loot] = attacker.loot if attacker is not None else []
    events = run.world.wire.events
    theft = loot[0].event if loot else None
    start = next((i for i, e in enumerate(events) if e is theft), 0)
    uses = _uses(events, start)
    if theft is None:  # a forgery: the attacker holds what they hold, and builds the rest
        uses = tuple(e for e in uses if e.path != "/jwks.json")
    successes = tuple(e.time for e in uses if 200 <= e.status < 300)
    refused = next((e for e in uses if e.status >= 400), None)
    revoked = next((e for e in events[start:] if e.path == "/revoke" and e.status == 200), None)
    victim = next((e for e in events[start:]
                   if e.sender == run.world.app.name and e.status >= 400), None)
    return AttackResult(
        run.flow.name, defence, theft.time if theft is not None else None, successes,
        refused.time if refused is not None else None,
        refusal_reason(refused) if refused is not None else None, len(uses),
        revoked.time if revoked is not None else None,
        victim.time if victim is not None else None,
        refusal_reason(victim) if victim is not None else None)


@dataclass(frozen=True)
class AttackScenario(Scenario):
    """A :class:`Scenario` with an attacker in it: :meth:`result` walks it to its end and
    returns the :class:`AttackResult`. ``defence`` names what the defender had."""

    defence: str = ""

    def result(self) -> AttackResult:
        return attack_result(self.run(), defence=self.defence)

    def __repr__(self) -> str:
        return f"AttackScenario({self.name}: {len(self.steps)} steps, seed={self.seed})"


def use_step(title: str, explanation: str, send: Callable[[World], object]) -> Callable[[World], Step]:
    """A step in which the attacker sends what ``send`` sends; its checks say, per request,
    whether the server accepted it — from the wire, not from a second verification."""

    def step(world: World) -> Step:
        before = len(world.wire)
        send(world)
        produced = _uses(world.wire.events, before)
        checks = tuple(Check(f"the attacker's request at +{format_duration(e.time - produced[0].time)}"
                             if i else "the attacker's request", 200 <= e.status < 300, e.outcome)
                       for i, e in enumerate(produced))
        return Step(actor=ATTACKER, title=title, explanation=explanation, checks=checks,
                    message=produced[-1] if produced else None)
    return step
