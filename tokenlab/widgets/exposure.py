"""ExposureExplorer: sliders for the exposure Monte Carlo, the window's histogram and CDF redrawn
as they move."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from ..attacker.exposure import (
    REVOCATION_MODES,
    Delay,
    Exponential,
    ExposureWindows,
    Fixed,
    TheftModel,
    format_window,
)
from ..clock import format_duration
from .common import RUN_HINT, View, escape, guarded, table

__all__ = ["CACHES", "DETECTIONS", "NEVER", "SIZES", "TTLS", "ExposureExplorer"]

#: The detection slider's value for "never detected".
NEVER = -1

#: The options of each slider, as (label, value); times in seconds.
TTLS = tuple((format_duration(s), s) for s in (60, 120, 300, 600, 900, 1800, 3600, 7200, 21600,
                                                43200, 86400))
DETECTIONS = (("at once", 0), *((f"{format_duration(s)} on average", s) for s in
                                (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)),
              ("never", NEVER))
CACHES = (("0 s", 0), *((format_duration(s), s) for s in (5, 10, 30, 60, 120, 300, 600, 1800,
                                                          3600)))
SIZES = tuple((f"{n:,}", n) for n in (1_000, 10_000, 100_000, 1_000_000))

_MODES = (("none — a stateless API", "none"), ("denylist — shared store", "denylist"),
          ("introspect — asks, with a cache", "introspect"))


def _slider(description: str, options: Sequence[tuple[str, int]], value: int,
            tooltip: str) -> widgets.SelectionSlider:
    values = [v for _, v in options]
    if value not in values:
        raise ValueError(f"{description.lower()} must be one of the slider's stops: "
                         f"{', '.join(label for label, _ in options)} (got {value!r})")
    return widgets.SelectionSlider(options=list(options), value=value, description=description,
                                   continuous_update=False, tooltip=tooltip,
                                   style={"description_width": "150px"},
                                   layout=widgets.Layout(width="480px"))


def _choices(control: widgets.ValueWidget) -> list[Any]:
    if isinstance(control, widgets.Checkbox):
        return [False, True]
    return [value for _, value in control.options]


class ExposureExplorer(View):
    """How long does a stolen access token stay usable? Move the sliders and see.

    Each change simulates ``n`` thefts (:class:`~tokenlab.attacker.TheftModel`, seeded with
    ``seed`` so every learner sees the same picture for the same settings) and redraws the
    histogram and CDF of the attacker's usable window (:func:`tokenlab.viz.windows.window_plot`)
    with the mean, median, 90th percentile and the share of thefts with no window.

    Controls: **TTL** (the token's lifetime), **detected after** (an exponential delay with
    that mean, at once, or never), **revocation** (what the API makes of a revocation), **cache
    TTL** (introspection only), **DPoP** (the token is bound to a key the thief does not have),
    **thefts** (N). The theft happens at a uniform moment of the token's life.

    Drive it from Python: ``explorer.ttl_slider.value = 3600``, ``explorer.dpop_box.value = True``,
    or several at once with one redraw: ``explorer.set(ttl=3600, revocation="denylist")``.
    ``explorer.windows`` holds the last result, ``explorer.text`` its summary.
    """

    def __init__(self, *, ttl: int = 300, detected_after: int = 120,
                 revocation: str = "introspect", cache_ttl: int = 60, dpop: bool = False,
                 n: int = 100_000, seed: int = 1) -> None:
        if revocation not in REVOCATION_MODES:
            raise ValueError(f"revocation must be one of {', '.join(map(repr, REVOCATION_MODES))} "
                             f"(got {revocation!r})")
        self.seed = seed
        self.windows: ExposureWindows | None = None
        self.ttl_slider = _slider("TTL", TTLS, ttl, "the access token's lifetime")
        self.detection_slider = _slider("detected after", DETECTIONS, detected_after,
                                        "mean delay from the theft to its revocation")
        self.revocation_buttons = widgets.ToggleButtons(
            options=list(_MODES), value=revocation, description="revocation",
            style={"description_width": "150px", "button_width": "auto"})
        self.cache_slider = _slider("cache TTL", CACHES, cache_ttl,
                                    "how long the API keeps an introspection answer")
        self.dpop_box = widgets.Checkbox(value=bool(dpop), indent=False,
                                         description="DPoP: the token is bound to the client's key "
                                                     "(the thief has only the token)",
                                         layout=widgets.Layout(width="auto"))
        self.size_slider = _slider("thefts", SIZES, n, "how many thefts to simulate")
        self.summary = widgets.HTML()
        self.picture = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._controls = (self.ttl_slider, self.detection_slider, self.revocation_buttons,
                          self.cache_slider, self.dpop_box, self.size_slider)
        self._quiet = False
        self._text = ""
        super().__init__([widgets.HTML("<b>A stolen access token: how long does it work?</b>"),
                          *self._controls, self.summary, self.picture])
        for control in self._controls:
            control.observe(self._on_change, names="value")
        self.redraw()

    # -- the model the controls describe ----------------------------------------------------------

    @property
    def model(self) -> TheftModel:
        """The :class:`TheftModel` the controls describe right now."""
        delay = self.detection_slider.value
        detected: Delay | None = (None if delay == NEVER else Fixed(0) if delay == 0
                                  else Exponential(delay))
        mode = self.revocation_buttons.value
        return TheftModel(ttl=self.ttl_slider.value, detected_after=detected, revocation=mode,
                          cache_ttl=self.cache_slider.value if mode == "introspect" else 0,
                          dpop=self.dpop_box.value)

    @property
    def text(self) -> str:
        """What the summary says, as plain text."""
        return self._text

    @property
    def html(self) -> str:
        return str(self.summary.value)

    @guarded("Setting the controls")
    def set(self, **values: Any) -> None:
        """Set several controls — ``ttl``, ``detected_after``, ``revocation``, ``cache_ttl``,
        ``dpop``, ``n`` — and redraw once. Nothing changes if a value is not one of its
        control's choices (the message says which are)."""
        controls = self._by_name()
        for name, value in values.items():
            if name not in controls:
                raise ValueError(f"no control named {name!r}; the controls are "
                                 f"{', '.join(controls)}")
            choices = _choices(controls[name])
            if value not in choices or isinstance(value, bool) != isinstance(choices[0], bool):
                raise ValueError(f"{name}={value!r} is not one of its choices: "
                                 f"{', '.join(map(repr, choices))}")
        self._quiet = True
        try:
            for name, value in values.items():
                controls[name].value = value
        finally:
            self._quiet = False
        self._draw()

    def _by_name(self) -> dict[str, widgets.ValueWidget]:
        return {"ttl": self.ttl_slider, "detected_after": self.detection_slider,
                "revocation": self.revocation_buttons, "cache_ttl": self.cache_slider,
                "dpop": self.dpop_box, "n": self.size_slider}

    # -- drawing -------------------------------------------------------------------------------

    def _on_change(self, _: dict[str, Any]) -> None:
        if not self._quiet:
            self.redraw()

    @guarded("Simulating the thefts")
    def redraw(self) -> None:
        """Simulate with the controls' values and show the result; on a failure the message
        says why and the last picture stays."""
        self._draw()

    def _draw(self) -> None:
        from ..viz import windows as window_viz  # matplotlib: only when a picture is drawn
        from ..viz._common import to_png

        self.cache_slider.disabled = self.revocation_buttons.value != "introspect"
        windows = self.model.simulate(self.size_slider.value, seed=self.seed)
        png = to_png(window_viz.window_plot(windows))
        summary, text = self._summary(windows)
        self.windows = windows  # everything worked: now change what is shown
        self.picture.value = png
        self.summary.value = summary
        self._text = text

    @staticmethod
    def _summary(windows: ExposureWindows) -> tuple[str, str]:
        s = windows.stats
        rows = [("mean", format_window(s.mean)), ("median", format_window(s.median)),
                ("90th percentile", format_window(s.p90)),
                ("no window at all", f"{s.zero_share * 100:.1f} % of thefts")]
        if s.zero_share == 1:
            reading = "No thief could use the token at all."
        else:
            reading = (f"Half the thieves could use the token for at most "
                       f"{format_window(s.median)}; one in ten for more than "
                       f"{format_window(s.p90)}.")
        html = (f"<p>{escape(f'{s.n:,} thefts — {windows.model.label}')}</p>"
                f"{table([(escape(k), f'<b>{escape(v)}</b>') for k, v in rows])}"
                f"<p>{escape(reading)}</p>")
        text = "\n".join([f"{s.n:,} thefts — {windows.model.label}",
                          *(f"{k}: {v}" for k, v in rows), reading])
        return html, text

    def __repr__(self) -> str:
        if self.windows is None:
            return "ExposureExplorer(nothing simulated yet)" + RUN_HINT
        s = self.windows.stats
        return (f"ExposureExplorer({s.n:,} thefts: median {format_window(s.median)}, "
                f"p90 {format_window(s.p90)})" + RUN_HINT)
