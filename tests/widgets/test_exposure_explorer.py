"""ExposureExplorer, driven as a learner drives it: sliders moved, a box ticked — each change
simulated and drawn once, every failure a message in the widget, never a traceback."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tokenlab.viz.windows
from tokenlab.attacker import Exponential, Fixed, simulate_thefts
from tokenlab.viz import to_png
from tokenlab.widgets.exposure import NEVER, ExposureExplorer

from .test_widgets import PNG, assert_message_not_traceback, assert_plain_repr

SMALL = 1_000  # the smallest stop of the thefts slider: quick tests


class PlotSpy:
    """Stands in for :func:`tokenlab.viz.windows.window_plot`, counting the pictures drawn."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = tokenlab.viz.windows.window_plot
        self.calls = 0
        self.broken: str | None = None
        monkeypatch.setattr(tokenlab.viz.windows, "window_plot", self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.broken:
            raise RuntimeError(self.broken)
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def explorer() -> ExposureExplorer:
    return ExposureExplorer(n=SMALL)


def test_it_shows_the_simulation_of_its_settings(explorer: ExposureExplorer) -> None:
    expected = simulate_thefts(SMALL, ttl=300, detected_after=Exponential(120),
                               revocation="introspect", cache_ttl=60, seed=1)
    assert explorer.windows is not None
    assert np.array_equal(explorer.windows.seconds, expected.seconds)
    s = expected.stats
    assert_plain_repr(explorer, f"ExposureExplorer(1,000 thefts: median {_fmt(s.median)}, "
                                f"p90 {_fmt(s.p90)}) — run this cell to use it")
    assert explorer.picture.value == to_png(tokenlab.viz.windows.window_plot(expected))
    assert explorer.picture.value[:8] == PNG
    assert explorer.text.splitlines()[0] == f"1,000 thefts — {expected.model.label}"
    assert f"median: {_fmt(s.median)}" in explorer.text
    assert "one in ten for more than" in explorer.text and "<table" in explorer.html
    assert "tokenlab-exposureexplorer" in explorer._dom_classes
    assert explorer.error == "" and not explorer.cache_slider.disabled


def _fmt(seconds: float) -> str:
    from tokenlab.attacker import format_window

    return format_window(seconds)


def test_each_control_changes_the_model_and_redraws_once(explorer: ExposureExplorer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    spy = PlotSpy(monkeypatch)
    explorer.ttl_slider.value = 3600
    assert explorer.windows is not None and explorer.windows.model.ttl == 3600 and spy.calls == 1
    explorer.detection_slider.value = NEVER
    assert explorer.windows.model.detected_after is None and spy.calls == 2
    explorer.detection_slider.value = 0
    assert explorer.windows.model.detected_after == Fixed(0)
    explorer.revocation_buttons.value = "denylist"
    assert explorer.windows.model.revocation == "denylist"
    assert explorer.windows.model.cache_ttl == 0 and explorer.cache_slider.disabled
    assert explorer.windows.stats.zero_share == 1.0  # detected at once, refused at once
    explorer.revocation_buttons.value = "introspect"
    assert not explorer.cache_slider.disabled and explorer.windows.model.cache_ttl == 60
    explorer.cache_slider.value = 300
    assert explorer.windows.model.cache_ttl == 300 and spy.calls == 6
    explorer.size_slider.value = 10_000
    assert explorer.windows.n == 10_000
    explorer.dpop_box.value = True
    assert explorer.windows.model.dpop and "No thief could use the token at all." in explorer.text
    assert spy.calls == 8 and explorer.error == ""


def test_set_changes_several_controls_with_one_redraw(explorer: ExposureExplorer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    spy = PlotSpy(monkeypatch)
    explorer.set(ttl=900, detected_after=600, revocation="none", dpop=False)
    assert spy.calls == 1
    model = explorer.windows.model if explorer.windows else None
    assert model is not None and (model.ttl, model.revocation) == (900, "none")
    assert model.detected_after == Exponential(600) and explorer.cache_slider.disabled


@pytest.mark.parametrize(("values", "fragment"), [
    ({"ttl": 301}, "ttl=301 is not one of its choices: 60, 120, 300"),
    ({"revocation": "deny"}, "'none', 'denylist', 'introspect'"),
    ({"dpop": 1}, "dpop=1 is not one of its choices"),
    ({"colour": "red"}, "no control named 'colour'"),
    ({"ttl": 600, "n": 5}, "n=5 is not one of its choices"),
])
def test_a_bad_value_is_a_message_and_changes_nothing(explorer: ExposureExplorer,
                                                      values: dict[str, Any], fragment: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    before, picture = explorer.windows, explorer.picture.value
    spy = PlotSpy(monkeypatch)
    explorer.set(**values)
    assert_message_not_traceback(explorer, "Setting the controls failed")
    assert fragment in explorer.error
    assert explorer.windows is before and explorer.picture.value == picture and spy.calls == 0
    assert explorer.ttl_slider.value == 300  # the good value given with a bad one is not applied
    explorer.set(ttl=600)  # still usable; success clears the message
    assert explorer.error == "" and explorer.message.value == ""


def test_a_failing_picture_keeps_the_last_one(explorer: ExposureExplorer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before, picture, text = explorer.windows, explorer.picture.value, explorer.text
    spy = PlotSpy(monkeypatch)
    spy.broken = "matplotlib ran out of ink"
    explorer.ttl_slider.value = 600
    assert_message_not_traceback(explorer, "Simulating the thefts failed",
                                 "matplotlib ran out of ink")
    assert explorer.windows is before and explorer.picture.value == picture
    assert explorer.text == text
    spy.broken = None
    explorer.redraw()
    assert explorer.error == "" and explorer.windows is not None
    assert explorer.windows.model.ttl == 600


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"ttl": 301}, "ttl must be one of the slider's stops"),
    ({"n": 5}, "thefts must be one of the slider's stops: 1,000, 10,000"),
    ({"revocation": "Denylist"}, "revocation must be one of"),
    ({"cache_ttl": 7}, "cache ttl must be one of"),
])
def test_a_bad_starting_value_says_which_are_allowed(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        ExposureExplorer(**kwargs)
    assert fragment in str(info.value)
