"""What the pictures share: colours, fonts, a headless figure, and reading tokens off events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..clock import format_time
from ..net.wire import Event

# Okabe & Ito's palette: told apart by people with every common colour-vision deficiency.
INK = "#222222"
BLUE = "#0072B2"
SKY = "#56B4E9"
GREEN = "#009E73"
PALE_GREEN = "#9ED9C6"
PURPLE = "#CC79A7"
#: Failures: a refused request, a failed use, a failed refresh.
WARNING = "#D55E00"
GREY = "#6B6B6B"
LIGHT = "#D9D9D9"
BAND = "#F3F5F8"
#: Drawn before every failure's label, so a failure does not rely on colour alone.
WARNING_SIGN = "⚠"

FONT = 10
SMALL = 8.5
#: Dots per inch of :func:`to_png`: a 10-inch figure is 1000 pixels wide.
PNG_DPI = 100


class TokenlabFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` on the Agg canvas that shows itself in a notebook.

    Made without ``pyplot``, so no global state; ``_repr_png_`` lets IPython display it even when
    no matplotlib backend has been activated in the kernel.
    """

    def _repr_png_(self) -> bytes:
        return to_png(self)


def new_figure(width: float, height: float) -> TokenlabFigure:
    """A white figure of ``width`` by ``height`` inches on its own Agg canvas."""
    fig = TokenlabFigure(figsize=(width, height), dpi=PNG_DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def to_png(fig: Figure, *, dpi: float = PNG_DPI) -> bytes:
    """The figure as PNG bytes, exactly ``figsize * dpi`` pixels (no tight cropping), e.g. for
    an ``ipywidgets.Image``."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()


def events_of(events: Iterable[Event]) -> list[Event]:
    """The events of a :class:`~tokenlab.net.wire.Wire` or of any sequence of events."""
    listed = list(events)
    for item in listed:
        if not isinstance(item, Event):
            raise TypeError(f"expected tokenlab.net.wire.Event items (or a Wire), not "
                            f"{type(item).__name__}")
    return listed


def clock_label(t: float) -> str:
    """``'00:05:00'``: the time of day of POSIX seconds ``t`` (UTC)."""
    text = format_time(t)
    return text[11:19] if text.endswith(" UTC") else "??:??:??"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name and isinstance(value, str):
            return value
    return None


def carried_token(event: Event) -> tuple[str, str, str] | None:
    """``(token, where, scheme)`` for a request that presents an access token: ``where`` is
    ``"header"`` (``Authorization: Bearer`` or ``DPoP``, RFC 6750 §2.1), ``"body"`` (§2.2) or
    ``"query"`` (§2.3); ``None`` when it carries none."""
    authorization = _header(event.headers, "authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() in ("bearer", "dpop") and credentials.strip():
            return credentials.strip(), "header", scheme
    query = event.query.get("access_token")
    if query:
        return query, "query", "access_token"
    body = (event.body or {}).get("access_token")
    if isinstance(body, str) and body:
        return body, "body", "access_token"
    return None


def form_field(event: Event, name: str) -> str | None:
    """A single-valued field of the request's form body."""
    value = (event.body or {}).get(name)
    return value if isinstance(value, str) else None
