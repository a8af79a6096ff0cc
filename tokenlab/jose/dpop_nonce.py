"""Server-provided DPoP nonces (RFC 9449 §8, §9): a value the server hands out in the
``DPoP-Nonce`` header and then requires in every proof, so a proof cannot be made in advance.

§8: "Nonce values MUST be unpredictable"; "The intent is that clients need to keep only one nonce
value and servers need to keep a window of recent nonces." Here the window is the current nonce
and the one before it: a nonce is handed out for ``lifetime`` seconds and accepted for twice
that, so a client that fetched one just before a rotation is not refused. Two values are kept,
whatever the traffic: memory does not grow.
"""

from __future__ import annotations

import hmac
import threading
from typing import Protocol, runtime_checkable

from ..clock import Clock, format_duration, is_numeric_date
from ..randomness import RandomSource

__all__ = ["DPoPNonces", "NonceSource"]


@runtime_checkable
class NonceSource(Protocol):
    """What a proof verifier asks of a server's nonces: the one to hand out, and whether a
    proof's nonce is still good."""

    def current(self) -> str: ...

    def accepts(self, nonce: object) -> bool: ...


class DPoPNonces:
    """Unpredictable nonces on ``clock``, rotated every ``lifetime`` seconds (default 5 min).

    Drawn from ``random`` (:mod:`secrets` unless seeded; seeded nonces are demo-only).
    """

    def __init__(self, clock: Clock, random: RandomSource | None = None, *,
                 lifetime: float = 300) -> None:
        if not isinstance(clock, Clock):
            raise TypeError(f"clock must be a Clock such as SimClock(), not {type(clock).__name__}")
        if isinstance(lifetime, bool) or not is_numeric_date(lifetime) or lifetime <= 0:
            raise ValueError(f"lifetime must be a positive number of seconds, not {lifetime!r}")
        self.clock = clock
        self.lifetime = float(lifetime)
        self._random = random if random is not None else RandomSource()
        #: ``(nonce, issued_at)``, newest last; at most two.
        self._recent: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    def current(self) -> str:
        """The nonce to send in ``DPoP-Nonce`` now; a new one once the last is ``lifetime`` old."""
        now = self.clock.time()
        with self._lock:
            if not self._recent or now >= self._recent[-1][1] + self.lifetime:
                self._recent = [*self._recent[-1:], (self._random.token_urlsafe("dpop nonce", 16), now)]
            return self._recent[-1][0]

    def accepts(self, nonce: object) -> bool:
        """Whether ``nonce`` is one of the last two handed out and less than two lifetimes old
        (compared in constant time). A read: it never changes the nonces."""
        if not isinstance(nonce, str) or not nonce.isascii():
            return False
        now = self.clock.time()
        with self._lock:
            recent = list(self._recent)
        found = False
        for value, issued in recent:  # no early exit: the time does not say which one matched
            found |= hmac.compare_digest(value, nonce) and now < issued + 2 * self.lifetime
        return found

    def __repr__(self) -> str:
        return f"DPoPNonces(rotated every {format_duration(self.lifetime)}, {len(self._recent)} kept)"
