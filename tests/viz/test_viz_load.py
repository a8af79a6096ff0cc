"""The load picture is drawn from the results, not by hand: its lines are the counts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from tokenlab.course.load import LoadMode, LoadResult, compare_load, load_series
from tokenlab.viz import to_png
from tokenlab.viz.load import load_plot, mode_style


@pytest.fixture(scope="module")
def results() -> list[LoadResult]:
    return compare_load([5, 20, 60], clients=5)


def gids(fig: Figure, kind: type, prefix: str) -> dict[str, object]:
    found = {}
    for artist in fig.findobj(kind):
        gid = artist.get_gid()
        if isinstance(gid, str) and gid.startswith(prefix):
            found[gid.removeprefix(prefix)] = artist
    return found


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_each_mode_is_a_line_through_its_counts(results: list[LoadResult]) -> None:
    fig = load_plot(results)
    lines = gids(fig, Line2D, "calls:")
    series = load_series(results)
    assert set(lines) == set(series) == {"none", "denylist", "introspect",
                                         "introspect, cache 60 s"}
    for label, line in lines.items():
        assert isinstance(line, Line2D)
        assert list(zip(line.get_xdata(), line.get_ydata(), strict=True)) == series[label]
        assert line.get_label() == label
    assert list(lines["introspect"].get_ydata()) == [5, 20, 60]  # one call per request
    assert list(lines["none"].get_ydata()) == [0, 0, 0]
    assert to_rgba(lines["introspect"].get_color()) == to_rgba(mode_style("introspect")[0])
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "symlog"
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == list(series)
    assert "60" in texts(fig)  # the last count of the busiest line is written next to it
    assert any(t == "0" or t.startswith("0 — ") for t in texts(fig))


def test_the_timing_panel_shows_the_largest_run_of_each_mode(results: list[LoadResult]) -> None:
    fig = load_plot(results)
    assert len(fig.axes) == 2
    bars = gids(fig, Rectangle, "time:")
    assert set(bars) == {"none", "denylist", "introspect", "introspect, cache 60 s"}
    largest = {r.mode.label: r for r in results if r.requests == 60}
    for label, bar in bars.items():
        assert isinstance(bar, Rectangle)
        assert bar.get_width() == pytest.approx(largest[label].median_verify_us)
    assert any("60 requests" in t for t in texts(fig))


def test_without_timings_or_without_measurements_only_counts_are_drawn(
        results: list[LoadResult]) -> None:
    assert len(load_plot(results, timings=False).axes) == 1
    bare = [LoadResult(LoadMode("none"), 1, 10, 10, 0, 0, 1, 10.0),
            LoadResult(LoadMode("introspect"), 1, 10, 10, 0, 10, 1, 10.0)]
    fig = load_plot(bare)
    assert len(fig.axes) == 1 and set(gids(fig, Line2D, "calls:")) == {"none", "introspect"}


def test_title_and_png(results: list[LoadResult]) -> None:
    fig = load_plot(results, title="Who answers for the token? $x$")
    assert "Who answers for the token? $x$" in texts(fig)
    png = to_png(fig, dpi=40)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == tuple(round(v * 40) for v in fig.get_size_inches())
    assert fig._repr_png_()[:4] == b"\x89PNG"  # type: ignore[attr-defined]


def test_other_modes_get_their_own_style() -> None:
    assert mode_style("introspect, cache 60 s", 0) != mode_style("introspect, cache 5 s", 1)
    assert mode_style("none") != mode_style("denylist")
    results = compare_load([4], [LoadMode("introspect", 5), LoadMode("introspect", 60)], clients=2)
    lines = gids(load_plot(results), Line2D, "calls:")
    colours = {to_rgba(line.get_color()) for line in lines.values()}  # type: ignore[attr-defined]
    assert len(colours) == 2


def test_nothing_to_draw_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to draw"):
        load_plot([])


def test_no_pyplot() -> None:
    code = ("import sys, json\nfrom tokenlab.course.load import compare_load\n"
            "from tokenlab.viz.load import load_plot\nfrom tokenlab.viz import to_png\n"
            "to_png(load_plot(compare_load([3], clients=1)))\n"
            "print(json.dumps('matplotlib.pyplot' in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) is False


def test_modes_on_the_same_zero_line_are_all_named() -> None:
    """``none`` and ``denylist`` both make 0 calls: the plot must say both are there, since the
    line drawn second hides the first."""
    from tokenlab.course import compare_load
    from tokenlab.viz.load import load_plot

    fig = load_plot(compare_load(sizes=(1, 10)))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("none" in t and "denylist" in t and "same line" in t for t in texts), texts
