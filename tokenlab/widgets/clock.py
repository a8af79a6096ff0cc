"""ClockControl: move the simulated clock forward — never back — and let the views follow."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

import ipywidgets as widgets

from ..clock import SimClock, format_duration, format_time
from .common import RUN_HINT, PartlyDone, View, describe_error, escape, guarded

__all__ = ["JUMPS", "ClockControl", "Refreshable"]

#: The buttons: a label and how many seconds it moves the clock.
JUMPS = (("+1 s", 1), ("+1 min", 60), ("+5 min", 300), ("+1 h", 3600))


@runtime_checkable
class Refreshable(Protocol):
    """A view that re-renders itself from the model, e.g. a :class:`TokenInspector`."""

    def refresh(self) -> None: ...


class ClockControl(View):
    """Buttons +1 s, +1 min, +5 min, +1 h, and a slider with **Advance** for any jump up to an
    hour. Shows the simulated time; after every move it calls ``refresh()`` on the views given to
    :meth:`observe_views` and then every callable in ``on_change`` (no arguments).

    The clock never runs backwards: the slider starts at 0, and a negative jump is refused by
    :meth:`SimClock.advance <tokenlab.clock.SimClock.advance>` with a message in the widget.
    Drive it from Python: ``control.buttons["+5 min"].click()``, or ``control.slider.value = 90``
    then ``control.advance_button.click()``, or ``control.advance(90)``.
    """

    def __init__(self, clock: SimClock, on_change: Iterable[Callable[[], object]] = ()) -> None:
        if not isinstance(clock, SimClock):
            raise TypeError(f"ClockControl moves a SimClock, not {type(clock).__name__}: a real "
                            "clock cannot be moved")
        callbacks = list(on_change)
        if not all(callable(c) for c in callbacks):
            raise TypeError("on_change takes functions to call after each move, e.g. "
                            "[inspector.refresh]")
        self.clock = clock
        self.start = clock.time()
        self.on_change: list[Callable[[], object]] = callbacks
        self.views: list[Refreshable] = []
        self.time_display = widgets.HTML()
        self.buttons = {label: widgets.Button(description=label, tooltip=f"advance {label[1:]}",
                                              layout=widgets.Layout(width="auto"))
                        for label, _ in JUMPS}
        for label, seconds in JUMPS:
            self.buttons[label].on_click(functools.partial(self._on_jump, seconds))
        self.slider = widgets.IntSlider(value=60, min=0, max=3600, step=1,
                                        description="seconds", continuous_update=False)
        self.advance_button = widgets.Button(description="Advance", icon="forward",
                                             tooltip="move the clock forward by the slider's seconds")
        self.advance_button.on_click(self._on_advance)
        super().__init__([self.time_display, widgets.HBox(list(self.buttons.values())),
                          widgets.HBox([self.slider, self.advance_button])])
        self._render()

    @property
    def text(self) -> str:
        """The simulated time shown, e.g. ``'2030-01-01 00:05:00 UTC'``."""
        return format_time(self.clock.time())

    def observe_views(self, *views: Refreshable) -> None:
        """Have each view's ``refresh()`` called after every move of the clock."""
        for view in views:
            if not isinstance(view, Refreshable):
                raise TypeError(f"a view needs a refresh() method; {type(view).__name__} has none")
        self.views += [v for v in views if v not in self.views]

    def _on_jump(self, seconds: int, _: widgets.Button) -> None:
        self.advance(seconds)

    def _on_advance(self, _: widgets.Button) -> None:
        self.advance(self.slider.value)

    @guarded("Moving the clock")
    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward, then update the views. A view that fails does not
        stop the others; its failure is reported here (the clock has moved)."""
        self.clock.advance(seconds)  # raises, with the reason, for a backward or bad jump
        self._render()
        failures = []
        for target in [*(v.refresh for v in self.views), *self.on_change]:
            try:
                target()
            except Exception as exc:  # keep going: every view deserves its update
                failures.append(f"{_name(target)}: {describe_error(exc)}")
        if failures:
            raise PartlyDone(f"The clock moved to {self.text}, but updating a view failed — "
                             + "; ".join(failures))

    def _render(self) -> None:
        elapsed = self.clock.time() - self.start
        since = (f"{format_duration(elapsed)} after this control started" if elapsed
                 else "where this control started")
        self.time_display.value = (f"<b>Simulated time: {escape(self.text)}</b> "
                              f"<small>({escape(since)})</small>")

    def __repr__(self) -> str:
        n = len(self.views) + len(self.on_change)
        return f"ClockControl({self.text}, {n} view{'s' if n != 1 else ''})" + RUN_HINT


def _name(target: Callable[[], object]) -> str:
    owner = getattr(target, "__self__", None)
    if owner is not None:
        return type(owner).__name__
    return getattr(target, "__qualname__", None) or type(target).__name__
