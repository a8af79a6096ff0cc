"""What a leaked credential is worth to an attacker, drawn: one row per leak, its tries in time.

:func:`exposure_elements` reads :class:`~tokenlab.course.exposure.Exposure` results (from
:func:`~tokenlab.course.exposure.simulate_exposure`) into an :class:`ExposureModel` — for each leak the
runs of consecutive accepted and refused tries — and :func:`exposure_plot` draws exactly that
model: a thick bar where the attacker's tries were accepted, a thin line where they were
refused, and on the right how many tries got in and until when.

Time runs on a symmetric-log axis (linear for the first minute, logarithmic after), so a
5-minute window and a 24-hour one are both visible on the same picture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from ..clock import format_duration
from ..course.exposure import Exposure
from ._common import FONT, GREEN, GREY, INK, LIGHT, PURPLE, SMALL, WARNING, TokenlabFigure, new_figure

__all__ = ["ExposureModel", "ExposureRow", "Run", "exposure_elements", "exposure_plot"]

#: Candidate ticks (seconds since the leak) and their labels; those inside the axis are used.
TICKS = ((0, "leak"), (60, "1 min"), (300, "5 min"), (900, "15 min"), (3600, "1 h"),
         (6 * 3600, "6 h"), (86400, "24 h"), (7 * 86400, "7 d"), (30 * 86400, "30 d"))
#: The axis is linear up to this many seconds, logarithmic beyond.
LINEAR_UNTIL = 60.0

_ROW = 0.6  # inches per leak
_LABELS = 3.3  # inches for the row labels on the left
_COUNTS = 1.9  # inches for the counts on the right


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive tries with the same result: from ``start`` to ``end`` seconds after the leak
    (the times of the first and the last try of the run), ``tries`` of them."""

    start: float
    end: float
    accepted: bool
    tries: int


@dataclass(frozen=True, slots=True)
class ExposureRow:
    """One leak: its label, its runs in time order, and what they add up to."""

    label: str
    runs: tuple[Run, ...]
    accepted: int
    tries: int
    window: float

    @property
    def summary(self) -> str:
        """``'60 of 1441 accepted\nthe last at 59 min'`` — what the right-hand column says."""
        if not self.accepted:
            return f"0 of {self.tries} accepted"
        return (f"{self.accepted} of {self.tries} accepted\n"
                f"the last at {format_duration(self.window)}")


@dataclass(frozen=True, slots=True)
class ExposureModel:
    """What the picture shows: the rows, top to bottom; the end of the axis (the last try);
    the extra moments marked across all rows, ``(seconds after the leak, label)``."""

    rows: tuple[ExposureRow, ...]
    end: float
    marks: tuple[tuple[float, str], ...] = ()
    title: str | None = None


def _runs(tries: Iterable[tuple[float, bool]]) -> tuple[Run, ...]:
    runs: list[Run] = []
    for t, ok in sorted(tries, key=lambda item: item[0]):
        last = runs[-1] if runs else None
        if last is not None and last.accepted == bool(ok):
            runs[-1] = Run(last.start, t, last.accepted, last.tries + 1)
        else:
            runs.append(Run(t, t, bool(ok), 1))
    return tuple(runs)


def exposure_elements(
    exposures: Iterable[Exposure],
    *,
    marks: Iterable[tuple[float, str]] = (),
    title: str | None = None,
) -> ExposureModel:
    """The :class:`ExposureModel` of some exposures, in the order given."""
    listed = list(exposures)
    for item in listed:
        if not isinstance(item, Exposure):
            raise TypeError(f"expected tokenlab.course.exposure.Exposure items (from simulate_exposure), "
                            f"not {type(item).__name__}")
    extra = []
    for mark in marks:
        at, label = mark
        if isinstance(at, bool) or not isinstance(at, int | float) or at < 0:
            raise ValueError(f"a mark is (seconds after the leak >= 0, label), not {mark!r}")
        extra.append((float(at), str(label)))
    rows = tuple(ExposureRow(e.label, _runs(e.tries), e.accepted, len(e.tries), e.window)
                 for e in listed)
    times = [t for e in listed for t, _ in e.tries] + [t for t, _ in extra]
    return ExposureModel(rows, max(times, default=0.0), tuple(extra), title)


def exposure_plot(
    exposures: Iterable[Exposure],
    *,
    marks: Iterable[tuple[float, str]] = (),
    title: str | None = None,
) -> TokenlabFigure:
    """One row per leak: a thick bar (warning colour) over the attacker's accepted tries, a thin
    green line over the refused ones, and the count on the right. ``marks`` draws moments
    across all rows, e.g. ``[(3600, "defender revokes")]``."""
    model = exposure_elements(exposures, marks=marks, title=title)
    n = len(model.rows)
    top = 0.75 if title else 0.35
    top += 0.25 if model.marks else 0.0
    bottom = 1.05
    height = top + max(n, 1) * _ROW + bottom
    width = 10.0
    fig = new_figure(width, height)
    ax = fig.add_axes((_LABELS / width, bottom / height, 1 - (_LABELS + _COUNTS) / width,
                       max(n, 1) * _ROW / height))
    ax.set_xscale("symlog", linthresh=LINEAR_UNTIL, linscale=0.6)
    end = max(model.end, LINEAR_UNTIL)
    ax.set_xlim(0, end * 1.05)
    ax.set_ylim(max(n, 1) - 0.5, -0.5)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GREY)
    ticks = [(t, label) for t, label in TICKS if t <= end * 1.05]
    ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks], fontsize=SMALL + 0.5,
                  color=INK)
    ax.minorticks_off()
    ax.tick_params(axis="x", colors=GREY, labelcolor=INK)
    ax.grid(axis="x", color=LIGHT, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xlabel("time since the leak (simulated clock; linear for the first minute, then log)",
                  fontsize=SMALL + 0.5, color=GREY)
    if title:
        fig.text(0.15 / width, 1 - 0.15 / height, title, parse_math=False, fontsize=FONT + 3,
                 fontweight="bold", color=INK, va="top", ha="left")
    if n == 0:
        ax.text(0.5, 0.5, "(no leak to show)", transform=ax.transAxes, ha="center", va="center",
                fontsize=FONT, color=GREY, style="italic")
    left = blended_transform_factory(fig.transFigure, ax.transData)
    right = blended_transform_factory(ax.transAxes, ax.transData)
    for i, row in enumerate(model.rows):
        ax.text(0.15 / width, i, row.label, transform=left, parse_math=False, ha="left",
                va="center", fontsize=FONT - 0.5, color=INK, gid=f"label:{i}")
        for k, run in enumerate(row.runs):
            if run.accepted:
                ax.add_patch(Rectangle((run.start, i - 0.2), run.end - run.start, 0.4,
                                       facecolor=WARNING, edgecolor=WARNING, lw=1.0, zorder=3,
                                       gid=f"accepted:{i}:{k}"))
                ax.plot([run.end], [i], marker="o", color=WARNING, markersize=5, zorder=4,
                        gid=f"last:{i}:{k}")
            else:
                ax.plot([run.start, run.end], [i, i], color=GREEN, lw=1.6, zorder=2,
                        gid=f"refused:{i}:{k}")
                ax.plot([run.start], [i], marker="x", color=GREEN, markersize=6,
                        markeredgewidth=1.6, zorder=4, gid=f"first-refused:{i}:{k}")
        ax.text(1.02, i, row.summary, transform=right, parse_math=False, ha="left", va="center",
                fontsize=SMALL, color=WARNING if row.accepted else GREEN, gid=f"summary:{i}")
    for at, label in model.marks:
        ax.axvline(at, color=PURPLE, lw=1.3, ls="-.", zorder=5, gid=f"mark:{label}")
        ax.annotate(label, (at, -0.5), xytext=(0, 3), textcoords="offset points", ha="center",
                    va="bottom", fontsize=SMALL, color=PURPLE, annotation_clip=False,
                    parse_math=False)
    fig.legend(handles=[
        Patch(facecolor=WARNING, edgecolor=WARNING, label="the attacker's tries are accepted"),
        Line2D([], [], color=GREEN, lw=1.6, marker="x", markeredgewidth=1.6,
               label="refused (first refusal marked)"),
    ], loc="lower center", ncol=2, fontsize=SMALL + 0.5, frameon=False,
        bbox_to_anchor=(0.5, 0.0))
    return fig
