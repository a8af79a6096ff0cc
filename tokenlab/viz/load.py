"""The load picture: calls to the authorization server as the number of API requests grows.

Drawn from :class:`~tokenlab.course.load.LoadResult` values (see :func:`tokenlab.course.load.compare_load`):
one line per way of checking tokens, API requests across, messages from the API to the
authorization server up. Local verification stays on the floor at 0; introspection without a
cache climbs one for one; a cache bends it down. A second panel shows the median time one
``verify`` call took in the largest run of each mode — real, in-process time on this machine, so
it changes from run to run (the counts never do).

    from tokenlab.course.load import compare_load
    from tokenlab.viz.load import load_plot
    load_plot(compare_load())
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.ticker import FuncFormatter, NullLocator

from ..course.load import LoadResult, load_series
from ._common import (
    BLUE,
    FONT,
    GREEN,
    GREY,
    INK,
    LIGHT,
    PURPLE,
    SKY,
    SMALL,
    WARNING,
    TokenlabFigure,
    new_figure,
)

__all__ = ["load_plot", "mode_style"]

_STYLES = {
    "none": (GREEN, "o", "-"),
    "denylist": (BLUE, "s", "--"),
    "introspect": (WARNING, "^", "-"),
}
_OTHERS = ((PURPLE, "D", "-"), (SKY, "v", "-"), (GREY, "P", "-"))


def mode_style(label: str, index: int = 0) -> tuple[str, str, str]:
    """``(colour, marker, linestyle)`` for a mode label: fixed for the three plain modes, the
    rest (e.g. introspection with a cache) in turn by ``index``."""
    return _STYLES.get(label, _OTHERS[index % len(_OTHERS)])


def _thousands(value: float, _: object) -> str:
    return f"{value:,.0f}" if value >= 1 or value == 0 else ""


def load_plot(results: Iterable[LoadResult], *, title: str | None = None,
              timings: bool = True) -> TokenlabFigure:
    """API requests (across, log scale) against calls to the authorization server (up), one
    line per mode; with ``timings``, a second panel with the median ``verify`` time of each
    mode's largest run (this machine, in-process).

    Each line has ``gid`` ``"calls:<mode>"``, each timing bar ``"time:<mode>"``.
    """
    listed = list(results)
    series = load_series(listed)
    if not series:
        raise ValueError("nothing to draw: give the results of run_load() or compare_load()")
    largest: dict[str, LoadResult] = {}
    for r in listed:
        best = largest.get(r.mode.label)
        if best is None or r.requests > best.requests:
            largest[r.mode.label] = r
    timed = timings and all(r.verify_ns for r in largest.values())
    width, height = 10.0, 4.6 + (0.45 if title else 0.0)
    fig = new_figure(width, height)
    top = 1 - ((0.9 if title else 0.6) / height)
    bottom = 1.0 / height
    left = 1.1 / width
    right_edge = 0.58 if timed else 0.96
    ax = fig.add_axes((left, bottom, right_edge - left, top - bottom))
    if title:
        fig.text(0.15 / width, 1 - 0.15 / height, title, parse_math=False, fontsize=FONT + 3,
                 fontweight="bold", color=INK, va="top", ha="left")

    others = 0
    zero_labelled = False
    silent = [label for label, points in series.items() if all(c == 0 for _, c in points)]
    peak = max(calls for points in series.values() for _, calls in points)
    xs = sorted({n for points in series.values() for n, _ in points})
    for label, points in series.items():
        if label in _STYLES:
            colour, marker, style = mode_style(label)
        else:
            colour, marker, style = mode_style(label, others)
            others += 1
        hollow = style == "--"  # drawn over another line at 0: keep the one below visible
        ax.plot([n for n, _ in points], [c for _, c in points], color=colour, marker=marker,
                linestyle=style, linewidth=2.0, markersize=9 if hollow else 6,
                markerfacecolor="none" if hollow else colour, markeredgewidth=1.6,
                label=label, gid=f"calls:{label}", zorder=3)
        n, calls = points[-1]
        if calls == 0 and zero_labelled:
            continue
        zero_labelled = zero_labelled or calls == 0
        # Modes that never call the authorization server draw the same line at 0: name them all,
        # or the one drawn first looks missing.
        text = f"{calls:,}" if calls or len(silent) < 2 else f"0 — {' and '.join(silent)} (same line)"
        ax.annotate(text, (n, calls), xytext=(8, 4), textcoords="offset points",
                    fontsize=SMALL + 0.5, color=INK if calls == 0 else colour, ha="left",
                    va="bottom", annotation_clip=False, gid=f"count:{label}")
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlim(min(xs) / 1.6, max(xs) * 2.2)
    ax.set_ylim(-0.15, max(peak, 1) * 3)
    ax.set_xticks(xs)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("API requests (log scale)", fontsize=FONT, color=INK)
    ax.set_ylabel("calls from the API to the\nauthorization server", fontsize=FONT, color=INK)
    ax.tick_params(labelsize=SMALL + 0.5, colors=GREY, labelcolor=INK)
    ax.grid(color=LIGHT, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.1), fontsize=SMALL + 0.5, frameon=False,
              title="how the API checks", title_fontsize=SMALL + 0.5, alignment="left")

    if timed:
        tx = fig.add_axes((0.755, bottom, 0.215, top - bottom))
        labels = list(largest)
        values = [largest[lb].median_verify_us for lb in labels]
        others = 0
        for i, lb in enumerate(labels):
            if lb in _STYLES:
                colour = mode_style(lb)[0]
            else:
                colour = mode_style(lb, others)[0]
                others += 1
            tx.barh(i, values[i], color=colour, height=0.6, gid=f"time:{lb}")
        tx.set_yticks(range(len(labels)), labels, fontsize=SMALL + 0.5, color=INK)
        tx.invert_yaxis()
        tx.set_xlabel("median µs per verify()\n(this machine, in-process)", fontsize=SMALL + 0.5,
                      color=INK)
        tx.tick_params(labelsize=SMALL, colors=GREY, labelcolor=INK)
        tx.grid(axis="x", color=LIGHT, linewidth=0.8)
        tx.set_axisbelow(True)
        for side in ("top", "right"):
            tx.spines[side].set_visible(False)
        n = max(r.requests for r in largest.values())
        tx.set_title(f"time to check one token\n({n:,} requests)", fontsize=SMALL + 0.5,
                     color=INK)
    return fig
