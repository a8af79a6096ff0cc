"""Work done ahead while the kernel is idle, so a click finds it done.

A :class:`~tokenlab.widgets.FlowWalker` draws the sequence diagrams of the steps the learner has
not reached yet here, one picture at a time, on the kernel's own event loop (no thread, so
matplotlib is never used from two threads at once). A job runs only when no cell has run for
:data:`IDLE_S` seconds — a *Run All* is not slowed down — and jobs are spaced by :data:`GAP_S`, so
a click that arrives meanwhile waits for at most one piece of work.

Outside a running event loop (plain Python, the tests) nothing is scheduled: :func:`when_idle`
says so and the caller does the work when it is needed.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections import deque
from collections.abc import Callable

__all__ = ["GAP_S", "IDLE_S", "pending", "when_idle"]

#: Seconds without a cell running before work is done ahead.
IDLE_S = 0.25
#: Seconds between two pieces of work: room for a click to be handled first.
GAP_S = 0.02

#: A job does one piece of work per call and returns whether it has more to do.
Job = Callable[[], bool]

_jobs: deque[Job] = deque()
_scheduled: asyncio.TimerHandle | None = None
_loop: asyncio.AbstractEventLoop | None = None
_last_cell = time.monotonic()  # when a cell last started or ended
_cell_running = False
_watching = False


def pending() -> int:
    """How many jobs still have work to do."""
    return len(_jobs)


def when_idle(job: Job) -> bool:
    """Call ``job`` whenever the kernel is idle, one call at a time, until it returns ``False``.

    Jobs take turns in the order they came: the first is called until it is done, then the
    next. An exception ends its job quietly (the caller meets it again when it does the work
    itself). Returns ``False``, and schedules nothing, when no event loop is running here.
    """
    global _loop
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    if loop is not _loop:  # a new loop (a test's): forget what was scheduled on the old one
        _jobs.clear()
        _loop = loop
        _unschedule()
    _watch_cells()
    _jobs.append(job)
    _schedule(GAP_S)
    return True


def _watch_cells() -> None:
    """Note when cells start and end, through IPython's events (in a kernel)."""
    global _watching, _last_cell
    _last_cell = time.monotonic()
    if _watching:
        return
    _watching = True
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets brings IPython
        return
    shell = get_ipython()  # type: ignore[no-untyped-call]
    if shell is None:
        return
    shell.events.register("pre_run_cell", _cell_started)
    shell.events.register("post_run_cell", _cell_ended)


def _cell_started(*_: object) -> None:
    global _cell_running, _last_cell
    _cell_running, _last_cell = True, time.monotonic()


def _cell_ended(*_: object) -> None:
    global _cell_running, _last_cell
    _cell_running, _last_cell = False, time.monotonic()


def _schedule(delay: float) -> None:
    global _scheduled
    if _scheduled is None and _jobs and _loop is not None and not _loop.is_closed():
        _scheduled = _loop.call_later(delay, _tick)


def _unschedule() -> None:
    global _scheduled
    if _scheduled is not None:
        _scheduled.cancel()
        _scheduled = None


def _tick() -> None:
    """One piece of work of the first job, if the kernel is idle; then the next turn."""
    global _scheduled
    _scheduled = None
    if not _jobs:
        return
    waited = time.monotonic() - _last_cell
    if _cell_running or waited < IDLE_S:
        _schedule(max(IDLE_S - waited, GAP_S))
        return
    job = _jobs[0]
    try:
        with warnings.catch_warnings():  # nothing from here may land in some cell's output
            warnings.simplefilter("ignore")
            more = job()
    except Exception:  # the caller meets it again when it does the work itself
        more = False
    if not more and _jobs and _jobs[0] is job:
        _jobs.popleft()
    _schedule(GAP_S)
