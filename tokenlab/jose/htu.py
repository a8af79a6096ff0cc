"""The ``htu`` of a DPoP proof: the URL a proof is made for, and how a server compares it.

RFC 9449 §4.2: htu is "The HTTP target URI ... of the request to which the JWT is attached,
without query and fragment parts". §4.3 item 9: the server checks that it "matches the HTTP URI
value for the HTTP request in which the JWT was received, ignoring any query and fragment parts",
and "servers SHOULD employ syntax-based normalization (Section 6.2.2 of [RFC3986]) and
scheme-based normalization (Section 6.2.3 of [RFC3986]) before comparing the htu claim".

So two spellings of one URL compare equal — ``HTTPS://API.example:443`` and
``https://api.example/`` — while a different path, host, port or scheme never does.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["normalize_htu", "target_uri"]

_DEFAULT_PORTS = {"http": "80", "https": "443"}
#: RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: Printable ASCII without space: RFC 3986 URIs have no other characters.
_URI_CHARS = re.compile(r"[\x21-\x7e]+")


def target_uri(url: str) -> str:
    """The htu for a proof of a request to ``url``: the URL without query and fragment.

    Raises ``TypeError`` for a non-string and ``ValueError`` for anything but an absolute http
    or https URL with a host — a proof names the exact resource it is for."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a str such as 'https://api.example/weather', not "
                        f"{type(url).__name__}")
    problem = _problem(url)
    if problem is not None:
        raise ValueError(f"url {url!r}: {problem}")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def normalize_htu(url: object) -> str | None:
    """``url`` normalised by RFC 3986 §6.2.2 and §6.2.3, without query and fragment; ``None``
    when it is not an absolute http(s) URI with a host.

    Syntax-based (§6.2.2): scheme and host in lower case, percent-encodings in upper case,
    percent-encoded unreserved characters decoded, ``.`` and ``..`` segments removed.
    Scheme-based (§6.2.3): the default port (80, 443) and an empty port dropped, an empty path
    made ``/``. Nothing else: the path keeps its case, and an encoded ``%2F`` stays encoded.
    """
    if not isinstance(url, str) or _problem(url) is not None:
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host, port = _host_and_port(parts.netloc)
    if host is None or port is None:
        return None
    authority = host if port in ("", _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_normalize_percent(parts.path)) or "/"
    return f"{scheme}://{authority}{path}"


def _problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL with a host (``None``: it is)."""
    if _URI_CHARS.fullmatch(url) is None:
        return "a URL is printable ASCII without spaces (RFC 3986 §2)"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"cannot be parsed ({exc})"
    if not parts.scheme:
        return "not an absolute URL: it needs a scheme and a host, like 'https://api.example/x'"
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return f"a proof is for an http or https URL, not {parts.scheme}:"
    if "@" in parts.netloc:
        return "a user name in an http(s) URL is not allowed (RFC 9110 §4.2.4)"
    if not parts.netloc or _host_and_port(parts.netloc)[0] is None:
        return "no host"
    if _BAD_PERCENT.search(parts.netloc + parts.path):  # the query is not compared
        return "a '%' not followed by two hex digits (RFC 3986 §2.1)"
    return None


def _host_and_port(netloc: str) -> tuple[str | None, str | None]:
    """``(host, port)`` of an authority without userinfo; the host in lower case with its
    percent-encodings normalised, the port as digits ("" when absent or empty). ``None`` for
    a part that is not valid."""
    if netloc.startswith("["):  # an IP literal (RFC 3986 §3.2.2)
        end = netloc.find("]")
        if end < 0:
            return None, None
        host, rest = netloc[: end + 1], netloc[end + 1:]
        if rest and not rest.startswith(":"):
            return None, None
        port = rest[1:]
    else:
        host, _, port = netloc.partition(":")
    if not host or ":" in port:
        return None, None
    if port and (not port.isdigit() or not port.isascii() or int(port) > 65535):
        return host.lower(), None
    return _normalize_percent(host).lower(), str(int(port)) if port else ""


def _normalize_percent(text: str) -> str:
    """RFC 3986 §6.2.2.1-2: hex digits of percent-encodings in upper case; encoded unreserved
    characters decoded (``%7E`` is ``~``)."""
    def fix(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else f"%{m.group(1).upper()}"
    return _PERCENT.sub(fix, text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 (used by §6.2.2.3): ``/a/./b/../c`` is ``/a/c``."""
    output: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith(("./", "/./")):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if output:
                output.pop()
        elif path == "/..":
            path = "/"
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            start = 1 if path.startswith("/") else 0
            end = path.find("/", start)
            end = len(path) if end < 0 else end
            output.append(path[:end])
            path = path[end:]
    return "".join(output)
