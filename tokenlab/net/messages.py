"""HTTP messages as they travel: a :class:`Request` (method, URL, header fields, form body) and a
:class:`Response` (status, header fields, JSON or text body).

Construction never fails on odd input — a server answers a malformed request with a 400, as a
real one would, and :meth:`Request.malformed` says why (naming the field, never the value it
carried). Their ``repr`` masks credentials (:mod:`.masking`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import MappingProxyType
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote_plus, urlsplit

from .masking import Renderer, masked_repr

__all__ = [
    "FORM",
    "JSON",
    "FormValue",
    "Headers",
    "Request",
    "Response",
    "basic_authorization",
    "json_response",
    "outcome_of",
    "split_url",
]

#: The media type of an HTML form post (RFC 6749 Appendix B, RFC 6750 §2.2).
FORM = "application/x-www-form-urlencoded"
JSON = "application/json;charset=UTF-8"
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
        r = Renderer(True)
        shown = {name: r.header(name, value) for name, value in self.items()}
        hidden = f", plus {len(self.invalid)} that are not text, not shown" if self.invalid else ""
        return f"Headers({shown!r}{hidden})"


def split_url(url: object) -> SplitResult | None:
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
        parts = split_url(self.url)
        return (parts.path or "/") if parts is not None else ""

    @property
    def query(self) -> list[tuple[str, str]]:
        """The URL's query fields, in order, repeated ones repeated (``parse_qsl``); none when the
        URL cannot be parsed."""
        parts = split_url(self.url)
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
            return (f"the URL {Renderer(True).url(self.url)!r} must be absolute, "
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
        r = Renderer(True)
        return masked_repr(self, url=r.shown_url(self.url), body=r.shown_body(self.body))


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
        return masked_repr(self, body=Renderer(True).shown_body(self.body))


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


def basic_authorization(client_id: str, client_secret: str) -> str:
    """The ``Authorization`` value for HTTP Basic client authentication (RFC 6749 §2.3.1):
    id and secret each form-urlencoded, joined by ``:``, then base64."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
