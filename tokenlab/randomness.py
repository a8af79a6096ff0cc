"""One source of randomness per server.

Unseeded, every byte comes from :mod:`secrets`. Seeded (``seed=1``), every id, secret, key and
token is reproducible, so a lesson's stored outputs never change. Each draw is derived from
``(seed, purpose, counter-for-that-purpose)`` with SHAKE-256, so adding a new kind of draw does
not shift the values of the others. Seeded material is for demonstrations only: anyone who
knows the seed can recompute every secret.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections import Counter

__all__ = ["RandomSource"]


class RandomSource:
    """Draws bytes for a named purpose, from ``secrets`` or, with a seed, deterministically."""

    def __init__(self, seed: int | str | None = None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | str)):
            raise TypeError(f"seed must be an int, a str or None, not {type(seed).__name__}")
        self._seed = seed
        self._counters: Counter[str] = Counter()
        self._lock = threading.Lock()  # two threads never draw the same seeded value

    @property
    def seed(self) -> int | str | None:
        return self._seed

    @property
    def seeded(self) -> bool:
        """True when every draw is reproducible (demo-only material)."""
        return self._seed is not None

    def bytes(self, purpose: str, n: int) -> bytes:
        """``n`` random bytes for ``purpose`` (e.g. ``"jti"``, ``"client_secret"``)."""
        if self._seed is None:
            return secrets.token_bytes(n)
        return self._derive(purpose, self.next_index(purpose), n)

    def next_index(self, purpose: str) -> int:
        """How many draws ``purpose`` had so far (then one more): 0, 1, 2, ..."""
        with self._lock:
            i = self._counters[purpose]
            self._counters[purpose] = i + 1
        return i

    def _derive(self, purpose: str, i: int, n: int) -> bytes:
        label = f"tokenlab/v1\x00{type(self._seed).__name__}:{self._seed}\x00{purpose}\x00{i}"
        return hashlib.shake_256(label.encode()).digest(n)

    def fixed_integer(self, purpose: str) -> int:
        """A seeded integer that is the same on every call (no counter); random when unseeded."""
        if self._seed is None:
            return int.from_bytes(secrets.token_bytes(8), "big")
        return int.from_bytes(self._derive(purpose, 0, 8), "big")

    def token_urlsafe(self, purpose: str, nbytes: int = 32) -> str:
        """Like :func:`secrets.token_urlsafe`: base64url text without padding."""
        return base64.urlsafe_b64encode(self.bytes(purpose, nbytes)).rstrip(b"=").decode("ascii")

    def hex(self, purpose: str, nbytes: int = 4) -> str:
        return self.bytes(purpose, nbytes).hex()

    def integer(self, purpose: str, nbytes: int = 32) -> int:
        return int.from_bytes(self.bytes(purpose, nbytes), "big")

    def __repr__(self) -> str:
        if self._seed is None:
            return "RandomSource(secrets)"
        return f"RandomSource(seed={self._seed!r}, demo-only: reproducible by anyone who knows the seed)"
