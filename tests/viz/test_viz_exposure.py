"""The exposure plot: checked against the simulated tries, not against itself."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from tokenlab import AuthServer, ResourceServer, SimClock
from tokenlab.course.apikeys import APIKeyStore
from tokenlab.course.exposure import Exposure, simulate_exposure
from tokenlab.viz import to_png
from tokenlab.viz.exposure import Run, exposure_elements, exposure_plot

from ..conftest import API, ISSUER

DAY = 86400


@pytest.fixture(scope="module")
def leaks() -> list[Exposure]:
    """A key revoked after an hour, and a 5-minute token nobody revokes: a day of tries."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    keys = APIKeyStore(auth.random, clock)
    issued = keys.issue("app")
    app = auth.register_client("app", ["weather:read"])
    key = simulate_exposure("API key, revoked after 1 h", clock, lambda: keys.check(issued.key),
                            duration=DAY, every=60, detected_at=3600,
                            on_detect=lambda: keys.revoke(issued.key_id))
    token = auth.client_credentials(app.client_id, app.client_secret).access_token
    short = simulate_exposure("5-minute token", clock, lambda: api.verify(token), duration=DAY,
                              every=60)
    return [key, short]


def test_runs_follow_the_tries(leaks: list[Exposure]) -> None:
    model = exposure_elements(leaks)
    key, short = model.rows
    assert key.runs == (Run(0, 3540, True, 60), Run(3600, DAY, False, 1381))
    assert short.runs == (Run(0, 240, True, 5), Run(300, DAY, False, 1436))
    assert (key.accepted, key.tries, key.window) == (60, 1441, 3540)
    assert key.summary == "60 of 1441 accepted\nthe last at 59 min"
    assert model.end == DAY and model.marks == ()


def test_runs_of_hand_made_tries() -> None:
    never = Exposure("never", ((0, False), (10, False)))
    flicker = Exposure("flicker", ((20, True), (0, True), (10, False)))  # out of order
    model = exposure_elements([never, flicker], marks=[(5, "now")], title="t")
    assert model.rows[0].runs == (Run(0, 10, False, 2),)
    assert model.rows[0].summary == "0 of 2 accepted"
    assert model.rows[1].runs == (Run(0, 0, True, 1), Run(10, 10, False, 1), Run(20, 20, True, 1))
    assert model.marks == ((5.0, "now"),) and model.title == "t" and model.end == 20


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="Exposure"):
        exposure_elements(["API key"])  # type: ignore[list-item]
    for bad in [(-1, "x"), ("1 h", "x"), (True, "x")]:
        with pytest.raises(ValueError, match="seconds after the leak"):
            exposure_elements([], marks=[bad])  # type: ignore[list-item]


def _by_gid(fig: Figure, prefix: str, kind: type) -> list:
    (ax,) = fig.axes
    return [a for a in ax.findobj(kind) if str(a.get_gid() or "").startswith(prefix)]


def test_figure_draws_its_model(leaks: list[Exposure]) -> None:
    fig = exposure_plot(leaks, marks=[(3600, "defender revokes")], title="A day")
    model = exposure_elements(leaks, marks=[(3600, "defender revokes")])
    bars = _by_gid(fig, "accepted:", Rectangle)
    accepted = [(i, run) for i, row in enumerate(model.rows) for run in row.runs if run.accepted]
    assert len(bars) == len(accepted) == 2
    for bar, (i, run) in zip(bars, accepted, strict=True):
        assert bar.get_x() == run.start and bar.get_x() + bar.get_width() == run.end
        assert bar.get_y() + bar.get_height() / 2 == pytest.approx(i)
    refused = _by_gid(fig, "refused:", Line2D)
    assert [tuple(line.get_xdata()) for line in refused] == [(3600, DAY), (300, DAY)]
    texts = [t.get_text() for t in fig.findobj(Text)]
    for row in model.rows:
        assert row.label in texts and row.summary in texts
    assert "defender revokes" in texts and "A day" in texts
    assert _by_gid(fig, "mark:defender revokes", Line2D)
    (ax,) = fig.axes
    assert ax.get_xscale() == "symlog" and ax.get_xlim()[1] >= DAY


def test_no_leak_still_draws_and_png_size_is_fixed() -> None:
    fig = exposure_plot([])
    assert "(no leak to show)" in [t.get_text() for t in fig.findobj(Text)]
    png = to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width == 1000


def test_labels_are_text_not_mathtext() -> None:
    fig = exposure_plot([Exposure("key $a$ leaked", ((0, True),))], title="$x$")
    to_png(fig)  # would raise on bad mathtext; parse_math=False draws it as typed
    assert "key $a$ leaked" in [t.get_text() for t in fig.findobj(Text)]
