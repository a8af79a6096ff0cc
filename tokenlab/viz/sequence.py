"""Sequence diagrams drawn from a recorded trace: who sent what to whom, and what came back.

Nothing here is drawn by hand. :func:`diagram_elements` reads the events of a
:class:`~tokenlab.net.wire.Wire` into a :class:`DiagramModel` — actors, and for each exchange a
request arrow and a dashed response arrow with their labels — and :func:`sequence_diagram` draws
exactly that model. Labels go through the wire's own masking (:func:`~tokenlab.net.masking.mask_for_display`):
passwords and client secrets never appear, tokens are shortened.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.text import Text

from ..net.masking import mask_for_display
from ..net.wire import Event
from ._common import (
    BAND,
    BLUE,
    FONT,
    GREY,
    INK,
    LIGHT,
    PURPLE,
    SMALL,
    WARNING,
    WARNING_SIGN,
    TokenlabFigure,
    carried_token,
    clock_label,
    events_of,
    new_figure,
)

__all__ = ["REQUEST", "RESPONSE", "Arrow", "DiagramModel", "Exchange", "diagram_elements",
           "sequence_diagram"]

REQUEST = "request"
RESPONSE = "response"
#: Where a token travelled, as the request arrow says it.
PLACES = {"header": "in header", "query": "in URL query", "body": "in form body"}
#: Form fields that tell two token-endpoint calls apart; shown under the request arrow.
SHOWN_FIELDS = ("grant_type", "token_type_hint")

_LABEL_CHARS = 24  # a response label longer than this is split into a label and a detail line
_DETAIL_CHARS = 58
_TOKEN_CHARS = 64  # a whole token (shorten=False) is wrapped at this width


@dataclass(frozen=True, slots=True)
class Arrow:
    """One arrow: a request (solid, sender → receiver) or a response (dashed, back).

    ``label`` is drawn above the arrow, ``detail`` lines below it (the token a request carries,
    the explanation of an outcome). ``failed`` marks a response with status ≥ 400: drawn in the
    warning colour, its label starting with a warning sign.
    """

    number: int
    kind: str
    sender: str
    receiver: str
    label: str
    detail: tuple[str, ...] = ()
    failed: bool = False
    token_in: str | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    """Event ``number`` (counted from 1, as in :meth:`Wire.summary <tokenlab.net.wire.Wire.summary>`):
    its time, its request arrow and its response arrow."""

    number: int
    time: float
    clock: str
    status: int
    request: Arrow
    response: Arrow

    @property
    def failed(self) -> bool:
        return self.response.failed


@dataclass(frozen=True, slots=True)
class DiagramModel:
    """What a sequence diagram shows, without matplotlib: the actors left to right, and the
    exchanges drawn (the first ``upto`` of the ``total`` in the trace)."""

    actors: tuple[str, ...]
    exchanges: tuple[Exchange, ...]
    total: int
    title: str | None = None

    @property
    def arrows(self) -> tuple[Arrow, ...]:
        return tuple(a for x in self.exchanges for a in (x.request, x.response))

    @property
    def requests(self) -> tuple[Arrow, ...]:
        return tuple(x.request for x in self.exchanges)

    @property
    def responses(self) -> tuple[Arrow, ...]:
        return tuple(x.response for x in self.exchanges)


def diagram_elements(
    events: Iterable[Event],
    *,
    actors: Sequence[str] | None = None,
    title: str | None = None,
    upto: int | None = None,
    shorten: bool = True,
) -> DiagramModel:
    """The :class:`DiagramModel` of a trace (a :class:`~tokenlab.net.wire.Wire` or its events).

    Actors come in order of first appearance, or in the order of ``actors``; an actor of the
    trace missing from ``actors`` is added after them, so no arrow is lost. ``upto=k`` keeps the
    first ``k`` exchanges; the actors are those of the whole trace, so the picture does not shift
    while a walk-through adds steps. ``shorten=False`` shows tokens whole (secrets stay masked).
    """
    listed = events_of(events)
    if upto is not None and (isinstance(upto, bool) or not isinstance(upto, int) or upto < 0):
        raise ValueError(f"upto must be a number of events >= 0, not {upto!r}")
    order = list(dict.fromkeys(actors or ()))
    for event in listed:
        for name in (event.sender, event.receiver):
            if name not in order:
                order.append(name)
    shown = listed if upto is None else listed[:upto]
    exchanges = tuple(_exchange(n, e, shorten) for n, e in enumerate(shown, 1))
    return DiagramModel(tuple(order), exchanges, len(listed), title)


def _exchange(number: int, event: Event, shorten: bool) -> Exchange:
    path = mask_for_display(event.path, shorten=shorten)
    if len(path) > 40:
        path = path[:39] + "…"
    token_in: str | None = None
    detail: tuple[str, ...] = ()
    carried = carried_token(event)
    if carried is not None:
        token, token_in, scheme = carried
        shown = mask_for_display(token, "access_token", shorten=shorten)
        joiner = " " if token_in == "header" else "="  # noqa: S105 - a place, not a secret
        text = f"{scheme}{joiner}{shown}"
        place = f"({PLACES[token_in]})"
        detail = (f"{text}  {place}",) if shorten else (
            *textwrap.wrap(text, _TOKEN_CHARS, break_long_words=True), place)
    else:
        detail = tuple(f"{name}={mask_for_display(value, name, shorten=shorten)}"
                       for name in SHOWN_FIELDS
                       if isinstance(value := (event.body or {}).get(name), str))
    request = Arrow(number, REQUEST, event.sender, event.receiver, f"{event.method} {path}",
                    detail, False, token_in)
    failed = event.status >= 400
    outcome = " ".join(mask_for_display(event.outcome, shorten=shorten).split())
    label, explanation = outcome, ""
    if len(outcome) > _LABEL_CHARS:
        head, _, rest = outcome.partition(": ")
        label, explanation = (head, rest) if rest else (outcome, "")
        if len(label) > _LABEL_CHARS:
            label, explanation = label[:_LABEL_CHARS - 1] + "…", ""
    lines = textwrap.wrap(explanation, _DETAIL_CHARS, max_lines=2, placeholder=" …")
    response = Arrow(number, RESPONSE, event.receiver, event.sender,
                     f"{WARNING_SIGN} {label}" if failed else label, tuple(lines), failed)
    return Exchange(number, event.time, clock_label(event.time), event.status, request, response)


# -- drawing ------------------------------------------------------------------------------------

_LEFT = 0.9  # inches for the time column
_TOP_PAD = 0.15
_TITLE_H = 0.45
_ACTOR_H = 0.6
_BOTTOM = 0.25


def _line(size: float) -> float:
    """Height in inches of one line of text of ``size`` points."""
    return size * 1.3 / 72


@dataclass(frozen=True, slots=True)
class _Row:
    top: float
    request_y: float
    response_y: float
    bottom: float


def _rows(exchanges: Sequence[Exchange], top: float) -> list[_Row]:
    """Each exchange's band, in inches from the top; every band is tall enough for its text."""
    rows: list[_Row] = []
    y = top
    for x in exchanges:
        request_y = y + 0.08 + _line(FONT) + 0.05
        response_y = (request_y + 0.06 + len(x.request.detail) * _line(SMALL) + 0.08
                      + _line(FONT) + 0.05)
        bottom = response_y + 0.06 + len(x.response.detail) * _line(SMALL) + 0.08
        rows.append(_Row(y, request_y, response_y, bottom))
        y = bottom
    return rows


def sequence_diagram(
    events: Iterable[Event],
    *,
    actors: Sequence[str] | None = None,
    title: str | None = None,
    upto: int | None = None,
    shorten: bool = True,
) -> TokenlabFigure:
    """A sequence diagram of a recorded trace: one lifeline per actor, a solid request arrow
    and a dashed response arrow per event, the time of each exchange on the left.

    Failed responses (status ≥ 400) are drawn in the warning colour with a warning sign. A token
    a request carries is shown shortened under its arrow, with where it travelled ("in header",
    "in URL query"). ``upto=k`` draws the first ``k`` exchanges on the canvas of the whole trace,
    so a step-by-step view keeps its size. Arguments as in :func:`diagram_elements`.
    """
    listed = events_of(events)
    full = diagram_elements(listed, actors=actors, title=title, shorten=shorten)
    model = diagram_elements(listed, actors=actors, title=title, upto=upto, shorten=shorten)
    n = max(len(full.actors), 1)
    column = min(max(9.2 / n, 1.75), 2.6)
    width = _LEFT + column * n + 0.1
    head = _TOP_PAD + (_TITLE_H if title else 0.0)
    rows = _rows(full.exchanges, head + _ACTOR_H + 0.1)
    height = (rows[-1].bottom if rows else head + _ACTOR_H + 0.6) + _BOTTOM
    fig = new_figure(width, height)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)  # y in inches from the top
    ax.set_axis_off()
    xs = {name: _LEFT + column * (i + 0.5) for i, name in enumerate(full.actors)}

    if title:
        ax.text(0.15, _TOP_PAD, title, parse_math=False, fontsize=FONT + 3, fontweight="bold", color=INK,
                va="top", ha="left", gid="title")
    for i, row in enumerate(rows):
        if i % 2 == 0:
            ax.add_patch(Rectangle((0, row.top), width, row.bottom - row.top, facecolor=BAND,
                                   edgecolor="none", zorder=0))
    actor_y = head + _ACTOR_H / 2
    for name, x in xs.items():
        ax.add_line(Line2D([x, x], [actor_y, height - _BOTTOM / 2], color=LIGHT, lw=1.2,
                           zorder=1, gid=f"lifeline:{name}"))
        ax.text(x, actor_y, name, parse_math=False, ha="center", va="center", fontsize=FONT + 1,
                fontweight="bold", color=INK, zorder=4, gid=f"actor:{name}",
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": INK,
                      "linewidth": 1.0})
    if not full.exchanges:
        ax.text(width / 2, head + _ACTOR_H + 0.3, "(nothing on the wire yet)", ha="center",
                va="center", fontsize=FONT, color=GREY, style="italic")
    for i, x in enumerate(model.exchanges):
        band = BAND if i % 2 == 0 else "white"
        row = rows[i]
        ax.text(0.12, row.request_y, x.clock, ha="left", va="center", fontsize=SMALL + 0.5,
                family="monospace", color=INK, gid=f"time:{x.number}")
        ax.text(0.12, row.response_y, f"#{x.number}", ha="left", va="center", fontsize=SMALL,
                family="monospace", color=GREY, gid=f"number:{x.number}")
        for arrow, y in ((x.request, row.request_y), (x.response, row.response_y)):
            _draw_arrow(ax, arrow, xs, y, band, (_LEFT, width - 0.05))
    return fig


def _draw_arrow(ax: Axes, arrow: Arrow, xs: dict[str, float], y: float, band: str,
                bounds: tuple[float, float]) -> None:
    """The arrow, its label above and its detail below, kept inside ``bounds`` (inches)."""
    x0, x1 = xs[arrow.sender], xs[arrow.receiver]
    colour = WARNING if arrow.failed else (INK if arrow.kind == REQUEST else BLUE)
    gid = f"{arrow.kind}:{arrow.number}"
    if x0 == x1:  # a message to oneself: a small loop right of the lifeline
        patch = FancyArrowPatch((x0, y - 0.07), (x0, y + 0.07), arrowstyle="-|>",
                                connectionstyle="bar,fraction=-0.6", mutation_scale=12,
                                color=colour, lw=1.4, shrinkA=0, shrinkB=0, zorder=3)
        centre = x0 + 0.3
    else:
        patch = FancyArrowPatch((x0, y), (x1, y), arrowstyle="-|>", mutation_scale=14,
                                color=colour, lw=1.5 if arrow.kind == REQUEST else 1.3,
                                linestyle="-" if arrow.kind == REQUEST else (0, (5, 3)),
                                shrinkA=0, shrinkB=0, zorder=3)
        centre = (x0 + x1) / 2
    patch.set_gid(gid)
    ax.add_patch(patch)
    box = {"boxstyle": "square,pad=0.08", "facecolor": band, "edgecolor": "none"}
    label = ax.text(centre, y - 0.05, arrow.label, parse_math=False, ha="center", va="bottom", fontsize=FONT,
                    color=colour, fontweight="bold" if arrow.failed else "normal", bbox=box,
                    zorder=4, gid=f"{gid}:label")
    _keep_inside(label, bounds)
    if arrow.detail:
        detail_colour = WARNING if arrow.failed else (
            PURPLE if arrow.token_in == "query" else GREY)  # noqa: S105 - a place
        detail = ax.text(centre, y + 0.06, "\n".join(arrow.detail), parse_math=False, ha="center", va="top",
                         fontsize=SMALL, color=detail_colour, linespacing=1.15, bbox=box,
                         zorder=4, family="monospace" if arrow.token_in else None,
                         gid=f"{gid}:detail")
        _keep_inside(detail, bounds)


def _keep_inside(text: Text, bounds: tuple[float, float]) -> None:
    """Slide a centred text sideways until it lies within ``bounds`` (inches)."""
    fig = text.get_figure(root=True)
    assert fig is not None
    box = text.get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    left, right = box.x0 / fig.dpi, box.x1 / fig.dpi
    x, y = text.get_position()
    if right - left >= bounds[1] - bounds[0]:
        text.set_position(((bounds[0] + bounds[1]) / 2, y))
    elif left < bounds[0]:
        text.set_position((x + bounds[0] - left, y))
    elif right > bounds[1]:
        text.set_position((x - (right - bounds[1]), y))
