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

import base64
import binascii
import dataclasses
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from types import MappingProxyType
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote_plus, unquote_plus, urlsplit, urlunsplit

from ..clock import Clock, format_time
from ..jose.tokens import shorten

__all__ = [
    "FORM",
    "JSON",
    "MASK",
    "Event",
    "Headers",
    "Request",
    "Response",
    "Wire",
    "json_response",
    "mask_for_display",
    "outcome_of",
]

#: The media type of an HTML form post (RFC 6749 Appendix B, RFC 6750 §2.2).
FORM = "application/x-www-form-urlencoded"
JSON = "application/json;charset=UTF-8"
#: What a secret looks like when rendered: always the same width, so its length does not leak.
MASK = "••••"

#: Fields whose value is a password or client secret: masked in every rendering.
SECRET_FIELDS = frozenset({"client_secret", "password", "old_password", "new_password"})
#: Fields whose value is a token or a one-time secret: shortened unless ``shorten=False``.
TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "id_token", "token", "code",
                          "code_verifier"})
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")

FormValue = str | tuple[str, ...]


class Headers(Mapping[str, str]):
    """Immutable header fields; look-ups ignore case (RFC 9110 §5.1), the sender's spelling is
    kept for display. Two fields whose names differ only in case are combined with ``", "``
    (RFC 9110 §5.3), as a receiver would see them.

    Names or values that are not text are kept aside in :attr:`invalid`, so a server can answer
    such a request with a 400 instead of failing.
    """

    __slots__ = ("_fields", "invalid")

    def __init__(self, fields: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        self._fields: dict[str, tuple[str, str]] = {}
        self.invalid: tuple[object, ...] = ()
        if fields is None:
            return
        items: Iterable[Any]
        if isinstance(fields, Mapping):
            items = fields.items()
        elif isinstance(fields, Iterable) and not isinstance(fields, str | bytes):
            items = fields
        else:
            self.invalid = (fields,)
            return
        bad: list[object] = []
        for item in items:
            if not (isinstance(item, tuple) and len(item) == 2
                    and isinstance(item[0], str) and isinstance(item[1], str)):
                bad.append(item)
                continue
            name, value = item
            old = self._fields.get(name.lower())
            self._fields[name.lower()] = (name, value) if old is None else (
                old[0], f"{old[1]}, {value}")
        self.invalid = tuple(bad)

    def __getitem__(self, name: str) -> str:
        if not isinstance(name, str):
            raise KeyError(name)
        return self._fields[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._fields.values())

    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._fields

    def _folded(self) -> dict[str, str]:
        return {lname: value for lname, (_, value) in self._fields.items()}

    def __eq__(self, other: object) -> bool:
        """Equal when the same fields have the same values, whatever the case of the names."""
        if isinstance(other, Headers):
            return self._folded() == other._folded()
        if isinstance(other, Mapping):
            return self == Headers(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._folded().items())))

    def __repr__(self) -> str:
        """The fields with credentials masked and tokens shortened, as :meth:`Event.render` shows
        them; fields that are not text are counted, never shown (they may hold a secret)."""
        r = _Renderer(True)
        shown = {name: r.header(name, value) for name, value in self.items()}
        hidden = f", plus {len(self.invalid)} that are not text, not shown" if self.invalid else ""
        return f"Headers({shown!r}{hidden})"


def _split(url: object) -> SplitResult | None:
    """``urlsplit(url)``, or ``None`` for a URL that is not text or cannot be parsed (a request
    is recorded as it came, and a server answers such a URL with a 400)."""
    if not isinstance(url, str):
        return None
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _freeze_body(body: object) -> object:
    """A form body as a read-only ``{name: value}``; a repeated field as a tuple of values."""
    if body is None or not isinstance(body, Mapping):
        return body
    return MappingProxyType({name: tuple(value) if isinstance(value, list | tuple) else value
                             for name, value in body.items()})


@dataclass(frozen=True, slots=True, repr=False)
class Request:
    """One HTTP request as it travels: ``method``, absolute ``url`` (query included), header
    fields and the fields of a form body.

    ``body`` maps each form field to its value; a field sent more than once maps to a tuple of
    its values (so that "repeated parameter" can be modelled: RFC 6749 §3.1). Construction never
    fails on odd input — a server answers a malformed request with a 400, as a real one would.
    Its ``repr`` masks secrets and shortens tokens (the attributes keep them whole).
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, FormValue] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):
            object.__setattr__(self, "headers", Headers(self.headers))  # type: ignore[arg-type]
        object.__setattr__(self, "body", _freeze_body(self.body))

    @classmethod
    def get(cls, url: str, headers: Mapping[str, str] | None = None) -> Request:
        return cls("GET", url, headers or {})

    @classmethod
    def post(cls, url: str, form: Mapping[str, FormValue],
             headers: Mapping[str, str] | None = None) -> Request:
        """A POST with a form body and its ``Content-Type``."""
        return cls("POST", url, {**(headers or {}), "Content-Type": FORM}, form)

    @property
    def path(self) -> str:
        """The URL's path (``/`` when empty); ``""`` when the URL cannot be parsed."""
        parts = _split(self.url)
        return (parts.path or "/") if parts is not None else ""

    @property
    def query(self) -> list[tuple[str, str]]:
        """The URL's query fields, in order, repeated ones repeated (``parse_qsl``); none when the
        URL cannot be parsed."""
        parts = _split(self.url)
        return parse_qsl(parts.query, keep_blank_values=True) if parts is not None else []

    @property
    def is_form(self) -> bool:
        """True when the body is form fields: a body, and no ``Content-Type`` saying otherwise."""
        if self.body is None:
            return False
        ctype = self.headers.get("Content-Type")
        return ctype is None or ctype.split(";")[0].strip().lower() == FORM

    def form(self) -> list[tuple[str, str]]:
        """The body's fields as ``(name, value)`` pairs, a repeated field once per value."""
        pairs: list[tuple[str, str]] = []
        for name, value in (self.body or {}).items():
            for v in value if isinstance(value, tuple) else (value,):
                pairs.append((name, v))
        return pairs

    def malformed(self) -> str | None:
        """Why this request could not have come off a real connection, or ``None``.

        The answer names the part or field at fault and the type it got, never the value: a
        malformed field may be a client secret or a password, and the answer ends up in a 400's
        ``error_description`` and on the wire (RFC 6749 §10.1). Text a real connection cannot
        carry — a lone surrogate has no UTF-8 encoding — is malformed too.
        """
        if not isinstance(self.method, str) or not self.method:
            return f"the method must be text such as 'GET', not {self.method!r}"
        if not isinstance(self.url, str):
            return f"the URL must be text, not {type(self.url).__name__}"
        if not _encodable(self.url):
            return f"the URL is not valid UTF-8 text: {_NOT_UTF8}"
        try:
            parts = urlsplit(self.url)
        except ValueError:
            return ("the URL cannot be parsed: check the host (an IPv6 address needs both "
                    "brackets, e.g. 'https://[::1]/x')")
        if not parts.scheme or not parts.netloc:
            return (f"the URL {_Renderer(True).url(self.url)!r} must be absolute, "
                    "e.g. 'https://api.example/weather'")
        if isinstance(self.headers, Headers):
            problem = _bad_headers(self.headers)
            if problem is not None:
                return problem
        if self.body is not None:
            if not isinstance(self.body, Mapping):
                return f"the body must be form fields {{name: value}}, not {type(self.body).__name__}"
            for name, value in self.body.items():
                problem = _bad_form_field(name, value)
                if problem is not None:
                    return problem
        return None

    def __repr__(self) -> str:
        r = _Renderer(True)
        return _masked_repr(self, url=r.shown_url(self.url), body=r.shown_body(self.body))


#: Why text with a lone surrogate cannot be sent: what a 400 says.
_NOT_UTF8 = "it holds a lone surrogate, which no real connection can carry"


def _encodable(text: str) -> bool:
    """True when ``text`` has a UTF-8 encoding, i.e. could have come off a real connection."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_headers(headers: Headers) -> str | None:
    """What is wrong with the header fields, naming a field but never showing a value."""
    for item in headers.invalid:
        if not (isinstance(item, tuple) and len(item) == 2):
            return ("header fields must be (name, value) pairs of text, e.g. "
                    f"{{'Accept': 'application/json'}}; got a {type(item).__name__}")
        name, value = item
        if not isinstance(name, str):
            return f"header names must be text, not {type(name).__name__}"
        return f"the value of header {name!r} must be text, not {type(value).__name__}"
    for name, value in headers.items():
        if not _encodable(name):
            return f"a header name is not valid UTF-8 text: {_NOT_UTF8}"
        if not _encodable(value):
            return f"the value of header {name!r} is not valid UTF-8 text: {_NOT_UTF8}"
    return None


def _bad_form_field(name: object, value: object) -> str | None:
    """What is wrong with one form field, naming it but never showing its value."""
    if not isinstance(name, str):
        return f"form field names must be text, not {type(name).__name__}"
    if not _encodable(name):
        return f"a form field name is not valid UTF-8 text: {_NOT_UTF8}"
    for v in value if isinstance(value, tuple) else (value,):
        if not isinstance(v, str):
            return f"the value of form field {name!r} must be text, not {type(v).__name__}"
        if not _encodable(v):
            return f"the value of form field {name!r} is not valid UTF-8 text: {_NOT_UTF8}"
    return None


@dataclass(frozen=True, slots=True, repr=False)
class Response:
    """One HTTP response: ``status``, header fields and a body — a JSON object (``dict``), text,
    or ``None`` for an empty body. Its ``repr`` shortens tokens, as :meth:`Event.render` does."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: dict[str, Any] | str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):
            object.__setattr__(self, "headers", Headers(self.headers))

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; ``{}`` when it is not one."""
        return self.body if isinstance(self.body, dict) else {}

    def __repr__(self) -> str:
        return _masked_repr(self, body=_Renderer(True).shown_body(self.body))


def json_response(status: int, body: Mapping[str, Any],
                  headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, {"Content-Type": JSON, **(headers or {})}, dict(body))


def outcome_of(response: Response, detail: str | None = None) -> str:
    """A one-line outcome: ``"200 OK"``, ``"400 invalid_grant: wrong user name or password"``."""
    head = f"{response.status} {response.reason}".rstrip()
    body = response.json()
    error = body.get("error")
    if detail is not None:
        return f"{response.status} {detail}"
    if isinstance(error, str) and not response.ok:
        description = body.get("error_description")
        return f"{response.status} {error}" + (f": {description}" if description else "")
    return head


def mask_for_display(value: str, name: str | None = None, *, shorten: bool = True) -> str:
    """``value`` as a rendering of the wire shows it, for views that draw parts of an event.

    The value of a password or client-secret field (``name`` in :data:`SECRET_FIELDS`) becomes
    :data:`MASK`; a token field's value is shortened; free text (``name=None``) has every JWT in
    it shortened. ``shorten=False`` keeps tokens whole — secrets stay masked either way.

    >>> mask_for_display("hunter2", "password")
    '••••'
    """
    return _Renderer(shorten).field(name, value)


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
        parts = _split(self.url)
        return (parts.path or "/") if parts is not None else ""

    @property
    def query(self) -> dict[str, str]:
        parts = _split(self.url)
        return dict(parse_qsl(parts.query, keep_blank_values=True)) if parts is not None else {}

    def render(self, *, shorten: bool = True, number: int | None = None) -> str:
        """The event as a text block; tokens shortened (unless ``shorten=False``), secrets and
        passwords always masked."""
        r = _Renderer(shorten)
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
        r = _Renderer(True)
        clock = format_time(self.time)[11:19]
        return (f"{clock}  {self.sender} → {self.receiver}: {self.method} {self.path or r.url(self.url)}"
                f"  ← {r.text(self.outcome)}")

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        r = _Renderer(True)
        return _masked_repr(
            self, url=r.shown_url(self.url), headers=_as_headers(self.headers),
            body=r.shown_body(self.body), outcome=r.text(self.outcome),
            response_headers=_as_headers(self.response_headers),
            response_body=r.shown_body(self.response_body))


def _as_headers(fields: Mapping[str, str]) -> Headers:
    """``fields`` as :class:`Headers`, whose repr masks credentials."""
    return fields if isinstance(fields, Headers) else Headers(fields)


def _masked_repr(obj: Any, **shown: object) -> str:
    """The dataclass repr of ``obj``, with the fields in ``shown`` replaced by their masked form."""
    parts = (f"{f.name}={shown[f.name] if f.name in shown else getattr(obj, f.name)!r}"
             for f in dataclasses.fields(obj))
    return f"{type(obj).__name__}({', '.join(parts)})"


class Wire:
    """The ordered log of every exchange between the actors, stamped with ``clock``.

    >>> from tokenlab import SimClock
    >>> wire = Wire(SimClock())
    >>> len(wire)
    0
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._events: list[Event] = []

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
        self._events.append(event)
        return event

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(self._events)

    @property
    def last(self) -> Event | None:
        return self._events[-1] if self._events else None

    def clear(self) -> None:
        self._events.clear()

    def render(self, *, shorten: bool = True) -> str:
        """Every event as a text block, numbered from 1."""
        return "\n\n".join(e.render(shorten=shorten, number=i)
                           for i, e in enumerate(self._events, 1))

    def summary(self, start: int = 0) -> str:
        """One numbered line per event, from event ``start`` on (0-based)."""
        return "\n".join(f"[{i}] {e.summary()}"
                         for i, e in enumerate(self._events[start:], start + 1))

    def show(self, *, shorten: bool = True) -> None:
        """Print :meth:`render` (for notebooks)."""
        print(self.render(shorten=shorten) or "(nothing on the wire yet)")

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(tuple(self._events))

    def __getitem__(self, index: int) -> Event:
        return self._events[index]

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Wire({len(self._events)} events)"


class _Renderer:
    """Shortens tokens and masks secrets in the text of an event."""

    def __init__(self, shorten: bool) -> None:
        self.shorten = shorten

    def token(self, value: str) -> str:
        return (shorten(value) or "") if self.shorten else value

    def text(self, value: str) -> str:
        return _JWT.sub(lambda m: self.token(m.group()), value) if self.shorten else value

    def field(self, name: object, value: object) -> str:
        """A field's value as shown: a secret field is masked whatever its type (a secret sent
        as bytes is still a secret); anything else that is not text shows as its ``repr``."""
        if name in SECRET_FIELDS:
            return MASK
        text = value if isinstance(value, str) else repr(value)
        if name in TOKEN_FIELDS:
            return self.token(text)
        return self.text(text)

    def pairs(self, pairs: Sequence[tuple[object, object]]) -> str:
        return "&".join(f"{n}={self.field(n, v)}" for n, v in pairs)

    def form(self, body: Mapping[Any, Any]) -> str:
        pairs = [(n, v) for n, vs in body.items()
                 for v in (vs if isinstance(vs, tuple) else (vs,))]
        return self.pairs(pairs)

    def url(self, url: str) -> str:
        """The URL with secrets in its query masked, tokens shortened, and the password of a
        ``user:password@`` masked (RFC 3986 §3.2.1: "Applications should not render as clear
        text any data after the first colon (":") character found within a userinfo
        subcomponent")."""
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. "https://[::1/x": shown by plain text surgery instead
            base, question, query = url.partition("?")
            scheme, slashes, rest = base.partition("//")
            authority, slash, path = rest.partition("/")
            base = f"{scheme}{slashes}{_mask_userinfo(authority)}{slash}{path}" if slashes else base
            return self.text(base) + (
                "?" + self.pairs(parse_qsl(query, keep_blank_values=True)) if question else "")
        netloc = _mask_userinfo(parts.netloc)
        if netloc != parts.netloc:  # rebuilt only then: urlsplit normalises, e.g. the scheme's case
            parts = parts._replace(netloc=netloc)
            url = urlunsplit(parts)
        if not parts.query:
            return self.text(url)
        query = self.pairs(parse_qsl(parts.query, keep_blank_values=True))
        return urlunsplit(parts._replace(query="", fragment="")) + "?" + query + (
            f"#{parts.fragment}" if parts.fragment else "")

    def header(self, name: str, value: str) -> str:
        lname = name.lower()
        if lname == "location":
            return self.url(value)
        if lname not in ("authorization", "proxy-authorization"):
            return self.text(value)
        scheme, _, credentials = value.strip().partition(" ")
        if scheme.lower() == "basic":
            return f"{scheme} {MASK} ({_basic_user(credentials)}:{MASK})"
        if scheme.lower() in ("bearer", "dpop"):
            return f"{scheme} {self.token(credentials.strip())}"
        # A value of one word may be a bare secret (an API key sent without a scheme).
        return f"{scheme} {MASK}" if credentials.strip() else MASK

    def data(self, value: Any, name: object = None) -> Any:
        """A JSON-like value with every field shown as :meth:`field` shows it; numbers and the
        like stay as they are, unless they are the value of a secret field."""
        if isinstance(value, Mapping):
            return {k: self.data(v, k) for k, v in value.items()}
        if isinstance(value, list | tuple):
            shown = [self.data(v, name) for v in value]
            return shown if isinstance(value, list) else tuple(shown)
        if isinstance(value, str | bytes | bytearray) or name in SECRET_FIELDS:
            return self.field(name, value)
        return value

    def shown_url(self, url: object) -> str:
        """A message's URL as a repr shows it; one that is not text only by its type."""
        return self.url(url) if isinstance(url, str) else f"<{type(url).__name__}, not text>"

    def shown_body(self, body: object) -> object:
        """A message's body as a repr shows it: form fields or JSON through :meth:`data`, text
        with its tokens shortened; anything else only by its type (it may hold a secret)."""
        if body is None:
            return None
        if isinstance(body, Mapping):
            return self.data(body)
        if isinstance(body, str):
            return self.text(body)
        return f"<{type(body).__name__}, not shown>"


def _mask_userinfo(authority: str) -> str:
    """``user:password@host`` as ``user:••••@host`` (RFC 3986 §3.2.1); other authorities as given."""
    userinfo, at, host = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return authority
    return f"{userinfo.partition(':')[0]}:{MASK}@{host}"


def basic_authorization(client_id: str, client_secret: str) -> str:
    """The ``Authorization`` value for HTTP Basic client authentication (RFC 6749 §2.3.1):
    id and secret each form-urlencoded, joined by ``:``, then base64."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def _basic_user(credentials: str) -> str:
    """The client id inside HTTP Basic credentials (RFC 7617), for display only."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "?"
    user, sep, _ = decoded.partition(":")
    return unquote_plus(user) if sep else "?"
