"""The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636, RFC 9700 §2.1.1).

1. The app sends the user's browser to ``/authorize`` with its ``client_id``, an exact
   registered ``redirect_uri``, a ``state`` and a PKCE ``code_challenge`` (S256).
2. The user logs in *at the authorization server* — the app never sees the password — and the
   browser is redirected back with a short-lived, single-use ``code`` and the same ``state``.
3. The app exchanges the code, with its ``code_verifier``, for tokens at the token endpoint.

With ``openid`` in the scope the login is also an OpenID Connect authentication: the
``nonce`` sent to ``/authorize`` (Core §3.1.2.1) and the time the user logged in are kept with
the code, and the token response carries an ID token too (Core §3.1.3.3).

A code presented twice is refused, and the tokens already issued from it are revoked
(RFC 6749 §4.1.2). Public clients must use PKCE; a verifier is refused for a code issued
without a challenge (a PKCE downgrade, RFC 9700 §2.1.1), and a missing one when a challenge
was sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ..clock import format_duration, format_time
from ..errors import (
    AccessDeniedError,
    ExpiredTokenError,
    InvalidGrantError,
    InvalidRequestError,
    TokenError,
    UnsupportedResponseTypeError,
)
from ..jose.idtoken import OPENID
from ..jose.tokens import TokenResponse
from ..sqlite_store import storable
from .grants import require
from .issuance import TokenIssuer
from .pkce import S256, check_verifier, is_valid_challenge
from .refresh import token_hash

__all__ = ["CODE", "AuthorizationCodeGrant", "AuthorizationRedirect", "CodeRecord"]

CODE = "authorization_code"


@dataclass(frozen=True, slots=True)
class AuthorizationRedirect:
    """Where the authorization server sends the browser back: the ``redirect_uri`` with either
    ``code`` and ``state``, or ``error`` and ``state`` (RFC 6749 §4.1.2, §4.1.2.1)."""

    location: str

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.location).query).items()}

    @property
    def code(self) -> str | None:
        return self.params.get("code")

    @property
    def state(self) -> str | None:
        return self.params.get("state")

    @property
    def error(self) -> str | None:
        return self.params.get("error")

    @property
    def error_description(self) -> str | None:
        return self.params.get("error_description")

    def __repr__(self) -> str:
        p = self.params
        if "code" in p:
            p["code"] = p["code"][:6] + "…"
        return f"AuthorizationRedirect({urlsplit(self.location)._replace(query='').geturl()}, {p})"


@storable("authorization_code")
@dataclass(frozen=True, slots=True)
class CodeRecord:
    """An issued code, stored under its SHA-256. Immutable: spending it writes a new record.

    ``user_version`` is the user's password version when they logged in: a password change
    before the exchange voids the code (RFC 9700 §4.14.2). ``nonce`` and ``auth_time`` (when the
    user logged in) go into the ID token of an ``openid`` login (OpenID Connect Core §2).
    """

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    subject: str
    audience: str
    challenge: str | None
    expires_at: float
    user_version: int
    used: bool = False
    family_id: str | None = None
    nonce: str | None = None
    auth_time: float | None = None


def _redirect(redirect_uri: str, **params: str | None) -> AuthorizationRedirect:
    """``redirect_uri`` with ``params`` added to its query, which "MUST be retained"
    (RFC 6749 §3.1.2) — also when it is empty (``cb?``) or ends in ``&``."""
    parts = urlsplit(redirect_uri)
    added = urlencode({k: v for k, v in params.items() if v is not None})
    kept = parts.query.rstrip("&")
    return AuthorizationRedirect(urlunsplit(parts._replace(query=f"{kept}&{added}" if kept else added)))


class AuthorizationCodeGrant:
    """The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636): :meth:`authorize` at
    the authorization endpoint, :meth:`exchange` at the token endpoint (``grant_type``
    ``authorization_code``). Receives the :class:`~.issuance.TokenIssuer` it shares with the
    other grants."""

    grant_type: ClassVar[str] = "authorization_code"
    wire_note: ClassVar[str | None] = None

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def token_request(self, params: Mapping[str, str], client_id: str,
                      client_secret: str | None) -> TokenResponse:
        # RFC 6749 §4.1.3 needs redirect_uri when the authorization request carried one; this
        # server requires it always (its records keep the resolved URI).
        code, redirect_uri = require(params, "code", "redirect_uri")
        return self.exchange(code, client_id, client_secret, redirect_uri=redirect_uri,
                             code_verifier=params.get("code_verifier"))

    def authorize(
        self,
        client_id: str,
        redirect_uri: str | None = None,
        *,
        username: str,
        password: str,
        scope: str | Iterable[str] | None = None,
        state: str | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
        resource: str | None = None,
        response_type: str = "code",
        nonce: str | None = None,
    ) -> AuthorizationRedirect:
        """The authorization endpoint: the user logs in here and is redirected with a code.

        ``nonce`` (OpenID Connect Core §3.1.2.1) is passed through unmodified to the ID token of
        an ``openid`` login, so the client can tell its own login's ID token from a replayed one.

        A bad ``client_id`` or ``redirect_uri`` raises (the browser must not be sent to an
        unverified address, RFC 6749 §4.1.2.1); a wrong password raises
        :class:`~tokenlab.errors.AccessDeniedError` (the login page would ask again). Every other
        problem comes back as an ``error`` on the redirect, with the ``state``.
        """
        i = self.issuer
        for name, value in (("client_id", client_id), ("username", username),
                            ("password", password)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string, not {type(value).__name__}")
        if nonce is not None and not isinstance(nonce, str):
            raise TypeError(f"nonce must be a string, not {type(nonce).__name__}")
        client = i.clients.get(client_id)
        if client is None:
            raise InvalidRequestError(f"unknown client_id {client_id!r}: nothing is redirected")
        if redirect_uri is None:
            if len(client.redirect_uris) != 1:
                raise InvalidRequestError(
                    "redirect_uri is required: the client registered "
                    f"{len(client.redirect_uris)} redirect URIs (RFC 6749 §3.1.2.3)")
            redirect_uri = client.redirect_uris[0]
        if redirect_uri not in client.redirect_uris:
            raise InvalidRequestError(
                f"redirect_uri {redirect_uri!r} is not registered for this client, character for "
                "character; refusing to redirect there (RFC 9700 §2.1, §4.1)")
        try:
            if response_type != "code":
                raise UnsupportedResponseTypeError(
                    f"response_type {response_type!r} is not supported; only 'code' is "
                    "(the implicit flow is deprecated, RFC 9700 §2.1.2)")
            if code_challenge is None:
                if code_challenge_method is not None:
                    raise InvalidRequestError("code_challenge_method given without code_challenge")
                if client.public:
                    raise InvalidRequestError(
                        "a public client must send a PKCE code_challenge (RFC 9700 §2.1.1)")
            else:
                if (code_challenge_method or "plain") != S256:
                    raise InvalidRequestError(
                        f"code_challenge_method {code_challenge_method!r} is not supported; use "
                        "'S256' ('plain' protects nothing once the challenge leaks)")
                if not is_valid_challenge(code_challenge):
                    raise InvalidRequestError(
                        "code_challenge must be BASE64URL(SHA256(code_verifier)): 43 characters "
                        "(RFC 7636 §4.2)")
            if nonce == "":
                raise InvalidRequestError("nonce is empty: send a fresh random value, or leave "
                                          "it out (OpenID Connect Core §3.1.2.1)")
            scopes = i.grant_scopes(client.scopes, scope, client_id)
            if OPENID in scopes:
                i.check_id_tokens_possible()
            audience = i.audience(resource)
        except TokenError as err:
            return _redirect(redirect_uri, error=err.error, error_description=err.description,
                             state=state)
        user = i.users.authenticate(username, password)
        if user is None:
            raise AccessDeniedError("wrong user name or password: the login page asks again")
        with i.lock:
            if not i.users.is_current(user):
                raise AccessDeniedError(
                    "the password changed while this login was being checked: the login page "
                    "asks again, for the new password (RFC 9700 §4.14.2)")
            now = i.clock.time()
            code = i.random.token_urlsafe("authorization_code", 32)
            record = CodeRecord(client.client_id, redirect_uri, scopes, user.username, audience,
                                code_challenge, now + i.code_ttl, user.version, nonce=nonce,
                                auth_time=now)
            i.store.put(CODE, token_hash(code), record, until=record.expires_at)
        return _redirect(redirect_uri, code=code, state=state)

    def exchange(
        self,
        code: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        redirect_uri: str,
        code_verifier: str | None = None,
    ) -> TokenResponse:
        """The token request of the code flow (RFC 6749 §4.1.3): code (+ PKCE verifier) → tokens."""
        i = self.issuer
        client = i.clients.authenticate(client_id, client_secret)
        for name, value in (("code", code), ("redirect_uri", redirect_uri)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string, not {type(value).__name__}")
            if not value:
                raise InvalidRequestError(f"{name} is empty")
        if code_verifier is not None and not isinstance(code_verifier, str):
            raise TypeError("code_verifier must be a string")
        with i.lock:
            now = i.clock.time()
            record = i.store.get(CODE, token_hash(code))
            if not isinstance(record, CodeRecord):
                raise InvalidGrantError("unknown authorization code (never issued, or expired)")
            if record.client_id != client.client_id:
                raise InvalidGrantError("this code was issued to another client")
            if record.used:
                revoked = 0
                family = i.families.get(record.family_id) if record.family_id else None
                if family is not None and not family.revoked:
                    revoked = i.families.revoke(family, "authorization code reused", now)
                raise InvalidGrantError(
                    "this code was already used; the tokens issued from it are now revoked "
                    f"(access tokens not expired yet: {revoked}) (RFC 6749 §4.1.2)")
            if now >= record.expires_at:
                raise ExpiredTokenError(
                    f"the code expired {format_duration(now - record.expires_at)} ago, at "
                    f"{format_time(record.expires_at)}; codes live {i.code_ttl} s",
                    exp=record.expires_at, now=now, error="invalid_grant", status=400)
            if redirect_uri != record.redirect_uri:
                raise InvalidGrantError(
                    "redirect_uri differs from the one in the authorization request "
                    "(RFC 6749 §4.1.3)")
            if record.challenge is not None:
                if code_verifier is None:
                    raise InvalidGrantError(
                        "code_verifier missing: this code was issued with a PKCE challenge "
                        "(RFC 7636 §4.5)")
                if not check_verifier(code_verifier, record.challenge):
                    raise InvalidGrantError(
                        "code_verifier does not match the code_challenge (RFC 7636 §4.6)")
            elif code_verifier is not None:
                raise InvalidGrantError(
                    "a code_verifier was sent for a code issued without a code_challenge: "
                    "refused as a possible PKCE downgrade (RFC 9700 §2.1.1)")
            user = i.users.get(record.subject)
            if user is None or user.version != record.user_version:
                raise InvalidGrantError(
                    "the user's password changed after this code was issued, so the code is "
                    "void: log in again (RFC 9700 §4.14.2)")
            openid = OPENID in record.scopes
            if openid:
                i.check_id_tokens_possible()  # before anything is issued
            response = i.issue_with_refresh(client, record.subject, record.scopes,
                                                record.audience, user=user)
            if openid:  # OpenID Connect Core §3.1.3.3: the response carries an ID token too
                response = replace(response, id_token=i.id_token(
                    client_id=client.client_id, subject=record.subject,
                    access_token=response.access_token, nonce=record.nonce,
                    auth_time=record.auth_time))
            issued = i.families.find_refresh_token(response.refresh_token or "")
            spent = replace(record, used=True, family_id=issued.family_id if issued else None)
            # Keep the spent code while its tokens may live, to recognise a replay.
            i.store.put(CODE, token_hash(code), spent, until=now + i.refresh_ttl)
            return response
