"""The resource server over HTTP: bearer tokens as RFC 6750 says to send and refuse them.

A token arrives in one of three ways (RFC 6750 §2): the ``Authorization: Bearer`` header (§2.1,
what every client should use), a form-body field ``access_token`` (§2.2, only in a request whose
method has a body — never GET), or a URL query field ``access_token`` (§2.3: accepted, but
flagged, since URLs end up in server logs, browser history and ``Referer`` headers; RFC 9700
§4.3.2 says clients MUST NOT use it). Sending it in more than one way is an ``invalid_request``.

Refusals follow RFC 6750 §3: no token at all gets a bare ``WWW-Authenticate: Bearer realm=...``
challenge with no error (§3.1: the client may not know it needs one); a bad token gets 401
``invalid_token``; a good token without the scope gets 403 ``insufficient_scope`` with the
``scope`` it needs. Routes are ``(method, path, scope, handler)``; three demo endpoints come
registered: ``GET /weather``, ``POST /weather`` and ``GET /me``.

An API that takes DPoP (RFC 9449 §7; ``ResourceServer(dpop="optional")`` or ``"required"``)
also reads ``Authorization: DPoP <token>`` — only in the header — with a proof in the ``DPoP``
header, made for this request's method and this API's own URL (its origin, from its audience,
and the request's path: the simulated wire delivers by path, whatever host a request names). A
proof fault is 401 ``invalid_dpop_proof``, a token fault 401 ``invalid_token`` (a proof by
another key than the token's ``cnf.jkt`` included, §7.1), a missing or stale nonce 401
``use_dpop_nonce`` with a ``DPoP-Nonce`` header (§9), each in a ``DPoP`` challenge with the
``algs`` the API accepts. A token bound to a key is never accepted as a bearer token (§7.2).

One ``WWW-Authenticate`` field lists every scheme the API accepts (RFC 9110 §11.6.1 allows
several challenges, comma-separated): the scheme the request used comes first and carries the
error; the other follows bare. No credentials at all get every scheme bare: ``Bearer
realm="...", DPoP realm="...", algs="ES256 EdDSA"`` for an API that takes both.
:func:`parse_challenges` reads them back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..errors import InsufficientScopeError, InvalidDPoPProofError, TokenError, UseDPoPNonceError
from ..jose.dpop_verify import DPoPProofVerifier
from ..jose.verify import VerifiedClaims, parse_scope
from ..net.messages import Request, Response, json_response, outcome_of
from ..net.wire import Wire

__all__ = [
    "NOTE_URL_QUERY",
    "Handler",
    "ProtectedResource",
    "Route",
    "Routes",
    "bearer_challenge",
    "default_routes",
    "dpop_challenge",
    "handle",
    "parse_challenge",
    "parse_challenges",
]

RECEIVER = "api"

#: A handler gets the request (without the token) and the verified claims; it returns a JSON
#: object (sent with 200) or a whole :class:`~tokenlab.net.messages.Response`.
Handler = Callable[[Request, VerifiedClaims], "Response | Mapping[str, Any]"]

NOTE_URL_QUERY = (
    "token in URL query: it leaks into server logs, browser history and Referer headers "
    "(RFC 6750 §2.3, RFC 9700 §4.3.2)")
NOTE_FORM_BODY = (
    "token in the form body: RFC 6750 §2.2 says SHOULD NOT, except where the client cannot set the "
    "Authorization header (§2.1), and never with GET")
NOTE_PLAIN_HTTP = (
    "bearer token over plain http: anyone on the network path can read and replay it — always "
    "use TLS (RFC 6750 §5.3)")
NOTE_DPOP_PLAIN_HTTP = (
    "DPoP over plain http: anyone on the network path reads the token and the proof — useless to "
    "them without the key, but DPoP is no substitute for TLS (RFC 9449 §2)")

# RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; RFC 9449 §7.1: the same for "DPoP".
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
#: The schemes an API offers in its challenges, by its ``dpop`` mode, the default first.
_OFFERED = {"off": ("Bearer",), "optional": ("Bearer", "DPoP"), "required": ("DPoP",)}
# RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no '"' or '\').
_ASCII_FOR = {"\u2014": "-", "\u2013": "-", "\u2026": "...", "\u2019": "'", "\u2018": "'",
              "\u201c": "'", "\u201d": "'", "\u2192": "->", "\u00a7": "section ", '"': "'",
              "\\": "/", "\u2022": "*"}


@dataclass(frozen=True, slots=True)
class Route:
    """``method path`` needs a valid token with every scope in ``scope`` (none: any valid token)."""

    method: str
    path: str
    scope: tuple[str, ...]
    handler: Handler


class Routes:
    """The API's endpoints, by path then method."""

    def __init__(self) -> None:
        self._routes: dict[str, dict[str, Route]] = {}

    def add(self, method: str, path: str, scope: str | Iterable[str] | None,
            handler: Handler) -> Route:
        if not isinstance(method, str) or not re.fullmatch(r"[A-Z]+", method):
            raise ValueError(f"method must be an upper-case HTTP method such as 'GET', not {method!r}")
        if not isinstance(path, str) or not path.startswith("/") or "?" in path or "#" in path:
            raise ValueError(f"path must start with '/' and have no query, e.g. '/weather', "
                             f"not {path!r}")
        if not callable(handler):
            raise TypeError("handler must be callable as handler(request, claims)")
        route = Route(method, path, parse_scope(scope), handler)
        self._routes.setdefault(path, {})[method] = route
        return route

    def methods(self, path: str) -> dict[str, Route] | None:
        return self._routes.get(path)

    def __iter__(self) -> Iterator[Route]:
        return (r for methods in self._routes.values() for r in methods.values())

    def __len__(self) -> int:
        return sum(len(m) for m in self._routes.values())


class ProtectedResource(Protocol):
    """What the HTTP layer needs of an API (:class:`~tokenlab.api.server.ResourceServer` is one):
    its audience (the ``realm`` of its challenges), its routes, its wire, token verification
    that raises a :class:`~tokenlab.errors.TokenError` naming what failed — for a bearer token
    and for a DPoP-bound token with its proof — and how it takes DPoP (``"off"``,
    ``"optional"``, ``"required"``) with the proof verifier whose ``algs`` and nonces it
    announces."""

    audience: str
    routes: Routes
    wire: Wire
    dpop: str
    dpop_verifier: DPoPProofVerifier

    def verify(self, token: str | bytes,
               scope: str | Iterable[str] | None = None) -> VerifiedClaims: ...

    def verify_dpop(self, token: str, proofs: Mapping[str, str], method: str, url: str,
                    scope: str | Iterable[str] | None = None) -> VerifiedClaims: ...


class _Refusal(Exception):
    def __init__(self, error: str, description: str, scheme: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.scheme = scheme


def handle(api: ProtectedResource, request: Request, sender: str = "client") -> Response:
    """Answer ``request`` as the API, and record it on ``api.wire``.

    Malformed input is a 400, never an exception; only a ``request`` that is not a
    :class:`~tokenlab.net.messages.Request` raises ``TypeError``.
    """
    if not isinstance(request, Request):
        raise TypeError(f"handle() takes a tokenlab.net.messages.Request, not {type(request).__name__}")
    notes: list[str] = []
    response, outcome = _serve(api, request, notes)
    api.wire.record(request, response, sender=sender, receiver=RECEIVER, outcome=outcome,
                    notes=notes)
    return response


def _serve(api: ProtectedResource, request: Request, notes: list[str]) -> tuple[Response, str]:
    problem = request.malformed()
    if problem is not None:
        r = _refuse(api, None, 400, "invalid_request", f"malformed request: {problem}")
        return r, outcome_of(r)
    methods = api.routes.methods(request.path)
    if methods is None:
        r = json_response(404, {"error": "not_found",
                                "error_description": f"no endpoint at {request.path!r}"})
        return r, outcome_of(r)
    route = methods.get(request.method)
    if route is None:
        allow = ", ".join(methods)
        r = json_response(405, {"error": "method_not_allowed", "error_description":
                                f"{request.path} accepts {allow}, not {request.method}"},
                          {"Allow": allow})  # RFC 9110 §15.5.6
        return r, outcome_of(r)
    try:
        token, stripped, scheme = _token_of(request, notes, api.dpop != "off")
    except _Refusal as exc:
        r = _refuse(api, exc.scheme, 400, exc.error, exc.description)
        return r, outcome_of(r)
    if token is None:
        # RFC 6750 §3.1: "If the request lacks any authentication information ..., the resource
        # server SHOULD NOT include an error code or other error information."
        r = Response(401, {"WWW-Authenticate": _challenges(api, None)})
        bare = " and ".join(_OFFERED[api.dpop])
        return r, (f"401 Unauthorized: no token, bare {bare} challenge"
                   f"{'s' if api.dpop == 'optional' else ''} (RFC 6750 §3.1)")
    if urlsplit(request.url).scheme == "http":
        notes.append(NOTE_DPOP_PLAIN_HTTP if scheme == "DPoP" else NOTE_PLAIN_HTTP)
    nonce: dict[str, str] = {}
    if scheme == "DPoP" and api.dpop_verifier.nonces is not None:
        nonce = {"DPoP-Nonce": api.dpop_verifier.nonces.current()}  # RFC 9449 §9, §8.2
    try:
        if scheme == "DPoP":
            claims = api.verify_dpop(token, request.headers, request.method, _own_url(api, request),
                                     scope=route.scope or None)
        else:
            claims = api.verify(token, scope=route.scope or None)
    except InsufficientScopeError as err:
        r = _refuse(api, scheme, 403, "insufficient_scope", err.description,
                    scope=" ".join(route.scope), headers=nonce)
        return r, outcome_of(r)
    except UseDPoPNonceError as err:  # RFC 9449 §9: 401, with the nonce to use
        r = _refuse(api, scheme, 401, err.error, err.description,
                    headers={"DPoP-Nonce": err.nonce})
        return r, outcome_of(r)
    except InvalidDPoPProofError as err:  # invalid_dpop_proof, or invalid_token for the key
        r = _refuse(api, scheme, 401, err.error, err.description, headers=nonce)
        return r, outcome_of(r)
    except TokenError as err:
        r = _refuse(api, scheme, 401, "invalid_token", err.description, headers=nonce)
        return r, outcome_of(r)
    result = route.handler(stripped, claims)
    response = result if isinstance(result, Response) else json_response(200, result)
    if nonce:
        response = dataclasses.replace(response, headers={**response.headers, **nonce})
    if "access_token" in dict(request.query):
        # RFC 6750 §2.3: a success response to a token-in-URI request SHOULD be Cache-Control
        # private, so shared caches do not keep it.
        response = dataclasses.replace(response, headers={**response.headers,
                                                          "Cache-Control": "private"})
    return response, outcome_of(response)


def _own_url(api: ProtectedResource, request: Request) -> str:
    """The URL the API answers ``request`` at, for a proof's ``htu`` (RFC 9449 §4.3 item 9): the
    API's own origin, from its audience, and the request's path. A request naming another host
    reached this API only because the simulated wire delivers by path; a real one would not.
    (An audience that is no http(s) URL gives no origin: then the request's URL is used.)"""
    parts = urlsplit(api.audience)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return urlsplit(request.url)._replace(query="", fragment="").geturl()
    return f"{parts.scheme}://{parts.netloc}{request.path}"


def _token_of(request: Request, notes: list[str],
              dpop: bool) -> tuple[str | None, Request, str]:
    """The token, the request without it for the handler, and the scheme it came with:
    ``"Bearer"`` (RFC 6750 §2: header, body or query) or, when the API takes DPoP, ``"DPoP"``
    (RFC 9449 §7.1: the header only)."""
    found: list[str] = []
    token: str | None = None
    used = "Bearer"
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, credentials = header.strip().partition(" ")
        # auth-scheme is case-insensitive (RFC 9110 §11.1)
        if scheme.lower() == "bearer" or (dpop and scheme.lower() == "dpop"):
            used = "DPoP" if scheme.lower() == "dpop" else "Bearer"
            credentials = credentials.strip(" ")
            if not _B64TOKEN.fullmatch(credentials):
                rule = "RFC 9449 §7.1" if used == "DPoP" else "RFC 6750 §2.1"
                raise _Refusal("invalid_request",
                               f"the Authorization header is not '{used} <token>' ({rule})", used)
            token = credentials
            found.append("the Authorization header")
    query = request.query
    in_query = [v for n, v in query if n == "access_token"]
    form = request.form() if request.is_form else []
    in_body = [v for n, v in form if n == "access_token"]
    for where, values in (("URL query", in_query), ("form body", in_body)):
        if len(values) > 1:
            raise _Refusal("invalid_request",
                           f"access_token appears {len(values)} times in the {where}", used)
    if in_body:
        if request.method in ("GET", "HEAD"):
            raise _Refusal("invalid_request",
                           f"a {request.method} request has no body semantics, so it cannot carry "
                           "the token in the body (RFC 6750 §2.2); use the Authorization header",
                           used)
        token = in_body[0]
        found.append("the form body")
        notes.append(NOTE_FORM_BODY)
    if in_query:
        token = in_query[0]
        found.append("the URL query")
        notes.append(NOTE_URL_QUERY)
    if len(found) > 1:
        raise _Refusal("invalid_request",
                       f"the token was sent in {' and '.join(found)}; a client MUST NOT use more "
                       "than one method in a request (RFC 6750 §2)", used)
    if token is not None and not token:
        raise _Refusal("invalid_request", "access_token is empty", used)
    stripped = request
    if in_query or in_body:
        parts = urlsplit(request.url)
        url = urlunsplit(parts._replace(query=urlencode(
            [(n, v) for n, v in query if n != "access_token"])))
        body = None if request.body is None else {
            n: v for n, v in request.body.items() if n != "access_token"}
        stripped = dataclasses.replace(request, url=url, body=body)
    return token, stripped, used


# -- WWW-Authenticate -------------------------------------------------------------------------------


def _quoted(value: str) -> str:
    """An RFC 9110 §5.6.4 quoted-string: ``"`` and ``\\`` escaped with a backslash."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _header_safe(text: str) -> str:
    """``text`` within RFC 6750 §3's error_description characters (printable ASCII without
    ``"`` or ``\\``), so the header never needs escaping; the JSON body keeps the original."""
    for char, ascii_ in _ASCII_FOR.items():
        text = text.replace(char, ascii_)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if 0x20 <= ord(c) <= 0x7E else " " for c in text)


def bearer_challenge(realm: str, *, error: str | None = None, description: str | None = None,
                     scope: str | None = None) -> str:
    """``Bearer realm="..."`` with the RFC 6750 §3 attributes that are given."""
    parts = [f"realm={_quoted(realm)}"]
    if error is not None:
        parts.append(f"error={_quoted(error)}")
    if description is not None:
        parts.append(f"error_description={_quoted(_header_safe(description))}")
    if scope is not None:
        parts.append(f"scope={_quoted(scope)}")
    return "Bearer " + ", ".join(parts)


def dpop_challenge(realm: str, *, algs: str, error: str | None = None,
                   description: str | None = None, scope: str | None = None) -> str:
    """``DPoP realm="...", ..., algs="..."``: RFC 9449 §7.1's challenge, with the RFC 6750 §3
    attributes that are given and the JWS algorithms this API accepts for proofs."""
    bearer = bearer_challenge(realm, error=error, description=description, scope=scope)
    return "DPoP" + bearer.removeprefix("Bearer") + f", algs={_quoted(algs)}"


#: One element of a WWW-Authenticate field: a token (a scheme, or a parameter's name).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~\w]+")
_EQUALS = re.compile(r"\s*=\s*")
_VALUE = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s,]*')


def parse_challenges(header: str) -> list[tuple[str, dict[str, str]]]:
    """Every challenge of one ``WWW-Authenticate`` field, in order (RFC 9110 §11.6.1: "a
    comma-separated list of one or more challenges"): ``[("Bearer", {"realm": ...}), ("DPoP",
    {"realm": ..., "algs": ...})]``. Parameter names are lower-cased; quoted values unescaped."""
    challenges: list[tuple[str, dict[str, str]]] = []
    pos, end = 0, len(header)
    while pos < end:
        if header[pos] in " \t,":
            pos += 1
            continue
        name = _TOKEN.match(header, pos)
        if name is None:  # not a token: skip the character, as a lenient reader would
            pos += 1
            continue
        equals = _EQUALS.match(header, name.end())
        if equals is not None and challenges:  # auth-param = token "=" ( token / quoted-string )
            value = _VALUE.match(header, equals.end())
            assert value is not None  # the pattern matches the empty string too
            text = value.group()
            if text.startswith('"') and len(text) > 1:
                text = re.sub(r"\\(.)", r"\1", text[1:-1])
            challenges[-1][1][name.group().lower()] = text
            pos = value.end()
        else:  # a new challenge: its auth-scheme
            challenges.append((name.group(), {}))
            pos = name.end()
    return challenges


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``("Bearer", {"realm": ..., "error": ...})``: the first challenge of a ``WWW-Authenticate``
    field (see :func:`parse_challenges` for all of them); ``("", {})`` for an empty one."""
    found = parse_challenges(header)
    return found[0] if found else ("", {})


def _challenges(api: ProtectedResource, used: str | None, *, error: str | None = None,
                description: str | None = None, scope: str | None = None) -> str:
    """The API's ``WWW-Authenticate`` value: the challenge of the scheme the request used (the
    API's first scheme when it used none it accepts), carrying the error, then each other scheme
    the API accepts, bare (RFC 9110 §11.6.1)."""
    offered = _OFFERED[api.dpop]
    first = used if used in offered else offered[0]
    parts = []
    for scheme in (first, *(s for s in offered if s != first)):
        attrs: dict[str, str | None] = ({"error": error, "description": description,
                                         "scope": scope} if scheme == first else {})
        parts.append(bearer_challenge(api.audience, **attrs) if scheme == "Bearer" else
                     dpop_challenge(api.audience, algs=api.dpop_verifier.algs, **attrs))
    return ", ".join(parts)


def _refuse(api: ProtectedResource, used: str | None, status: int, error: str, description: str,
            *, scope: str | None = None, headers: Mapping[str, str] | None = None) -> Response:
    """An RFC 6750 §3 error: the challenge in ``WWW-Authenticate``, the same in a JSON body."""
    challenge = _challenges(api, used, error=error, description=description, scope=scope)
    body: dict[str, Any] = {"error": error, "error_description": description}
    if scope is not None:
        body["scope"] = scope
    return json_response(status, body, {"WWW-Authenticate": challenge, **(headers or {})})


# -- the demo endpoints --------------------------------------------------------------------------------

_SKIES = ("sunny", "partly cloudy", "cloudy", "light rain", "showers", "windy", "fog")


def _forecast(request: Request, claims: VerifiedClaims) -> dict[str, Any]:
    """``GET /weather?city=...``: three days, the same every time for the same city."""
    city = dict(request.query).get("city") or "Amsterdam"
    digest = hashlib.sha256(city.encode("utf-8")).digest()
    days = [{"day": i + 1, "sky": _SKIES[digest[i] % len(_SKIES)],
             "high_c": 4 + digest[i + 3] % 20, "low_c": -2 + digest[i + 6] % 8} for i in range(3)]
    return {"city": city, "forecast": days}


def _update(request: Request, claims: VerifiedClaims) -> dict[str, Any]:
    """``POST /weather``: accepts a report and echoes it back, with who sent it."""
    fields = dict(request.form()) if request.is_form else {}
    return {"accepted": fields, "by": claims["sub"], "client_id": claims.get("client_id")}


def _me(request: Request, claims: VerifiedClaims) -> dict[str, Any]:
    """``GET /me``: whom the token speaks for — any valid token will do."""
    return {"sub": claims["sub"], "client_id": claims.get("client_id"),
            "scope": claims.get("scope", "")}


def default_routes() -> Routes:
    routes = Routes()
    routes.add("GET", "/weather", "weather:read", _forecast)
    routes.add("POST", "/weather", "weather:write", _update)
    routes.add("GET", "/me", None, _me)
    return routes

