"""The picture of the exposure Monte Carlo: drawn from the windows, checked against them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle, StepPatch
from matplotlib.text import Text

from tokenlab.attacker import Exponential, ExposureWindows, Fixed, TheftModel, simulate_thefts
from tokenlab.viz import to_png
from tokenlab.viz.windows import BINS, CDF_POINTS, unit_of, window_elements, window_plot


@pytest.fixture(scope="module")
def windows() -> ExposureWindows:
    return simulate_thefts(50_000, ttl=300, detected_after=Exponential(120),
                           revocation="introspect", cache_ttl=60, seed=1)


def by_gid(fig: Figure, gid: str, kind: type) -> list:
    return [a for a in fig.findobj(kind) if a.get_gid() == gid]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_the_model_adds_up_to_the_windows(windows: ExposureWindows) -> None:
    m = window_elements(windows)
    assert (m.n, m.span, m.unit, m.scale) == (50_000, 300.0, "min", 60)
    assert len(m.edges) == BINS + 1 and m.edges[0] == 0 and m.edges[-1] == 300
    assert sum(m.shares) + m.zero_share == pytest.approx(1.0)
    w = windows.seconds
    for i in (0, 7, BINS - 1):  # a bar is the share of windows > 0 in its bin
        lo, hi = m.edges[i], m.edges[i + 1]
        inside = (w > 0) & (w >= lo) & ((w < hi) if i < BINS - 1 else (w <= hi))
        assert m.shares[i] == pytest.approx(inside.mean())
    assert len(m.cdf_x) == len(m.cdf_y) == CDF_POINTS + 1
    assert m.cdf_y[0] == m.zero_share and m.cdf_y[-1] == pytest.approx(1.0)
    assert all(a <= b for a, b in zip(m.cdf_y, m.cdf_y[1:], strict=False))
    # the curve is the empirical share with a window of at most x (continuous here: no ties)
    assert np.allclose(m.cdf_y, windows.cdf(np.array(m.cdf_x)), atol=1 / m.n)
    assert m.stats == windows.stats and m.label == windows.model.label


def test_hand_made_windows_fall_in_their_bins() -> None:
    w = ExposureWindows(TheftModel(ttl=100, revocation="denylist"),
                        [0.0, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0])
    m = window_elements(w)
    assert (m.unit, m.scale, m.zero_share) == ("s", 1, 0.2)
    step = 100 / BINS
    expected = [0.1 if any(lo <= v < lo + step for v in (10, 20, 30, 40, 50, 60, 70, 80)) else 0.0
                for lo in (i * step for i in range(BINS))]
    assert list(m.shares) == pytest.approx(expected)
    # windows longer than the TTL (hand-made) stretch the axis instead of vanishing
    longer = ExposureWindows(TheftModel(ttl=100), [50.0, 250.0])
    assert window_elements(longer).span == 250.0


def test_the_figure_draws_its_model(windows: ExposureWindows) -> None:
    fig = window_plot(windows, title="Cached introspection")
    m = window_elements(windows)
    (bars,) = by_gid(fig, "bins", StepPatch)
    values, edges, _ = bars.get_data()
    assert list(values) == pytest.approx(m.shares)
    assert list(edges) == pytest.approx([e / 60 for e in m.edges])
    (zero,) = by_gid(fig, "zero", Rectangle)
    assert zero.get_height() == m.zero_share and zero.get_x() + zero.get_width() < 0
    (mean,) = by_gid(fig, "mean", Line2D)
    assert mean.get_xdata()[0] == pytest.approx(m.stats.mean / 60)
    (curve,) = by_gid(fig, "cdf", Line2D)
    assert list(curve.get_ydata()) == list(m.cdf_y)
    assert list(curve.get_xdata()) == pytest.approx([x / 60 for x in m.cdf_x])
    for name, q, value in (("median", 0.5, m.stats.median), ("p90", 0.9, m.stats.p90)):
        (line,) = by_gid(fig, name, Line2D)
        assert list(line.get_xdata()) == pytest.approx([0, value / 60, value / 60])
        assert list(line.get_ydata()) == [q, q, 0]
    shown = texts(fig)
    assert "Cached introspection" in shown
    assert f"50,000 simulated thefts — {m.label}" in shown
    assert any(t.startswith("median ") for t in shown) and any(t.startswith("p90 ") for t in shown)
    assert any("no window at all" in t and "0.0 %" in t for t in shown)
    assert "usable window (min)" in shown


def test_a_dpop_bound_token_is_one_bar_of_no_window() -> None:
    fig = window_plot(simulate_thefts(1000, ttl=300, dpop=True, seed=1))
    (zero,) = by_gid(fig, "zero", Rectangle)
    assert zero.get_height() == 1.0
    (bars,) = by_gid(fig, "bins", StepPatch)
    assert not bars.get_data()[0].any()
    assert any("no window at all" in t and "100.0 %" in t for t in texts(fig))


def test_an_atom_shows_as_a_jump() -> None:
    """Detected after exactly 10 min with a denylist, a 1 h token: every window is at most
    10 min and most are exactly 10 min — the curve jumps there."""
    w = simulate_thefts(20_000, ttl=3600, detected_after=Fixed(600), revocation="denylist", seed=2)
    m = window_elements(w)
    jump = max(b - a for a, b in zip(m.cdf_y, m.cdf_y[1:], strict=False))
    assert jump == pytest.approx(1 - 600 / 3600, abs=0.02)
    assert m.cdf_y[m.cdf_x.index(max(x for x in m.cdf_x if x <= 590))] < 0.2


@pytest.mark.parametrize(("span", "unit"), [(60, "s"), (180, "s"), (181, "min"), (3 * 3600, "min"),
                                            (3 * 3600 + 1, "h"), (30 * 86400, "d")])
def test_the_unit_follows_the_span(span: float, unit: str) -> None:
    assert unit_of(span)[1] == unit


def test_the_same_run_gives_the_same_png(windows: ExposureWindows) -> None:
    """Strict nbval compares outputs: a seeded run must draw byte for byte the same picture."""
    again = simulate_thefts(50_000, ttl=300, detected_after=Exponential(120),
                            revocation="introspect", cache_ttl=60, seed=1)
    a, b = to_png(window_plot(windows)), to_png(window_plot(again))
    assert a == b and a[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(a[16:20], "big") == 1000


def test_text_is_drawn_as_typed() -> None:
    fig = window_plot(simulate_thefts(100, ttl=60, seed=1), title="cost in $ and $x$")
    to_png(fig)  # bad mathtext would raise
    assert "cost in $ and $x$" in texts(fig)


def test_only_windows_are_drawn() -> None:
    with pytest.raises(TypeError, match="ExposureWindows"):
        window_elements([1.0, 2.0])  # type: ignore[arg-type]


def test_no_pyplot() -> None:
    code = ("import sys, json\nfrom tokenlab.attacker import simulate_thefts\n"
            "from tokenlab.viz.windows import window_plot\nfrom tokenlab.viz import to_png\n"
            "to_png(window_plot(simulate_thefts(100, ttl=60)))\n"
            "print(json.dumps('matplotlib.pyplot' in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) is False
