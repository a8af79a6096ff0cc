"""The attacker's usable window over many thefts, drawn: a histogram and its cumulative share.

Drawn from the :class:`~tokenlab.attacker.exposure.ExposureWindows` of a Monte Carlo
(:func:`tokenlab.attacker.simulate_thefts`). :func:`window_elements` reads them into a
:class:`WindowModel` — the share of thefts in each bin of the window, the share with no window
at all, the cumulative share and the summary statistics — and :func:`window_plot` draws exactly
that model, in two panels:

- left, how many thefts got how long: one bar per bin (seconds, minutes or hours, picked from
  the TTL), the thefts with **no window** as a hatched bar of their own left of 0, the mean as
  a dashed line;
- right, the share of thefts whose window is at most x: the median and the 90th percentile
  read off the curve.

The picture is a deterministic function of the windows (seeded runs give the same PNG), is
drawn without ``pyplot``, and takes one pass over the windows (no sort), so a widget can
redraw it for 100,000 thefts while a slider moves.

    from tokenlab.attacker import Exponential, simulate_thefts
    from tokenlab.viz.windows import window_plot
    window_plot(simulate_thefts(100_000, ttl=300, detected_after=Exponential(120),
                                revocation="denylist", seed=1))
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..attacker.exposure import ExposureWindows, WindowStats, format_window
from ._common import FONT, GREEN, GREY, INK, LIGHT, PURPLE, SMALL, WARNING, TokenlabFigure, new_figure

__all__ = ["BINS", "CDF_POINTS", "WindowModel", "unit_of", "window_elements", "window_plot"]

#: Bars of the histogram between 0 and the TTL.
BINS = 40
#: Points of the cumulative curve (a multiple of :data:`BINS`: the bars are sums of its steps).
CDF_POINTS = 400

#: (largest span in seconds, seconds per unit, the unit's name) for the x axis.
_UNITS = ((180, 1, "s"), (3 * 3600, 60, "min"), (3 * 86400, 3600, "h"), (float("inf"), 86400, "d"))


def unit_of(span: float) -> tuple[float, str]:
    """``(seconds per unit, name)`` for an axis from 0 to ``span`` seconds: seconds up to 3 min,
    minutes up to 3 h, hours up to 3 days, days beyond."""
    for largest, size, name in _UNITS:
        if span <= largest:
            return size, name
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class WindowModel:
    """What the picture shows, in seconds and shares (0..1), without matplotlib.

    ``edges``: the bins' edges from 0 to ``span`` (``BINS + 1`` of them); ``shares``: the share
    of all thefts whose window is > 0 and falls in each bin; ``zero_share``: the share with no
    window; ``cdf_x``/``cdf_y``: the share with a window of at most x, from x = 0 to ``span``;
    ``unit``/``scale``: the x axis's unit and its seconds.
    """

    n: int
    label: str
    stats: WindowStats
    span: float
    unit: str
    scale: float
    edges: tuple[float, ...]
    shares: tuple[float, ...]
    zero_share: float
    cdf_x: tuple[float, ...]
    cdf_y: tuple[float, ...]
    title: str | None = None


def window_elements(windows: ExposureWindows, *, title: str | None = None) -> WindowModel:
    """The :class:`WindowModel` of a Monte Carlo's windows (one pass: a fine histogram whose
    running sum is the cumulative curve and whose groups of steps are the bars)."""
    if not isinstance(windows, ExposureWindows):
        raise TypeError(f"expected the ExposureWindows of tokenlab.attacker.simulate_thefts(...), "
                        f"not {type(windows).__name__}")
    stats = windows.stats
    span = max(windows.model.ttl, stats.longest)
    scale, unit = unit_of(span)
    n = windows.n
    zeros = round(stats.zero_share * n)
    fine, fine_edges = np.histogram(windows.seconds, bins=CDF_POINTS, range=(0.0, span))
    fine[0] -= zeros  # a window of exactly 0 is drawn as a bar of its own, not in the first bin
    shares = fine.reshape(BINS, -1).sum(axis=1) / n
    cdf = (zeros + np.cumsum(fine)) / n
    return WindowModel(
        n=n, label=windows.model.label, stats=stats, span=span, unit=unit, scale=scale,
        edges=tuple(float(e) for e in fine_edges[::CDF_POINTS // BINS]),
        shares=tuple(float(s) for s in shares), zero_share=stats.zero_share,
        cdf_x=(0.0, *(float(e) for e in fine_edges[1:])),
        cdf_y=(stats.zero_share, *(float(c) for c in cdf)), title=title)


def _style(ax: Any) -> None:
    ax.tick_params(labelsize=SMALL + 0.5, colors=GREY, labelcolor=INK)
    ax.grid(color=LIGHT, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(GREY)
    ax.spines["bottom"].set_color(GREY)


def window_plot(windows: ExposureWindows, *, title: str | None = None) -> TokenlabFigure:
    """Histogram (left) and cumulative share (right) of the attacker's usable window.

    Artists carry ``gid``s for tests: ``"bins"`` (the bars of windows > 0), ``"zero"`` (the
    bar of thefts with no window), ``"mean"``, ``"cdf"``, ``"median"`` and ``"p90"``.
    """
    model = window_elements(windows, title=title)
    s, scale = model.stats, model.scale
    about = textwrap.wrap(f"{model.n:,} simulated thefts — {model.label}", 150)
    head = (0.35 if title else 0.0) + 0.17 * len(about)
    width, height = 10.0, 4.1 + head
    fig = new_figure(width, height)
    top = 1 - (head + 0.6) / height
    bottom = 0.75 / height
    if title:
        fig.text(0.15 / width, 1 - 0.12 / height, title, parse_math=False, fontsize=FONT + 3,
                 fontweight="bold", color=INK, va="top", ha="left")
    fig.text(0.15 / width, 1 - (0.5 if title else 0.15) / height, "\n".join(about),
             parse_math=False, fontsize=SMALL + 0.5, color=GREY, va="top", ha="left",
             linespacing=1.3)
    unit_width = model.edges[1] - model.edges[0]
    hist = fig.add_axes((0.75 / width, bottom, 4.2 / width, top - bottom))
    cdf = fig.add_axes((5.75 / width, bottom, 4.0 / width, top - bottom))

    # Left: the histogram, windows > 0 as bars, no window as a hatched bar left of 0.
    edges = [e / scale for e in model.edges]
    hist.stairs(model.shares, edges, fill=True, color=WARNING, alpha=0.85, gid="bins")
    bar = unit_width / scale
    hist.add_patch(Rectangle((-1.25 * bar, 0), bar, model.zero_share, facecolor="white",
                             edgecolor=GREEN, hatch="////", lw=1.2, gid="zero"))
    peak = max([*model.shares, model.zero_share, 1e-9])
    hist.set_xlim(-1.6 * bar, model.span / scale)
    hist.set_ylim(0, min(peak * 1.22, 1.02))
    hist.axvline(s.mean / scale, color=INK, lw=1.4, ls="--", gid="mean")
    hist.annotate(f"mean {format_window(s.mean)}", (s.mean / scale, 0.99), xytext=(4, 0),
                  xycoords=hist.get_xaxis_transform(), textcoords="offset points", ha="left",
                  va="top", fontsize=SMALL + 0.5, color=INK, annotation_clip=False)
    hist.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if peak >= 0.1 else 1))
    hist.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 3, 5, 6, 10]))
    hist.set_xlabel(f"usable window ({model.unit})", fontsize=FONT, color=INK)
    hist.set_ylabel("share of thefts", fontsize=FONT, color=INK)
    hist.set_title("How long each stolen token stays usable", fontsize=FONT, color=INK, loc="left")
    _style(hist)
    hist.legend(handles=[
        Patch(facecolor=WARNING, alpha=0.85,
              label=f"usable for a while (bars of {format_window(unit_width)})"),
        Patch(facecolor="white", edgecolor=GREEN, hatch="////",
              label=f"no window at all (left of 0): {s.zero_share * 100:.1f} %"),
    ], loc="upper right", bbox_to_anchor=(1.0, 0.9), fontsize=SMALL, frameon=False)

    # Right: the cumulative share, with the median and the 90th percentile read off it.
    xs = [x / scale for x in model.cdf_x]
    cdf.plot(xs, model.cdf_y, color=WARNING, lw=2.0, gid="cdf", drawstyle="steps-post")
    cdf.plot([0], [model.zero_share], marker="o", color=GREEN, markersize=5, zorder=4)
    for q, value, name in ((0.5, s.median, "median"), (0.9, s.p90, "p90")):
        x = value / scale
        cdf.plot([0, x, x], [q, q, 0], color=PURPLE, lw=1.2, ls=":", gid=name)
        cdf.annotate(f"{name} {format_window(value)}", (x, q), xytext=(5, -3), textcoords="offset points",
                     ha="left", va="top", fontsize=SMALL + 0.5, color=PURPLE,
                     annotation_clip=False)
    cdf.set_xlim(0, model.span / scale)
    cdf.set_ylim(0, 1.02)
    cdf.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    cdf.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 3, 5, 6, 10]))
    cdf.set_xlabel(f"usable window at most ({model.unit})", fontsize=FONT, color=INK)
    cdf.set_title("Share of thefts with a window of at most …", fontsize=FONT, color=INK, loc="left")
    _style(cdf)
    return fig
