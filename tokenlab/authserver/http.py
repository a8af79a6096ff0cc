"""The authorization server over HTTP: its endpoints, as :meth:`AuthServer.handle` serves them.

==============================================  =========================================
``POST /token``                                 the grants (RFC 6749 §3.2, §4, §6)
``POST /revoke``                                revocation (RFC 7009 §2)
``POST /introspect``                            introspection (RFC 7662 §2)
``GET /authorize``, ``POST /authorize``         the authorization endpoint (RFC 6749 §3.1)
``GET /.well-known/oauth-authorization-server``  metadata (RFC 8414 §3)
``GET /jwks.json``                              the public keys (RFC 7517 §5)
==============================================  =========================================

The paths come from :meth:`AuthServer.metadata`, so an issuer with a path component works; the
host of the request URL is ignored (it is all one process) — except by a DPoP proof's ``htu``,
which is compared with the token endpoint's own URL, not with whatever host a request names.

A token request with a ``DPoP`` header (RFC 9449 §5) has its proof checked first — ``POST`` to
the token endpoint, no access token — and a proof that fails is ``400 invalid_dpop_proof``
before any grant runs (nothing is spent); a server requiring nonces answers a proof without one
``400 use_dpop_nonce`` with the nonce in a ``DPoP-Nonce`` header (§8), and sends its current
nonce with every answer to a DPoP request (§8.2). A valid proof's key is what the tokens get
bound to (:meth:`~tokenlab.authserver.issuance.TokenIssuer.bound_to`).

Parameters sent without a value are treated as omitted, and a parameter sent twice is refused
(RFC 6749 §3.1, §3.2). The Python methods of :class:`~tokenlab.authserver.server.AuthServer` do
the work; this module translates between them and HTTP, reaching the server only through the
:class:`AuthorizationServer` protocol.

The authorization endpoint also plays the login page the user meets *at the authorization
server*: ``GET /authorize`` without credentials answers 200 with the page; the page posts
the request again, with ``username`` and ``password``, to ``POST /authorize`` (RFC 6749 §3.1
lets the endpoint accept POST). As a shortcut, ``username`` and ``password`` are also accepted
in the GET query — flagged, since a password in a URL ends up in logs and history.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from ..errors import (
    AccessDeniedError,
    InvalidClientError,
    InvalidRequestError,
    TokenError,
    UnsupportedGrantTypeError,
    UseDPoPNonceError,
)
from ..jose.dpop_verify import DPoPProofVerifier
from ..net.messages import Request, Response, json_response, outcome_of
from ..net.wire import Wire
from .authcode import AuthorizationRedirect, _redirect
from .clients import ClientRegistry
from .grants import Grant, require

__all__ = ["WELL_KNOWN", "AuthorizationServer", "handle", "parse_basic"]

#: RFC 8414 §3: where the metadata is served (plus the issuer's path, if it has one).
WELL_KNOWN = "/.well-known/oauth-authorization-server"
RECEIVER = "auth server"

_TEXT = "text/plain; charset=utf-8"
#: RFC 6749 §5.1: a response with tokens or credentials must not be cached.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: Credentials and grants that must travel in the body, never in the URL (RFC 6749 §2.3.1, §3.2).
_NOT_IN_URL = ("client_secret", "password", "refresh_token", "code", "code_verifier", "token")

NOTE_LOGIN_IN_URL = (
    "the user's password is in a URL query: it leaks into server logs, browser history and "
    "Referer headers — a login form posts it in the body (RFC 9110 §17.9)")
NOTE_CREDENTIAL_IN_URL = (
    "a credential or grant is in the URL query: it leaks into server logs, browser history and "
    "Referer headers; RFC 6749 §2.3.1 and §3.2 allow such parameters only in the body")
NOTE_PLAIN_HTTP = (
    "plain http: anyone on the network path reads the credentials and tokens; RFC 6749 §1.6 and "
    "§3.1/§3.2 require TLS at these endpoints")


class AuthorizationServer(Protocol):
    """What the HTTP layer needs of an authorization server (:class:`~.server.AuthServer` is
    one): its identity, its wire, its grants by ``grant_type``, and the Python calls behind the
    revocation, introspection and authorization endpoints."""

    issuer: str
    wire: Wire
    clients: ClientRegistry
    dpop_verifier: DPoPProofVerifier

    @property
    def grants(self) -> Mapping[str, Grant]: ...

    def bound_to(self, jkt: str | None) -> AbstractContextManager[None]: ...

    def metadata(self) -> dict[str, Any]: ...

    def jwks(self) -> dict[str, list[dict[str, Any]]]: ...

    def revoke(self, token: str, client_id: str, client_secret: str | None = None,
               token_type_hint: str | None = None) -> None: ...

    def introspect(self, token: str, client_id: str,
                   client_secret: str | None) -> dict[str, Any]: ...

    def authorize(self, client_id: str, redirect_uri: str | None = None, *, username: str,
                  password: str, scope: str | None = None, state: str | None = None,
                  code_challenge: str | None = None, code_challenge_method: str | None = None,
                  resource: str | None = None, response_type: str = "code",
                  nonce: str | None = None) -> AuthorizationRedirect: ...


Handler = Callable[["AuthorizationServer", Request, list[str]], Response]


def handle(auth: AuthorizationServer, request: Request, sender: str = "client") -> Response:
    """Answer ``request`` as the authorization server would, and record it on ``auth.wire``.

    Every fault of the request becomes an HTTP response: malformed input is a 400, never an
    exception (tests/test_fuzz_http.py sends hundreds of thousands of odd requests to check it).
    Only a ``request`` that is not a :class:`~tokenlab.net.messages.Request` at all raises ``TypeError``.
    A fault inside the server is not turned into the client's 400: RFC 6749 §5.2's
    ``invalid_request`` means "the request ... is otherwise malformed", and a Python message in
    it would show the client the server's internals — so such a fault raises, to be fixed.
    """
    if not isinstance(request, Request):
        raise TypeError(f"handle() takes a tokenlab.net.messages.Request, not {type(request).__name__}")
    notes: list[str] = []
    detail: str | None = None
    problem = request.malformed()
    if problem is not None:
        response = _error(InvalidRequestError(f"malformed request: {problem}"))
    else:
        if urlsplit(request.url).scheme == "http" and urlsplit(request.url).hostname not in (
                "localhost", "127.0.0.1", "::1"):
            notes.append(NOTE_PLAIN_HTTP)
        response, detail = _route(auth, request, notes)
    auth.wire.record(request, response, sender=sender, receiver=RECEIVER,
                     outcome=outcome_of(response, detail), notes=notes)
    return response


def _route(auth: AuthorizationServer, request: Request, notes: list[str]) -> tuple[Response, str | None]:
    meta = auth.metadata()
    issuer_path = urlsplit(auth.issuer).path.rstrip("/")
    routes: dict[str, dict[str, Handler]] = {
        urlsplit(meta["token_endpoint"]).path: {"POST": _token},
        urlsplit(meta["revocation_endpoint"]).path: {"POST": _revoke},
        urlsplit(meta["introspection_endpoint"]).path: {"POST": _introspect},
        urlsplit(meta["authorization_endpoint"]).path: {"GET": _authorize, "POST": _authorize},
        WELL_KNOWN + issuer_path: {"GET": _metadata},
        urlsplit(meta["jwks_uri"]).path: {"GET": _jwks},
    }
    methods = routes.get(request.path)
    if methods is None:
        return json_response(404, {"error": "not_found", "error_description":
                                   f"no endpoint at {request.path!r} on this server"}), None
    handler = methods.get(request.method)
    if handler is None:
        allow = ", ".join(methods)
        # RFC 9110 §15.5.6: a 405 names the methods that are allowed.
        return json_response(405, {"error": "method_not_allowed", "error_description":
                                   f"{request.path} accepts {allow}, not {request.method}"},
                             {"Allow": allow}), None
    response = handler(auth, request, notes)
    detail = None
    if request.path == urlsplit(meta["authorization_endpoint"]).path:
        detail = _authorize_outcome(response)
    return response, detail


# -- parameters and client authentication ----------------------------------------------------------


def _single_valued(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Parameters by name. Empty ones count as omitted; repeated ones are refused
    (RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted
    from the request ... Request and response parameters MUST NOT be included more than once")."""
    counts = Counter(name for name, _ in pairs)
    repeated = sorted(n for n, c in counts.items() if c > 1)
    if repeated:
        raise InvalidRequestError(
            f"parameter {repeated[0]!r} is sent {counts[repeated[0]]} times; each parameter may "
            "appear once (RFC 6749 §3.1, §3.2)")
    return {name: value for name, value in pairs if value}


def _form_params(request: Request, notes: list[str]) -> dict[str, str]:
    """The form fields of a POST to the token, revocation or introspection endpoint."""
    leaked = sorted({n for n, _ in request.query if n in _NOT_IN_URL})
    if leaked:
        notes.append(NOTE_CREDENTIAL_IN_URL)
        raise InvalidRequestError(
            f"{leaked[0]} was sent in the URL query; it belongs in the form body "
            "(RFC 6749 §2.3.1, §3.2)")
    if not request.is_form:
        raise InvalidRequestError(
            "the parameters must come in an application/x-www-form-urlencoded body "
            "(RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1)")
    return _single_valued(request.form())


def parse_basic(header: str) -> tuple[str, str]:
    """``(client_id, client_secret)`` from ``Basic <base64>``: RFC 6749 §2.3.1 form-urlencodes
    each part before RFC 7617 joins them with ``:`` and base64-encodes them."""
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "basic":
        # A one-word value is no scheme but a bare credential (an API key, a secret): never
        # echo it back.
        named = f"the {scheme!r} scheme" if credentials.strip() else "no scheme (a bare value)"
        raise InvalidClientError(
            f"the Authorization header uses {named}; this endpoint authenticates clients with "
            "HTTP Basic (RFC 6749 §2.3.1)")
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidClientError("the Basic credentials are not valid base64 of UTF-8 text "
                                 "(RFC 7617 §2)") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClientError("the Basic credentials lack the ':' between client_id and "
                                 "secret (RFC 7617 §2)")
    return unquote_plus(client_id), unquote_plus(secret)


def _client(request: Request, params: dict[str, str]) -> tuple[str, str | None]:
    """The client's id and secret, from HTTP Basic or the body — never both (RFC 6749 §2.3)."""
    header = request.headers.get("Authorization")
    if header is not None:
        client_id, secret = parse_basic(header)
        if "client_secret" in params:
            raise InvalidRequestError(
                "the client authenticated twice, with HTTP Basic and client_secret in the body; "
                "a client MUST NOT use more than one method (RFC 6749 §2.3)")
        if params.get("client_id", client_id) != client_id:
            raise InvalidRequestError("client_id in the body differs from the one in HTTP Basic")
        return client_id, secret
    client_id = params.get("client_id")
    if client_id is None:
        raise InvalidClientError(
            "no client authentication: send HTTP Basic, or client_id (and client_secret, for a "
            "confidential client) in the body (RFC 6749 §2.3.1)")
    return client_id, params.get("client_secret")


def _error(err: TokenError, realm: str | None = None,
           extra: Mapping[str, str] | None = None) -> Response:
    """The JSON error of RFC 6749 §5.2: 400, or 401 with a Basic challenge for ``invalid_client``.

    RFC 6749 §5.2 requires 401 and ``WWW-Authenticate`` when the client used HTTP Basic; a 401
    always carries a challenge (RFC 9110 §11.6.1), which also tells a client that posted its
    credentials in the body which scheme the server supports. ``extra``: more header fields
    (the ``DPoP-Nonce`` of a DPoP request, RFC 9449 §8).
    """
    headers: dict[str, str] = {**_NO_STORE, **(extra or {})}
    if err.error == InvalidClientError.error:
        headers["WWW-Authenticate"] = f'Basic realm="{realm or "token endpoint"}"'
        return json_response(401, err.to_dict(), headers)
    return json_response(400, err.to_dict(), headers)


# -- POST /token, /revoke, /introspect -----------------------------------------------------------------


def _token(auth: AuthorizationServer, request: Request, notes: list[str]) -> Response:
    """RFC 6749 §3.2: the token endpoint; ``grant_type`` picks one of the server's grants. With a
    ``DPoP`` header (RFC 9449 §5) the proof is checked before the grant runs, and the grant runs
    bound to the proof's key."""
    dpop = "DPoP" in request.headers
    try:
        params = _form_params(request, notes)
        grant = auth.grants.get(params.get("grant_type", ""))
        if grant is not None and grant.wire_note:
            notes.append(grant.wire_note)
        (grant_type,) = require(params, "grant_type")
        client_id, secret = _client(request, params)
        if grant is None:
            known = list(auth.grants)
            raise UnsupportedGrantTypeError(
                f"grant_type {grant_type!r} is not supported here; this server knows "
                f"{', '.join(known[:-1])} and {known[-1]} (RFC 6749 §5.2)" if len(known) > 1 else
                f"grant_type {grant_type!r} is not supported here; this server knows "
                f"{''.join(known) or 'none'} (RFC 6749 §5.2)")
        jkt = None
        if dpop:  # §4.3: POST to this endpoint's own URL, no access token, no ath
            jkt = auth.dpop_verifier.verify(
                request.headers, "POST", auth.metadata()["token_endpoint"]).jkt
        with auth.bound_to(jkt):
            token = grant.token_request(params, client_id, secret)
    except UseDPoPNonceError as err:
        return _error(err, auth.issuer, {"DPoP-Nonce": err.nonce})
    except TokenError as err:
        return _error(err, auth.issuer, _current_nonce(auth, dpop))
    return json_response(200, token.to_dict(), {**_NO_STORE, **_current_nonce(auth, dpop)})


def _current_nonce(auth: AuthorizationServer, dpop: bool) -> dict[str, str]:
    """RFC 9449 §8.2: a server requiring nonces "MAY supply the new nonce" in any answer; here it
    sends its current one with every answer to a DPoP request, so a client keeps the latest."""
    nonces = auth.dpop_verifier.nonces
    return {"DPoP-Nonce": nonces.current()} if dpop and nonces is not None else {}


def _revoke(auth: AuthorizationServer, request: Request, notes: list[str]) -> Response:
    """RFC 7009 §2: revoke a token; 200 with an empty body, also for an unknown token (§2.2)."""
    try:
        params = _form_params(request, notes)
        (token,) = require(params, "token")
        client_id, secret = _client(request, params)
        auth.revoke(token, client_id, secret, token_type_hint=params.get("token_type_hint"))
    except TokenError as err:
        return _error(err, auth.issuer)
    return Response(200)


def _introspect(auth: AuthorizationServer, request: Request, notes: list[str]) -> Response:
    """RFC 7662 §2: the caller authenticates and learns whether the token is active."""
    try:
        params = _form_params(request, notes)
        (token,) = require(params, "token")
        client_id, secret = _client(request, params)
        answer = auth.introspect(token, client_id, secret)
    except TokenError as err:
        return _error(err, auth.issuer)
    return json_response(200, answer, _NO_STORE)


# -- discovery -------------------------------------------------------------------------------------


def _metadata(auth: AuthorizationServer, request: Request, notes: list[str]) -> Response:
    return json_response(200, auth.metadata())


def _jwks(auth: AuthorizationServer, request: Request, notes: list[str]) -> Response:
    return json_response(200, auth.jwks())


# -- the authorization endpoint -------------------------------------------------------------------


def _page(status: int, text: str) -> Response:
    return Response(status, {"Content-Type": _TEXT, "Cache-Control": "no-store"}, text)


def _authorize(auth: AuthorizationServer, request: Request, notes: list[str]) -> Response:
    """RFC 6749 §4.1.1-§4.1.2: log the user in and redirect with a code, or with an error."""
    pairs = list(request.query)
    if request.method == "POST":
        if not request.is_form:
            return _page(400, "Error: the login form posts an "
                              "application/x-www-form-urlencoded body (RFC 6749 §3.1).")
        pairs += request.form()
    counts = Counter(name for name, _ in pairs)
    params = {name: value for name, value in pairs if value}
    if request.method == "GET" and "password" in params:
        notes.append(NOTE_LOGIN_IN_URL)
    # 1. The client and the redirect URI: on failure, tell the user and do NOT redirect
    #    (RFC 6749 §4.1.2.1) — the browser must not be sent to an unverified address.
    if counts["client_id"] > 1 or counts["redirect_uri"] > 1:
        return _page(400, "Error: invalid_request — client_id or redirect_uri is repeated "
                          "(RFC 6749 §3.1). The browser is not redirected.")
    client_id = params.get("client_id")
    client = auth.clients.get(client_id) if client_id else None
    if client is None:
        return _page(400, f"Error: invalid_request — unknown or missing client_id {client_id!r}. "
                          "The browser is not redirected (RFC 6749 §4.1.2.1).")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None and len(client.redirect_uris) == 1:
        redirect_uri = client.redirect_uris[0]
    if redirect_uri is None or redirect_uri not in client.redirect_uris:
        why = ("redirect_uri is missing and the client registered "
               f"{len(client.redirect_uris)} of them" if redirect_uri is None else
               f"redirect_uri {redirect_uri!r} is not registered for this client, character for "
               "character (RFC 9700 §2.1)")
        return _page(400, f"Error: invalid_request — {why}. The browser is not redirected "
                          "(RFC 6749 §4.1.2.1).")
    # 2. Everything else is reported to the client on the redirect, with the state.
    state = params.get("state") if counts["state"] == 1 else None
    repeated = sorted(n for n, c in counts.items() if c > 1)
    if repeated:
        return _to(_redirect(redirect_uri, error="invalid_request", state=state,
                             error_description=f"parameter {repeated[0]!r} is repeated "
                                               "(RFC 6749 §3.1)").location)
    if "response_type" not in params:
        return _to(_redirect(redirect_uri, error="invalid_request", state=state,
                             error_description="response_type is required (RFC 6749 §4.1.1)"
                             ).location)
    username, password = params.get("username"), params.get("password")
    if username is None or password is None:
        missing = "" if username is None and password is None else (
            "Enter both your user name and your password.\n")
        return _page(200, _login_page(auth, client.name, params, missing))
    try:
        redirect = auth.authorize(
            client.client_id, redirect_uri, username=username, password=password,
            scope=params.get("scope"), state=state, code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
            resource=params.get("resource"), response_type=params["response_type"],
            nonce=params.get("nonce"))
    except AccessDeniedError as err:
        return _page(200, _login_page(auth, client.name, params, err.description + "\n"))
    except TokenError as err:  # not reached after the checks above; never redirect on doubt
        return _page(400, f"Error: {err.error} — {err.description}")
    return _to(redirect.location)


def _to(location: str) -> Response:
    """RFC 6749 §4.1.2: send the browser back to the client with a 302."""
    return Response(302, {"Location": location, "Cache-Control": "no-store"})


def _login_page(auth: AuthorizationServer, client_name: str, params: dict[str, str], message: str) -> str:
    scope = params.get("scope", "everything it is registered for")
    return (f"{message}Sign in to {auth.issuer}\n"
            f"{client_name!r} asks for: {scope}\n"
            "[user name] [password] → POST /authorize (the app never sees what you type here)")


def _authorize_outcome(response: Response) -> str | None:
    if response.status == 302:
        location = response.headers.get("Location", "")
        query = dict(parse_qsl(urlsplit(location).query))
        if "error" in query:
            return f"Found: redirect with error={query['error']}"
        return "Found: redirect with a code"
    if response.status == 200 and isinstance(response.body, str):
        first = response.body.splitlines()[0]
        return "OK: login page" + ("" if first.startswith("Sign in") else f" ({first})")
    if response.status == 400 and isinstance(response.body, str):
        return f"Bad Request, no redirect: {response.body.removeprefix('Error: ')}"
    return None
