"""What a leaked credential is worth to an attacker, over time (notebooks 02 and 08).

The attacker holds a copy from ``leaked_at`` on and tries it every ``every`` seconds; each try is
a real check by the real verifier on the simulated clock. The defender may notice at
``detected_at`` and revoke what can be revoked. The result is the list of tries and which
succeeded — the window in which the leak hurts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..clock import SimClock, format_duration
from ..errors import TokenError

__all__ = ["Exposure", "simulate_exposure"]


@dataclass(frozen=True, slots=True)
class Exposure:
    label: str
    tries: tuple[tuple[float, bool], ...]  # (seconds after the leak, accepted?)

    @property
    def accepted(self) -> int:
        return sum(ok for _, ok in self.tries)

    @property
    def window(self) -> float:
        """Seconds from the leak to the last accepted try (0 if none was accepted)."""
        return max((t for t, ok in self.tries if ok), default=0.0)

    def __str__(self) -> str:
        if not self.accepted:
            return f"{self.label}: no try accepted"
        return (f"{self.label}: {self.accepted} of {len(self.tries)} tries accepted, the last "
                f"{format_duration(self.window)} after the leak")


def simulate_exposure(
    label: str,
    clock: SimClock,
    attempt: Callable[[], object],
    *,
    duration: float,
    every: float,
    detected_at: float | None = None,
    on_detect: Callable[[], object] | None = None,
) -> Exposure:
    """Try ``attempt`` every ``every`` seconds for ``duration`` seconds from now, advancing
    ``clock``; at ``detected_at`` seconds call ``on_detect`` (e.g. revoke). A try is accepted
    when ``attempt`` returns, refused when it raises a :class:`TokenError`."""
    if every <= 0 or duration < 0:
        raise ValueError("every must be > 0 and duration >= 0")
    tries: list[tuple[float, bool]] = []
    elapsed = 0.0
    detected = detected_at is None
    while elapsed <= duration:
        if not detected and detected_at is not None and elapsed >= detected_at:
            if on_detect is not None:
                on_detect()
            detected = True
        try:
            attempt()
            tries.append((elapsed, True))
        except TokenError:
            tries.append((elapsed, False))
        clock.advance(every)
        elapsed += every
    return Exposure(label, tuple(tries))
