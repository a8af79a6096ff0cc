"""What the widgets share: a base class, callbacks that never lose an exception, HTML helpers.

Every widget renders into its own state — ``HTML`` and ``Image`` values — and never prints, so
what a notebook shows is stored in the widget state and a test can read it back. An exception in
a callback is caught and shown *in the widget* as a one-line message, never as a traceback, and
the widget keeps the state it had before the click.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Iterable
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import ipywidgets as widgets

from ..errors import TokenError

__all__ = ["BAD", "GOOD", "PartlyDone", "View", "badge", "describe_error", "escape", "guarded",
           "mark", "paragraphs", "table"]

# Okabe & Ito's colours, as in tokenlab.viz: pass, fail, and neutral ink.
GOOD = "#009E73"
BAD = "#D55E00"
GREY = "#6B6B6B"
MONO = "font-family: var(--jp-code-font-family, monospace); font-size: 0.9em"

P = ParamSpec("P")
R = TypeVar("R")
V = TypeVar("V", bound="View")


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def paragraphs(text: str) -> str:
    """Plain text as escaped HTML paragraphs."""
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def mark(passed: bool | None) -> str:
    """✔ in green, ✘ in red (with the sign, so colour is never the only cue), · when unknown."""
    if passed is None:
        return f'<span style="color:{GREY}">·</span>'
    colour, sign = (GOOD, "✔") if passed else (BAD, "✘")
    return f'<span style="color:{colour}; font-weight:bold">{sign}</span>'


def badge(text: str, colour: str = GREY) -> str:
    return (f'<span style="border:1px solid {colour}; color:{colour}; border-radius:3px; '
            f'padding:0 4px; font-size:0.85em">{escape(text)}</span>')


def table(rows: Iterable[Iterable[str]], header: Iterable[str] | None = None) -> str:
    """An HTML table of already-escaped cells."""
    cell = 'style="text-align:left; vertical-align:top; padding:2px 10px 2px 0"'
    head = "".join(f"<th {cell}>{h}</th>" for h in header) if header is not None else ""
    body = "".join("<tr>" + "".join(f"<td {cell}>{c}</td>" for c in row) + "</tr>"
                   for row in rows)
    return (f'<table style="border-collapse:collapse">{f"<tr>{head}</tr>" if head else ""}'
            f"{body}</table>")


def describe_error(exc: BaseException) -> str:
    """A one-line account of ``exc`` for people: the standard's code and description for a
    :class:`~tokenlab.errors.TokenError`, the type and message for anything else."""
    if isinstance(exc, TokenError):
        return f"{exc.error}: {exc.description}"
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


class PartlyDone(Exception):
    """An action did its main work but a follow-up failed; the message says both, as is."""


#: Ends every widget's repr — the ``text/plain`` a notebook stores, which is all GitHub, nbviewer or
#: a fresh open shows before the cell runs (ipywidgets cuts it at 110 characters, so keep it short).
RUN_HINT = " — run this cell to use it"


class View(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no type hints
    """A ``VBox`` with a message area for errors and a stable ``repr``.

    Subclasses build their children, then call ``super().__init__(children)``. Only ``__repr__``
    is overridden: display still goes through ipywidgets' ``_repr_mimebundle_``, which shows the
    widget view in JupyterLab and uses this repr as its ``text/plain`` part (what nbval compares).
    """

    def __init__(self, children: Iterable[widgets.Widget], **kwargs: Any) -> None:
        self.message = widgets.HTML("")
        super().__init__([*children, self.message], **kwargs)
        # A stable CSS class per widget kind, e.g. "tokenlab-flowwalker", for browser tests.
        self.add_class(f"tokenlab-{type(self).__name__.lower()}")

    @property
    def error(self) -> str:
        """The message of the last failed action, as plain text; ``""`` when the last one
        succeeded."""
        return getattr(self, "_error_text", "")

    #: How many messages were shown so far (a callback that succeeds clears only its own).
    _errors_shown = 0

    def _show_error(self, action: str, exc: BaseException) -> None:
        self._errors_shown += 1
        text = str(exc) if isinstance(exc, PartlyDone) else f"{action} failed — {describe_error(exc)}"
        self._error_text = text
        self.message.value = (f'<div style="color:{BAD}; border-left:3px solid {BAD}; '
                              f'padding:2px 8px">⚠ {escape(text)}</div>')

    def _clear_error(self) -> None:
        self._error_text = ""
        self.message.value = ""

    def __repr__(self) -> str:  # pragma: no cover - every subclass has its own
        return f"{type(self).__name__}()"


def guarded(action: str) -> Callable[[Callable[Concatenate[V, P], R]],
                                     Callable[Concatenate[V, P], R | None]]:
    """Make a widget method safe to use as a callback: an exception is shown in the widget's
    message area as ``"<action> failed — ..."`` and swallowed (``None`` is returned); success
    clears an earlier message. The method must change the widget's state only once it has
    everything it needs, so a failure leaves the state as it was."""

    def wrap(method: Callable[Concatenate[V, P], R]) -> Callable[Concatenate[V, P], R | None]:
        @functools.wraps(method)
        def safe(self: V, *args: P.args, **kwargs: P.kwargs) -> R | None:
            shown = self._errors_shown
            try:
                result = method(self, *args, **kwargs)
            except Exception as exc:  # a callback must never lose it: show it instead
                self._show_error(action, exc)
                return None
            if self._errors_shown == shown:  # a nested callback's message stays up
                self._clear_error()
            return result
        return cast("Callable[Concatenate[V, P], R | None]", safe)

    return wrap
