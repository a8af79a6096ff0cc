"""Where a URL travels after its request: the server's access log and the ``Referer`` header.

A token sent in the URL query (RFC 6750 §2.3) is part of the request target, so it goes wherever
URLs go: "Many servers, proxies, and user agents log or display the target URI" (RFC 9110 §17.9).
This module computes, from a recorded :class:`~tokenlab.net.wire.Event`, two of those places:

- :func:`access_log_line` — the line a web server or proxy writes for the request, in the NCSA
  Common Log Format (the start of the "combined" format nginx and Apache httpd log by default):
  the request line, query included;
- :func:`referer` — the ``Referer`` header a browser sends when the page at that URL (opened in a
  browser) loads another resource, as the W3C Referrer Policy algorithm decides it
  (https://www.w3.org/TR/referrer-policy/, §8.3). Browsers default to
  ``strict-origin-when-cross-origin`` (the Fetch standard's default referrer policy): the full
  URL — query and all — to the same origin, only the origin to others.

Both return the real text, token included; shorten it for display with
:func:`tokenlab.net.masking.mask_for_display`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import SplitResult, urlsplit, urlunsplit

from .wire import Event

__all__ = ["DEFAULT_POLICY", "POLICIES", "access_log_line", "referer", "request_target"]

#: The referrer policies of the W3C Referrer Policy spec (§3), without the empty string.
POLICIES = ("no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
            "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url")
#: What a browser applies when the page sets no policy (Fetch standard, "default referrer policy").
DEFAULT_POLICY = "strict-origin-when-cross-origin"
#: Referrer Policy §8.3: a referrer URL longer than this is sent as its origin only.
MAX_REFERRER_LENGTH = 4096

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_LOCAL = ("localhost", "127.0.0.1", "::1")


def request_target(url: str) -> str:
    """The request target of an HTTP/1.1 request line (RFC 9112 §3.2.1, origin-form): the path
    and the query — ``/cookie?access_token=...`` — without the fragment, which is never sent."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def access_log_line(event: Event, *, client: str = "203.0.113.7") -> str:
    """The Common Log Format line a server writes for ``event``:

    ``host ident authuser [date] "request line" status bytes``

    ``client`` is the address the request came from (a documentation address by default,
    RFC 5737); the response size is not modelled and shown as ``-``, as CLF does for an empty one.
    Nothing is masked: this is what lands on the server's disk.
    """
    if not isinstance(event, Event):
        raise TypeError(f"access_log_line() takes a tokenlab.net.wire.Event, not {type(event).__name__}")
    when = datetime.fromtimestamp(event.time, UTC)
    stamp = (f"{when.day:02d}/{_MONTHS[when.month - 1]}/{when.year}:"
             f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} +0000")
    return (f'{client} - - [{stamp}] "{event.method} {request_target(event.url)} HTTP/1.1" '
            f"{event.status} -")


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    port = parts.port if parts.port is not None else _DEFAULT_PORTS.get(parts.scheme)
    return parts.scheme, (parts.hostname or ""), port


def _trustworthy(parts: SplitResult) -> bool:
    """Secure Contexts §3.1, simplified: https/wss, or a loopback host."""
    return parts.scheme in ("https", "wss") or parts.hostname in _LOCAL


def _stripped(parts: SplitResult, *, origin_only: bool) -> str:
    """Referrer Policy §8.4 "strip url for use as a referrer": no user info, no fragment; with
    ``origin_only`` no path or query either (the origin and ``/``)."""
    netloc = parts.hostname or ""
    if ":" in netloc:  # an IPv6 literal
        netloc = f"[{netloc}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        netloc += f":{parts.port}"  # the URL parser drops a scheme's default port
    if origin_only:
        return urlunsplit((parts.scheme, netloc, "/", "", ""))
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def referer(page: Event | str, target: str, *, policy: str = DEFAULT_POLICY) -> str | None:
    """The ``Referer`` a browser sends when the page at ``page`` (a recorded request, or a URL)
    fetches ``target`` — an image, a script, a link the user follows — under ``policy``;
    ``None`` when it sends none.

    The page's URL keeps its query: under ``unsafe-url``, ``no-referrer-when-downgrade`` (the old
    browser default), and for same-origin requests under the current default
    ``strict-origin-when-cross-origin``, a token in it travels on.
    """
    url = page.url if isinstance(page, Event) else page
    if not isinstance(url, str) or not isinstance(target, str):
        raise TypeError("referer() takes the page (an Event or a URL) and the target URL as text")
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    source, destination = urlsplit(url), urlsplit(target)
    if source.scheme not in ("http", "https") or not source.hostname:
        return None  # e.g. about:blank or a data: URL: nothing to refer from
    full = _stripped(source, origin_only=False)
    origin = _stripped(source, origin_only=True)
    if len(full) > MAX_REFERRER_LENGTH:
        full = origin
    same_origin = _origin(source) == _origin(destination)
    downgrade = _trustworthy(source) and not _trustworthy(destination)
    if policy == "no-referrer":
        return None
    if policy == "unsafe-url":
        return full
    if policy == "origin":
        return origin
    if policy == "no-referrer-when-downgrade":
        return None if downgrade else full
    if policy == "same-origin":
        return full if same_origin else None
    if policy == "strict-origin":
        return None if downgrade else origin
    if policy == "origin-when-cross-origin":
        return full if same_origin else origin
    # strict-origin-when-cross-origin
    if same_origin:
        return full
    return None if downgrade else origin
