"""What a view of the wire may show: secrets masked, tokens shortened.

Every rendering of a message — :meth:`~tokenlab.net.wire.Event.render`, the ``repr`` and ``str``
of a request, response, header set or event, the labels of a sequence diagram — goes through one
:class:`Renderer`, so a printed trace or an object a notebook displays can be shared safely:
client secrets, passwords and HTTP Basic credentials are always :data:`MASK`, and tokens are
shortened unless the whole truth is asked for (RFC 6749 §10.1, §10.7).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

from ..jose.tokens import shorten

__all__ = ["MASK", "SECRET_FIELDS", "TOKEN_FIELDS", "Renderer", "mask_for_display", "masked_repr"]

#: What a secret looks like when rendered: always the same width, so its length does not leak.
MASK = "••••"
#: Fields whose value is a password or client secret: masked in every rendering.
SECRET_FIELDS = frozenset({"client_secret", "password", "old_password", "new_password"})
#: Fields whose value is a token or a one-time secret: shortened unless ``shorten=False``.
TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "id_token", "token", "code",
                          "code_verifier"})


_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")


def mask_for_display(value: str, name: str | None = None, *, shorten: bool = True) -> str:
    """``value`` as a rendering of the wire shows it, for views that draw parts of an event.

    The value of a password or client-secret field (``name`` in :data:`SECRET_FIELDS`) becomes
    :data:`MASK`; a token field's value is shortened; free text (``name=None``) has every JWT in
    it shortened. ``shorten=False`` keeps tokens whole — secrets stay masked either way.

    >>> mask_for_display("hunter2", "password")
    '••••'
    """
    return Renderer(shorten).field(name, value)


def masked_repr(obj: Any, **shown: object) -> str:
    """The dataclass repr of ``obj``, with the fields in ``shown`` replaced by their masked form."""
    parts = (f"{f.name}={shown[f.name] if f.name in shown else getattr(obj, f.name)!r}"
             for f in dataclasses.fields(obj))
    return f"{type(obj).__name__}({', '.join(parts)})"


class Renderer:
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


def _basic_user(credentials: str) -> str:
    """The client id inside HTTP Basic credentials (RFC 7617), for display only."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "?"
    user, sep, _ = decoded.partition(":")
    return unquote_plus(user) if sep else "?"
