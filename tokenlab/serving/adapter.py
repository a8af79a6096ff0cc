"""Real HTTP ↔ tokenlab's :class:`~tokenlab.net.messages.Request` and ``Response``.

The server is the standard library's :class:`http.server.ThreadingHTTPServer`: no dependency,
maintained with Python itself, one thread per connection — enough for a lesson on localhost
and for the concurrency the issue asks for, and the tokenlab servers are synchronous code (an
ASGI server would run them in a thread pool anyway). HTTP/1.1 with keep-alive.

Translation, and nothing more: the request line, header fields and body become a ``Request``
whose URL is this listener's own base URL plus the request target (the ``Host`` header is not
trusted to build it); the answer of ``handle()`` — which records the exchange on the wire — is
written back. A form body (``application/x-www-form-urlencoded``) becomes the form mapping, a
field sent twice a tuple, bytes that are not UTF-8 kept as lone surrogates so that the server's
own malformed-request check answers 400 naming the field. Any other body is not passed on: the
``Content-Type`` still is, and the servers answer as they do for a request without a form.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import SHUT_RDWR, socket
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..net.messages import FORM, JSON, FormValue, Request, Response

__all__ = ["MAX_BODY", "Listener", "to_request", "write_response"]

#: The largest request body read (bytes): token requests are small; a bigger one is a 413.
MAX_BODY = 64 * 1024
#: Seconds a connection may stay silent (a TLS handshake, a keep-alive wait) before it is closed.
IDLE_TIMEOUT = 30.0

Handle = Callable[[Request], Response]


def form_fields(raw: bytes) -> dict[str, FormValue]:
    """The fields of a form body; a field sent more than once maps to a tuple of its values.
    Bytes that are not UTF-8 become lone surrogates, which ``Request.malformed`` reports."""
    text = raw.decode("ascii", errors="surrogateescape")
    fields: dict[str, list[str]] = {}
    for name, value in parse_qsl(text, keep_blank_values=True, encoding="utf-8",
                                 errors="surrogateescape"):
        fields.setdefault(name, []).append(value)
    return {n: v[0] if len(v) == 1 else tuple(v) for n, v in fields.items()}


def to_request(method: str, base: str, target: str, headers: list[tuple[str, str]],
               body: bytes | None) -> Request:
    """The :class:`Request` a real one becomes: ``base`` (``http://127.0.0.1:8000``) plus the
    request target's path and query; the form fields of a form body (an empty body with a form
    ``Content-Type`` is an empty form)."""
    parts = urlsplit(target)
    path = parts.path or "/"
    url = base + path + (f"?{parts.query}" if parts.query else "")
    ctype = next((v for n, v in headers if n.lower() == "content-type"), None)
    is_form = ctype is not None and ctype.split(";")[0].strip().lower() == FORM
    form = form_fields(body or b"") if is_form else None
    return Request(method, url, headers, form)


def encode_body(response: Response) -> bytes:
    """The bytes of a response body: JSON for a dict, UTF-8 for text, nothing for ``None``."""
    if isinstance(response.body, dict):
        return json.dumps(response.body, ensure_ascii=False).encode("utf-8")
    if isinstance(response.body, str):
        return response.body.encode("utf-8")
    return b""


def write_response(handler: BaseHTTPRequestHandler, response: Response) -> None:
    payload = encode_body(response)
    handler.send_response(response.status)
    for name, value in response.headers.items():
        if name.lower() not in ("content-length", "transfer-encoding"):
            handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(payload)


class _Handler(BaseHTTPRequestHandler):
    """One connection: each request is translated, answered by the listener's ``handle``."""

    protocol_version = "HTTP/1.1"
    #: The header block and the body go out as two writes; with Nagle's algorithm on, the body
    #: waits for the client's delayed ACK (~40 ms on Linux) on a keep-alive connection.
    disable_nagle_algorithm = True
    server: Listener

    def _serve(self) -> None:
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") is not None:
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length, not chunked")
            return
        try:
            length = int(length_text) if length_text is not None else 0
        except ValueError:
            self._refuse(HTTPStatus.BAD_REQUEST, "Content-Length is not a number")
            return
        if length < 0 or length > MAX_BODY:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body may be at most {MAX_BODY} bytes")
            return
        body = self.rfile.read(length) if length else None
        request = to_request(self.command, self.server.base_url, self.path,
                             list(self.headers.items()), body)
        write_response(self, self.server.handle(request))

    def _refuse(self, status: HTTPStatus, why: str) -> None:
        """A fault of the HTTP framing itself, before any tokenlab server is asked."""
        self.send_error(status, why)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's answer to a request it cannot parse, as JSON with a status line (its
        own is an HTML page, with no status line at all for a garbled request line)."""
        self.close_connection = True
        self.request_version = self.protocol_version
        write_response(self, Response(code, {"Content-Type": JSON, "Connection": "close"}, {
            "error": "invalid_request",
            "error_description": message or HTTPStatus(code).phrase}))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the wire is the log (and an access log is where URLs with tokens leak)."""


class Listener(ThreadingHTTPServer):
    """An HTTP(S) listener on 127.0.0.1 that answers every request with ``handle``.

    Bound at construction (``port=0``: any free port, read :attr:`port`); ``handle`` may be set
    after, once the URL is known (the issuer is made from it). With ``tls`` (a server-side
    :class:`ssl.SSLContext`) each connection's handshake runs in its own thread, so a slow or
    broken client never stalls the others.
    """

    daemon_threads = True
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self._open: set[socket] = set()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)
        self.tls = tls
        self.port: int = self.server_address[1]
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.handle: Handle = lambda request: Response(503)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Serve one connection (in its own thread), tracked so that :meth:`server_close` can
        end an idle keep-alive connection instead of waiting for its client to hang up."""
        request.settimeout(IDLE_TIMEOUT)
        with self._lock:
            self._open.add(request)
        try:
            if self.tls is None:
                super().finish_request(request, client_address)
                return
            try:
                wrapped = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # not a TLS client, or it gave up: nothing to answer
            with wrapped:
                super().finish_request(wrapped, client_address)
        finally:
            with self._lock:
                self._open.discard(request)

    def server_close(self) -> None:
        """Stop listening, end every open connection, wait for their threads."""
        super(ThreadingHTTPServer, self).server_close()  # the listening socket only
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(SHUT_RDWR)
        super().server_close()  # joins the connection threads
