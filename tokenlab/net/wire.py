"""The simulated wire: every HTTP message between the actors, recorded in order.

A :class:`Request` and a :class:`Response` are what would travel over a real connection: a
method, a URL, header fields and, for a POST, the fields of an
``application/x-www-form-urlencoded`` body. The servers' ``handle`` methods take and return
them, and record each exchange on a :class:`Wire` as an :class:`Event`: time, sender, receiver,
the request, the response, a short outcome and notes that flag what a security engineer would
flag (a token in a URL, a password sent to the token endpoint, plain HTTP).

The events keep the whole truth — the attack lessons read the wire as an attacker on the path
would. Only what is *shown* hides things: tokens are shortened unless asked otherwise, and
client secrets, passwords and HTTP Basic credentials are always masked — in :meth:`Event.render`
and in every ``repr`` and ``str`` of a :class:`Request`, :class:`Response`, :class:`Headers` or
:class:`Event` — so a printed trace, or an object a notebook displays, can be shared safely
(RFC 6749 §10.1: "Web application clients MUST ensure confidentiality of client passwords and
other client credentials"; §10.7: a password "could unintentionally be disclosed to an attacker
(e.g., via log files or other records kept by the client)"). For the same reason a malformed
request's error names the field, never the value it carried.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ..clock import Clock, format_time
from .masking import Renderer, masked_repr
from .messages import FormValue, Headers, Request, Response, outcome_of, split_url

__all__ = ["Event", "Wire"]

@dataclass(frozen=True, slots=True, repr=False)
class Event:
    """One request and its response, as seen on the wire at ``time`` (POSIX seconds).

    The fields keep the whole truth; ``repr``, ``str``, :meth:`render` and :meth:`summary` mask
    secrets and shorten tokens."""

    time: float
    sender: str
    receiver: str
    method: str
    url: str
    headers: Mapping[str, str]
    body: Mapping[str, FormValue] | None
    status: int
    outcome: str
    response_headers: Mapping[str, str]
    response_body: dict[str, Any] | str | None
    notes: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The URL's path (``/`` when empty); ``""`` when the URL cannot be parsed."""
        parts = split_url(self.url)
        return (parts.path or "/") if parts is not None else ""

    @property
    def query(self) -> dict[str, str]:
        parts = split_url(self.url)
        return dict(parse_qsl(parts.query, keep_blank_values=True)) if parts is not None else {}

    def render(self, *, shorten: bool = True, number: int | None = None) -> str:
        """The event as a text block; tokens shortened (unless ``shorten=False``), secrets and
        passwords always masked."""
        r = Renderer(shorten)
        head = f"[{number}] " if number is not None else ""
        lines = [f"{head}{format_time(self.time)}  {self.sender} → {self.receiver}",
                 f"    {self.method} {r.url(str(self.url))}"]
        lines += [f"    {n}: {r.header(n, v)}" for n, v in self.headers.items()]
        if self.body is not None:
            lines.append(f"    {r.form(self.body)}")
        lines.append(f"  ← {r.text(self.outcome)}")
        lines += [f"    {n}: {r.header(n, v)}" for n, v in self.response_headers.items()]
        if isinstance(self.response_body, dict):
            lines.append("    " + json.dumps(r.data(self.response_body), ensure_ascii=False))
        elif isinstance(self.response_body, str) and self.response_body:
            lines += [f"    {line}" for line in r.text(self.response_body).splitlines()]
        lines += [f"    ⚠ {note}" for note in self.notes]
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: time, who to whom, what, and the outcome (secrets masked, tokens shortened)."""
        r = Renderer(True)
        clock = format_time(self.time)[11:19]
        return (f"{clock}  {self.sender} → {self.receiver}: {self.method} {self.path or r.url(self.url)}"
                f"  ← {r.text(self.outcome)}")

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        r = Renderer(True)
        return masked_repr(
            self, url=r.shown_url(self.url), headers=_as_headers(self.headers),
            body=r.shown_body(self.body), outcome=r.text(self.outcome),
            response_headers=_as_headers(self.response_headers),
            response_body=r.shown_body(self.response_body))


def _as_headers(fields: Mapping[str, str]) -> Headers:
    """``fields`` as :class:`Headers`, whose repr masks credentials."""
    return fields if isinstance(fields, Headers) else Headers(fields)


class Wire:
    """The ordered log of every exchange between the actors, stamped with ``clock``.

    ``keep``: hold only the latest ``keep`` exchanges (a long-running server); the ones let go
    are counted in :attr:`dropped`, and numbering goes on from there.

    >>> from tokenlab import SimClock
    >>> wire = Wire(SimClock())
    >>> len(wire)
    0
    """

    def __init__(self, clock: Clock, *, keep: int | None = None) -> None:
        self.clock = clock
        self._events: deque[Event] = deque()
        self._recorded = 0  # counted with the append under one lock: servers record from threads
        self._lock = threading.Lock()
        self.keep = keep

    @property
    def keep(self) -> int | None:
        """How many of the latest exchanges the wire holds (``None``: all of them)."""
        return self._events.maxlen

    @keep.setter
    def keep(self, keep: int | None) -> None:
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
            raise ValueError(f"keep must be a whole number of exchanges >= 1, or None for all "
                             f"of them (got {keep!r})")
        with self._lock:
            self._events = deque(self._events, maxlen=keep)

    @property
    def dropped(self) -> int:
        """How many of the oldest exchanges were let go (only with ``keep``)."""
        return self._recorded - len(self._events)

    def record(
        self,
        request: Request,
        response: Response,
        *,
        sender: str,
        receiver: str,
        outcome: str | None = None,
        notes: Iterable[str] = (),
    ) -> Event:
        """Append the exchange of ``request`` and ``response``; ``outcome`` defaults to the
        status and, for an error, its code and description."""
        event = Event(
            time=self.clock.time(), sender=sender, receiver=receiver,
            method=str(request.method), url=str(request.url), headers=request.headers,
            body=request.body if isinstance(request.body, Mapping) else None,
            status=response.status, outcome=outcome or outcome_of(response),
            response_headers=response.headers, response_body=response.body,
            notes=tuple(dict.fromkeys(notes)),
        )
        with self._lock:
            self._events.append(event)
            self._recorded += 1
        return event

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(self._events)

    @property
    def last(self) -> Event | None:
        return self._events[-1] if self._events else None

    def clear(self) -> None:
        """Forget every exchange; numbering starts at 1 again."""
        with self._lock:
            self._events.clear()
            self._recorded = 0

    def render(self, *, shorten: bool = True) -> str:
        """Every event held as a text block, numbered from 1 (on from :attr:`dropped`)."""
        return "\n\n".join(e.render(shorten=shorten, number=i)
                           for i, e in enumerate(self.events, self.dropped + 1))

    def summary(self, start: int = 0) -> str:
        """One numbered line per event, from event ``start`` on (0-based, among those held)."""
        return "\n".join(f"[{i}] {e.summary()}"
                         for i, e in enumerate(self.events[start:], self.dropped + start + 1))

    def show(self, *, shorten: bool = True) -> None:
        """Print :meth:`render` (for notebooks)."""
        print(self.render(shorten=shorten) or "(nothing on the wire yet)")

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __getitem__(self, index: int) -> Event:
        """The event at Python ``index`` (0-based, like any sequence); :meth:`message` takes the
        number a trace prints."""
        return self._events[index]

    def message(self, number: int) -> Event:
        """Message ``number`` as :meth:`summary`, :meth:`render` and the sequence diagrams number
        it: the first is 1. A number the wire does not hold says which it holds."""
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError(f"number must be a whole number such as 1, not {type(number).__name__}")
        held = self.events
        first, last = self.dropped + 1, self.dropped + len(held)
        if 1 <= number < first:
            raise IndexError(f"message {number} was let go: this wire keeps the latest "
                             f"{self.keep}, messages {first} to {last}")
        if not first <= number <= last:
            raise IndexError(f"there is no message {number}: the wire holds messages {first} to "
                             f"{last}" if held else
                             f"there is no message {number}: nothing is on the wire yet")
        return held[number - first]

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Wire({len(self._events)} events)"
