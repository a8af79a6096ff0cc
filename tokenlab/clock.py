"""Clocks: every read of time in tokenlab goes through one of these.

PyJWT checks ``exp``/``nbf``/``iat`` against the wall clock, so tokenlab switches those checks
off and compares against the clock it was given. A course uses :class:`SimClock`, which moves
only when told to and never backwards (like Trio's ``MockClock``); real use takes
:class:`SystemClock`.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["COURSE_EPOCH", "Clock", "SimClock", "SystemClock", "format_duration", "format_time",
           "is_numeric_date"]

#: Where a :class:`SimClock` starts unless told otherwise: 2030-01-01T00:00:00Z.
COURSE_EPOCH = datetime(2030, 1, 1, tzinfo=UTC)


@runtime_checkable
class Clock(Protocol):
    """Anything with ``time()`` (POSIX seconds) and ``now()`` (an aware UTC datetime)."""

    def time(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's wall clock."""

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class SimClock:
    """A simulated clock that moves only when you call :meth:`advance`.

    >>> clock = SimClock()
    >>> clock.now()
    datetime.datetime(2030, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> clock.advance(90)
    >>> format_time(clock.time())
    '2030-01-01 00:01:30 UTC'
    """

    def __init__(self, start: datetime | float | None = None) -> None:
        if start is None:
            start = COURSE_EPOCH
        if isinstance(start, datetime):
            if start.tzinfo is None:
                raise ValueError(
                    "SimClock needs a timezone-aware start, e.g. datetime(2030, 1, 1, tzinfo=UTC)"
                )
            self._t = start.timestamp()
        elif isinstance(start, int | float) and not isinstance(start, bool):
            self._t = _calendar_time(start, f"start {start!r}")
        else:
            raise TypeError(
                f"start must be a datetime or POSIX seconds, not {type(start).__name__}"
            )
        if not math.isfinite(self._t):
            raise ValueError("start must be a finite time")

    def time(self) -> float:
        return self._t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._t, UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``; moving it backwards raises ``ValueError``."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(f"seconds must be a number, not {type(seconds).__name__}")
        if not is_numeric_date(seconds):
            raise ValueError(f"seconds must be a finite number, not {seconds}")
        if seconds < 0:
            raise ValueError(
                f"a SimClock never runs backwards: advance({seconds}) would move it "
                f"{-seconds:g} s into the past"
            )
        self._t = _calendar_time(self._t + seconds, f"advance({seconds!r})")

    def __repr__(self) -> str:
        return f"SimClock({format_time(self._t)})"


def is_numeric_date(value: object) -> bool:
    """Whether ``value`` is a NumericDate that arithmetic on times can use.

    RFC 7519 §2: NumericDate is "A JSON numeric value representing the number of seconds from
    1970-01-01T00:00:00Z UTC until the specified UTC date/time". So: an ``int`` or ``float`` but
    not a ``bool`` (``True`` is not a time, though Python counts it as 1), finite (a NaN ``exp``
    would never expire), and within float range — JSON allows ``10**400``, but ``exp + leeway``
    on it raises ``OverflowError``, so such a value is refused rather than crash a server.
    Every module that reads a time claim uses this one check.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


_MIN_T = datetime(1, 1, 1, tzinfo=UTC).timestamp()
_MAX_T = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


def _calendar_time(t: float, what: str) -> float:
    """``t`` as a float if it is a time ``datetime`` can show (years 1-9999); else ValueError."""
    if not is_numeric_date(t) or not _MIN_T <= t <= _MAX_T:
        raise ValueError(f"{what}: a SimClock stays within the years 1-9999 of the calendar")
    return float(t)


def format_time(t: float) -> str:
    """POSIX seconds as ``'2030-01-01 00:05:00 UTC'`` (fractions of a second dropped)."""
    try:
        return datetime.fromtimestamp(math.floor(t), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{t!r} (outside the calendar)"


def format_duration(seconds: float) -> str:
    """A duration for people: ``'12 s'``, ``'4 min 48 s'``, ``'2 h 5 min'``, ``'3 d 1 h'``."""
    s = abs(seconds)
    if not math.isfinite(s):
        return "forever"
    if s < 60:
        return f"{s:g} s" if s != int(s) else f"{int(s)} s"
    s = int(s)
    for unit, size, sub, subsize in (
        ("d", 86400, "h", 3600),
        ("h", 3600, "min", 60),
        ("min", 60, "s", 1),
    ):
        if s >= size:
            major, rest = divmod(s, size)
            minor = rest // subsize
            return f"{major} {unit} {minor} {sub}" if minor else f"{major} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover
