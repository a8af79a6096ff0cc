"""Token lifetimes on a time axis, read from a recorded trace.

:func:`timeline_elements` follows every token through the events of a
:class:`~tokenlab.net.wire.Wire`: issued by a token response (RFC 6749 §5.1), used on API calls
(RFC 6750 §2), exchanged for new tokens (§6), revoked (RFC 7009). :func:`lifetime_timeline`
draws it: one bar per token from issue to expiry, marks for each of those moments.

``iat`` and ``exp`` of a JWT are read with ``jwt.decode(..., verify_signature=False)`` — for
display only: nothing here decides whether a token is valid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from ..clock import format_time
from ..net.masking import mask_for_display
from ..net.wire import Event
from ._common import (
    BLUE,
    FONT,
    GREEN,
    GREY,
    INK,
    LIGHT,
    PALE_GREEN,
    PURPLE,
    SKY,
    SMALL,
    WARNING,
    WARNING_SIGN,
    TokenlabFigure,
    carried_token,
    events_of,
    form_field,
    new_figure,
)

__all__ = ["ACCESS", "EXPIRY", "MARK", "REFRESH", "REFRESH_TOKEN", "REVOCATION", "USE", "Mark",
           "TimelineMark", "TimelineModel", "TokenBar", "timeline_elements"]

ACCESS = "access"
REFRESH_TOKEN = "refresh"  # noqa: S105 - a kind of token, not a secret
#: Kinds of :class:`TimelineMark`.
USE = "use"
REFRESH = "refresh"
REVOCATION = "revocation"
EXPIRY = "expiry"
MARK = "mark"


@dataclass(frozen=True, slots=True)
class Mark:
    """An extra moment to show, e.g. ``Mark(clock.time(), "token stolen")``: a line across the
    timeline, or a mark on one token's bar when ``token`` (the token string) is given."""

    time: float
    label: str
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class TokenBar:
    """One token's life: issued at ``issued`` (its ``iat``, else the time of the response that
    carried it), nominally valid until ``expires`` (``exp``, else issue + ``expires_in``; ``None``
    when the trace does not say — an opaque refresh token).

    ``ended`` is when it stopped being usable before that: spent (a refresh token exchanged
    under rotation) or revoked. ``parent`` is the bar of the refresh token it was obtained with;
    ``event`` the number (from 1) of the event that issued it, ``None`` for a token only seen in
    use (e.g. one obtained off the wire, or forged).
    """

    kind: str
    label: str
    #: Who obtained it (sent the token request) — or, for a token only seen, who first sent it.
    client: str
    issued: float
    expires: float | None
    event: int | None = None
    parent: int | None = None
    spent: float | None = None
    revoked: float | None = None

    @property
    def ended(self) -> float | None:
        ends = [t for t in (self.spent, self.revoked) if t is not None]
        return min(ends) if ends else None


@dataclass(frozen=True, slots=True)
class TimelineMark:
    """A moment on a bar (``bar`` is its index) or across the timeline (``bar=None``).

    ``kind`` is ``"use"``, ``"refresh"`` (the refresh token exchanged), ``"revocation"``,
    ``"expiry"`` or ``"mark"``; ``failed`` when the server refused (status ≥ 400); ``event`` the
    event's number from 1.
    """

    kind: str
    time: float
    bar: int | None
    label: str
    failed: bool = False
    event: int | None = None


@dataclass(frozen=True, slots=True)
class TimelineModel:
    """What a lifetime timeline shows, without matplotlib: bars in order of issue, marks in
    order of time, and the time span of the axis."""

    bars: tuple[TokenBar, ...]
    marks: tuple[TimelineMark, ...]
    start: float
    end: float
    now: float | None = None
    title: str | None = None

    def marks_of(self, kind: str, bar: int | None = None) -> tuple[TimelineMark, ...]:
        """The marks of ``kind``; with ``bar``, only those on that bar."""
        return tuple(m for m in self.marks if m.kind == kind and (bar is None or m.bar == bar))


def _claims(token: str) -> dict[str, Any]:
    """A JWT's claims without checking anything — for display only; ``{}`` for other tokens."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


class _Tracker:
    """Follows tokens through the events; bars are kept as mutable dicts until the end."""

    def __init__(self, shorten: bool) -> None:
        self.shorten = shorten
        self.index: dict[str, int] = {}
        self.bars: list[dict[str, Any]] = []
        self.marks: list[TimelineMark] = []

    def bar(self, token: str, kind: str, client: str, time: float, *, event: int | None = None,
            expires_in: object = None, parent: int | None = None) -> int:
        if token in self.index:
            return self.index[token]
        claims = _claims(token)
        issued = _number(claims.get("iat"))
        expires = _number(claims.get("exp"))
        lifetime = _number(expires_in)
        if expires is None and lifetime is not None:
            expires = (issued if issued is not None else time) + lifetime
        self.index[token] = len(self.bars)
        self.bars.append({
            "kind": kind, "label": mask_for_display(token, "access_token", shorten=self.shorten),
            "client": client, "issued": issued if issued is not None else time,
            "expires": expires, "event": event, "parent": parent, "spent": None, "revoked": None})
        return self.index[token]

    def mark(self, kind: str, time: float, bar: int | None, label: str, failed: bool = False,
             event: int | None = None) -> None:
        self.marks.append(TimelineMark(kind, time, bar, label, failed, event))

    def read(self, number: int, e: Event) -> None:
        failed = e.status >= 400
        grant = form_field(e, "grant_type")
        parent: int | None = None
        if grant == "refresh_token" and (old := form_field(e, "refresh_token")):
            parent = self.bar(old, REFRESH_TOKEN, e.sender, e.time)
            self.mark(REFRESH, e.time, parent, f"#{number} {e.sender} refreshes", failed, number)
            if not failed and self.bars[parent]["spent"] is None:
                self.bars[parent]["spent"] = e.time
        body = e.response_body if isinstance(e.response_body, dict) else {}
        access = body.get("access_token")
        if not failed and isinstance(access, str) and access:
            self.bar(access, ACCESS, e.sender, e.time, event=number,
                     expires_in=body.get("expires_in"), parent=parent)
            refresh = body.get("refresh_token")
            if isinstance(refresh, str) and refresh and refresh != form_field(e, "refresh_token"):
                self.bar(refresh, REFRESH_TOKEN, e.sender, e.time, event=number,
                         expires_in=body.get("refresh_token_expires_in"), parent=parent)
            elif parent is not None:
                self.bars[parent]["spent"] = None  # no rotation: the old one stays in use
        if e.method.upper() == "POST" and e.path.rstrip("/").rsplit("/", 1)[-1] == "revoke" and (
                token := form_field(e, "token")):
            hint = form_field(e, "token_type_hint")
            kind = REFRESH_TOKEN if hint == "refresh_token" or not _claims(token) else ACCESS
            i = self.bar(token, kind, e.sender, e.time)
            self.mark(REVOCATION, e.time, i, f"#{number} {e.sender} revokes", failed, number)
            if not failed and self.bars[i]["revoked"] is None:
                self.bars[i]["revoked"] = e.time
        carried = carried_token(e)
        if carried is not None:
            token, where, _ = carried
            i = self.bar(token, ACCESS, e.sender, e.time)
            self.mark(USE, e.time, i, f"#{number} {e.sender}: {e.method} {e.path} ({where}) "
                      f"→ {e.status}", failed, number)


def timeline_elements(
    events: Iterable[Event],
    *,
    marks: Iterable[Mark] = (),
    now: float | None = None,
    title: str | None = None,
    shorten: bool = True,
) -> TimelineModel:
    """The :class:`TimelineModel` of a trace (a :class:`~tokenlab.net.wire.Wire` or its events).

    Every token a successful token response issued becomes a bar; so does a token that is only
    seen (used, refreshed or revoked) without having been issued on this wire. ``marks`` adds
    moments of your own; ``now`` (e.g. ``clock.time()``) draws the present.
    """
    listed = events_of(events)
    tracker = _Tracker(shorten)
    for number, event in enumerate(listed, 1):
        tracker.read(number, event)
    extra = list(marks)
    for m in extra:
        if not isinstance(m, Mark):
            raise TypeError(f"marks must be tokenlab.viz.Mark items, not {type(m).__name__}")
        bar = tracker.index.get(m.token) if m.token is not None else None
        tracker.mark(MARK, m.time, bar, m.label)
    bars = tuple(TokenBar(**b) for b in tracker.bars)
    # The axis spans the trace and the life of each access token issued on it; a long-lived
    # refresh token, or a token only seen in use (perhaps forged, with any iat/exp), is cut off.
    own = [b for b in bars if b.event is not None]
    times = [e.time for e in listed] + [b.issued for b in own] + [m.time for m in extra]
    times += [t for t in (now,) if t is not None]
    times += [b.expires for b in own if b.kind == ACCESS and b.expires is not None]
    start, stop = min(times, default=0.0), max(times, default=0.0)
    for i, b in enumerate(bars):
        if b.expires is not None and start <= b.expires <= stop:
            tracker.mark(EXPIRY, b.expires, i, f"{b.kind} token {b.label} expires")
    ordered = tuple(sorted(tracker.marks, key=lambda m: (m.time, m.event or 0)))
    return TimelineModel(bars, ordered, start, stop, now, title)


# -- drawing ------------------------------------------------------------------------------------

_ROW = 0.62  # inches per bar
_LABELS = 2.0  # inches for the row labels


def lifetime_timeline(
    events: Iterable[Event],
    *,
    marks: Iterable[Mark] = (),
    now: float | None = None,
    title: str | None = None,
    shorten: bool = True,
) -> TokenlabFigure:
    """A token lifetime timeline of a trace: one bar per token, from issue to expiry, with a
    mark for each use (a cross when refused), refresh, revocation and expiry.

    Where a token stopped early — spent under rotation, or revoked — the rest of its nominal
    life is hatched: still inside ``exp``, yet refused. Arguments as in
    :func:`timeline_elements`.
    """
    model = timeline_elements(events, marks=marks, now=now, title=title, shorten=shorten)
    n = len(model.bars)
    flags = [(m.time, m.label, PURPLE) for m in model.marks if m.kind == MARK]
    flags += [(now, "now", INK)] if now is not None else []
    top = (0.6 if title else 0.25) + (0.05 + 0.18 * min(len(flags), 3) if flags else 0.0)
    bottom = 1.15
    height = top + max(n, 1) * _ROW + bottom
    width = 10.0
    fig = new_figure(width, height)
    ax = fig.add_axes((_LABELS / width, bottom / height, 1 - (_LABELS + 0.3) / width,
                       max(n, 1) * _ROW / height))
    span = max(model.end - model.start, 60.0)
    lo, hi = model.start - 0.04 * span, model.start + span * 1.04
    ax.set_xlim(lo, hi)
    ax.set_ylim(max(n, 1) - 0.5, -0.5)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GREY)
    step = _tick_step(hi - lo)
    first = math.ceil(lo / step) * step
    ticks = [first + k * step for k in range(int((hi - first) // step) + 1)]
    ax.set_xticks(ticks, [_tick_label(t, step) for t in ticks], fontsize=SMALL + 0.5, color=INK)
    ax.tick_params(axis="x", colors=GREY, labelcolor=INK)
    ax.grid(axis="x", color=LIGHT, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xlabel("time (UTC, simulated clock)", fontsize=SMALL + 0.5, color=GREY)
    if title:
        fig.text(0.15 / width, 1 - 0.15 / height, title, parse_math=False, fontsize=FONT + 3,
                 fontweight="bold", color=INK, va="top", ha="left")
    if n == 0:
        ax.text(0.5, 0.5, "(no token on the wire yet)", transform=ax.transAxes, ha="center",
                va="center", fontsize=FONT, color=GREY, style="italic")
    labels = blended_transform_factory(fig.transFigure, ax.transData)
    for i, bar in enumerate(model.bars):
        _draw_bar(ax, i, bar, lo, hi)
        who = bar.client if bar.event is not None else f"sent by {bar.client}"
        ax.text(0.15 / width, i - 0.1, f"{bar.kind} token · {who}", transform=labels, parse_math=False,
                ha="left", va="bottom", fontsize=FONT - 0.5, fontweight="bold", color=INK,
                gid=f"row:{i}")
        origin = f"event #{bar.event}" if bar.event is not None else "not issued on this wire"
        ax.text(0.15 / width, i - 0.05, f"{bar.label}  {origin}", transform=labels,
                parse_math=False, ha="left", va="top", fontsize=SMALL - 0.5, family="monospace",
                color=GREY)
        if bar.parent is not None:  # obtained with a refresh token: a thread from the exchange
            ax.plot([bar.issued, bar.issued], [bar.parent, i], color=GREY, lw=1, ls=":",
                    zorder=2)
    for k, m in enumerate(model.marks):
        _draw_mark(ax, m, k)
    if now is not None:
        ax.axvline(now, color=INK, lw=1.3, ls="--", zorder=5, gid="now")
    _flags(ax, flags)
    fig.legend(handles=_legend(), loc="lower center", ncol=5, fontsize=SMALL + 0.5,
               frameon=False, bbox_to_anchor=(0.5, 0.0), handlelength=1.8, columnspacing=1.4,
               labelspacing=0.8)
    return fig


def _draw_bar(ax: Axes, i: int, bar: TokenBar, left: float, right: float) -> None:
    face, edge = (SKY, BLUE) if bar.kind == ACCESS else (PALE_GREEN, GREEN)
    end = bar.expires if bar.expires is not None and bar.expires < right else right
    cut = bar.ended if bar.ended is not None and bar.ended < end else end
    start = max(bar.issued, left)  # a token only seen in use may claim an early iat
    if end < start:  # off the axis to the left, or nonsense claims (exp before iat)
        end = cut = start
    unknown = bar.event is None and bar.expires is None  # only seen, lifetime unknown
    ax.add_patch(Rectangle((start, i - 0.22), max(cut - start, 0.0), 0.44,
                           facecolor="white" if unknown else face, edgecolor=edge, lw=1.2,
                           linestyle=":" if unknown else "-", zorder=2, gid=f"bar:{i}"))
    if cut < end:  # dead before its exp: spent or revoked
        ax.add_patch(Rectangle((cut, i - 0.22), end - cut, 0.44, facecolor="white",
                               edgecolor=edge, hatch="///", lw=1.0, alpha=0.8, zorder=2,
                               gid=f"dead:{i}"))
    if end >= right:  # runs on past the axis: exp far away, or not in the trace
        ax.plot([right], [i], marker=">", color=edge, markersize=8, clip_on=False, zorder=3)


_STYLE: dict[tuple[str, bool], dict[str, Any]] = {
    (USE, False): {"marker": "o", "color": BLUE, "markersize": 7, "markeredgecolor": "white"},
    (USE, True): {"marker": "X", "color": WARNING, "markersize": 11, "markeredgecolor": "white"},
    (REFRESH, False): {"marker": "D", "color": INK, "markersize": 8, "markeredgecolor": "white"},
    (REFRESH, True): {"marker": "D", "color": WARNING, "markersize": 8,
                      "markeredgecolor": "white"},
    (REVOCATION, False): {"marker": "|", "color": INK, "markersize": 26, "markeredgewidth": 4},
    (REVOCATION, True): {"marker": "|", "color": WARNING, "markersize": 26,
                         "markeredgewidth": 4},
    (EXPIRY, False): {"marker": "|", "color": INK, "markersize": 26, "markeredgewidth": 1.2},
}
_LEGEND = (((USE, False), "use"), ((USE, True), f"{WARNING_SIGN} refused use"),
           ((REFRESH, False), "refresh token exchanged"), ((REVOCATION, False), "revoked"),
           ((EXPIRY, False), "exp reached"))


def _flags(ax: Axes, flags: list[tuple[float, str, str]]) -> None:
    """Labels above the plot for the extra marks and "now", stacked where they would collide."""
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    placed: list[tuple[int, float, float]] = []
    for t, label, colour in sorted(flags):
        for level in range(len(flags) + 1):
            text = ax.annotate(label, (t, -0.5), xytext=(0, 3 + 13 * level),
                               textcoords="offset points", ha="center", va="bottom",
                               fontsize=SMALL, color=colour, annotation_clip=False,
                               parse_math=False)
            box = text.get_window_extent(renderer)
            if all(lv != level or box.x1 + 4 < x0 or box.x0 - 4 > x1 for lv, x0, x1 in placed):
                placed.append((level, box.x0, box.x1))
                break
            text.remove()


def _draw_mark(ax: Axes, m: TimelineMark, k: int) -> None:
    """Mark ``k`` of the model; its gid is ``"kind:bar:k"``."""
    if m.kind == MARK:
        ax.axvline(m.time, color=PURPLE, lw=1.4, ls="-.", zorder=4, gid=f"mark:{m.label}")
        if m.bar is None:
            return
    if m.kind == MARK:  # an extra mark on one token's bar
        style: dict[str, Any] = {"marker": "*", "color": PURPLE, "markersize": 13}
    else:
        style = _STYLE.get((m.kind, m.failed), _STYLE[(m.kind, False)])
    ax.plot([m.time], [m.bar], linestyle="none", zorder=4, gid=f"{m.kind}:{m.bar}:{k}",
            label=m.label, **style)


def _legend() -> list[Artist]:
    def mark(key: tuple[str, bool], label: str) -> Line2D:
        style = dict(_STYLE[key])
        style["markersize"] = min(style["markersize"], 15)
        return Line2D([], [], linestyle="none", label=label, **style)

    return [
        Patch(facecolor=SKY, edgecolor=BLUE, label="access token: issue → exp"),
        Patch(facecolor=PALE_GREEN, edgecolor=GREEN, label="refresh token"),
        Patch(facecolor="white", edgecolor=GREY, hatch="///", label="dead before exp"),
        Line2D([], [], color=GREY, linestyle="none", marker=">", markersize=8,
               label="exp later, or unknown"),
        *(mark(key, text) for key, text in _LEGEND),
    ]


def _tick_step(span: float) -> float:
    """A round number of seconds that puts 5-10 ticks on ``span`` seconds."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                 43200, 86400):
        if span / step <= 10:
            return float(step)
    return 86400.0 * math.ceil(span / 86400 / 10)


def _tick_label(t: float, step: float) -> str:
    text = format_time(t)
    if not text.endswith(" UTC"):
        return ""
    return text[5:16] if step >= 3600 else text[11:19]
