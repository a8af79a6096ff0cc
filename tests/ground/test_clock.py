from datetime import UTC, datetime

import pytest

from tokenlab import SimClock, SystemClock
from tokenlab.clock import COURSE_EPOCH, Clock, format_duration, format_time


def test_simclock_starts_at_course_epoch() -> None:
    clock = SimClock()
    assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC) == COURSE_EPOCH
    assert clock.time() == COURSE_EPOCH.timestamp()


def test_simclock_advances_only_when_told() -> None:
    clock = SimClock()
    t0 = clock.time()
    assert clock.time() == t0
    clock.advance(90)
    clock.advance(0.5)
    assert clock.time() == t0 + 90.5
    assert format_time(clock.time()) == "2030-01-01 00:01:30 UTC"


def test_simclock_refuses_to_go_backwards() -> None:
    clock = SimClock()
    with pytest.raises(ValueError, match="never runs backwards"):
        clock.advance(-1)
    assert clock.now() == COURSE_EPOCH


def test_simclock_custom_start() -> None:
    start = datetime(2031, 6, 1, 12, tzinfo=UTC)
    assert SimClock(start).now() == start
    assert SimClock(0).now() == datetime(1970, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        SimClock(datetime(2030, 1, 1))


def test_system_clock_is_the_wall_clock() -> None:
    import time

    clock = SystemClock()
    assert abs(clock.time() - time.time()) < 5
    assert clock.now().tzinfo is UTC
    assert isinstance(clock, Clock) and isinstance(SimClock(), Clock)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (12, "12 s"), (0.5, "0.5 s"), (60, "1 min"), (288, "4 min 48 s"),
     (3600, "1 h"), (7500, "2 h 5 min"), (90000, "1 d 1 h"), (-12, "12 s")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_repr_shows_the_time() -> None:
    assert repr(SimClock()) == "SimClock(2030-01-01 00:00:00 UTC)"
