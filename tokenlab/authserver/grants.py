"""The grants of the token endpoint (RFC 6749 §4, §6), each a small object the server composes.

A grant has a ``grant_type`` and answers a token request (:meth:`Grant.token_request`: the form
parameters and the client's credentials → a :class:`~tokenlab.jose.tokens.TokenResponse`); the
server routes ``grant_type`` to it, as Authlib's ``AuthorizationServer.register_grant`` does.
Each grant receives a :class:`~.issuance.TokenIssuer` — the state and the token minting they
share — and never the server itself. The authorization code grant lives in :mod:`.authcode`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar, Protocol, runtime_checkable

from ..clock import format_duration, format_time
from ..errors import (
    ExpiredTokenError,
    InvalidGrantError,
    InvalidRequestError,
    RefreshTokenReuseError,
    UnauthorizedClientError,
)
from ..jose.tokens import TokenResponse
from .issuance import TokenIssuer

__all__ = ["ClientCredentialsGrant", "Grant", "PasswordGrant", "RefreshTokenGrant", "require"]

#: What the wire notes about a password grant (shown next to every such request).
NOTE_ROPC_GRANT = (
    "the app collected the user's password and sent it to the token endpoint (password grant): "
    "RFC 9700 §2.4 says it MUST NOT be used — use the authorization code flow with PKCE")


@runtime_checkable
class Grant(Protocol):
    """One grant type of the token endpoint."""

    #: The ``grant_type`` value that selects it (RFC 6749 §4).
    grant_type: ClassVar[str]
    #: A warning the wire shows next to every request of this grant, or ``None``.
    wire_note: ClassVar[str | None]

    def token_request(self, params: Mapping[str, str], client_id: str,
                      client_secret: str | None) -> TokenResponse:
        """Answer a token request: ``params`` are the form fields (empty ones count as omitted),
        the client's credentials come from HTTP Basic or the body. Raises a
        :class:`~tokenlab.errors.TokenError` for every refusal."""
        ...


def require(params: Mapping[str, str], *names: str) -> list[str]:
    """The values of the required parameters ``names``; ``invalid_request`` names the first
    missing one (RFC 6749 §5.2)."""
    missing = [n for n in names if n not in params]
    if missing:
        raise InvalidRequestError(f"parameter {missing[0]!r} is missing")
    return [params[n] for n in names]


class ClientCredentialsGrant:
    """RFC 6749 §4.4: an app gets a token for itself — no user, no refresh token (§4.4.3)."""

    grant_type: ClassVar[str] = "client_credentials"
    wire_note: ClassVar[str | None] = None

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def token_request(self, params: Mapping[str, str], client_id: str,
                      client_secret: str | None) -> TokenResponse:
        return self.issue(client_id, client_secret, params.get("scope"), params.get("resource"))

    def issue(self, client_id: str, client_secret: str | None,
              scope: str | Iterable[str] | None = None, resource: str | None = None,
              ) -> TokenResponse:
        """``scope`` omitted means every scope the client is registered for (RFC 6749 §3.3 lets
        the server pick a documented default); ``resource`` (RFC 8707) becomes the ``aud``."""
        i = self.issuer
        client = i.clients.authenticate(client_id, client_secret)
        if client.public:
            raise UnauthorizedClientError(
                f"client {client_id!r} is public: it has no secret to prove who it is, so it may "
                "not use the client credentials grant (RFC 6749 §4.4)"
            )
        scopes = i.grant_scopes(client.scopes, scope, client_id)
        audience = i.audience(resource)
        return i.issue(subject=client.client_id, client_id=client.client_id, audience=audience,
                       scopes=scopes)


class PasswordGrant:
    """RFC 6749 §4.3, the resource owner password credentials grant — **deprecated**.

    The app collects the user's password and sends it here. It is kept because it is exactly
    the "7-step login" of the beginner's article, but RFC 9700 §2.4 says it MUST NOT be used:
    the app sees the password, the user cannot be asked for a second factor or consent, and it
    trains users to type passwords into apps. Use the authorization code flow with PKCE.
    """

    grant_type: ClassVar[str] = "password"
    wire_note: ClassVar[str | None] = NOTE_ROPC_GRANT

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def token_request(self, params: Mapping[str, str], client_id: str,
                      client_secret: str | None) -> TokenResponse:
        username, password = require(params, "username", "password")
        return self.issue(client_id, client_secret, username, password,
                          scope=params.get("scope"), resource=params.get("resource"))

    def issue(self, client_id: str, client_secret: str | None, username: str, password: str,
              scope: str | Iterable[str] | None = None, resource: str | None = None,
              ) -> TokenResponse:
        i = self.issuer
        client = i.clients.authenticate(client_id, client_secret)
        for name, value in (("username", username), ("password", password)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string, not {type(value).__name__}")
            if not value:
                raise InvalidRequestError(f"{name} is empty")
        scopes = i.grant_scopes(client.scopes, scope, client_id)
        audience = i.audience(resource)
        user = i.users.authenticate(username, password)
        if user is None:
            raise InvalidGrantError("wrong user name or password")
        return i.issue_with_refresh(client, user.username, scopes, audience, user=user)


class RefreshTokenGrant:
    """RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14.2).

    With the issuer's ``rotate_refresh_tokens`` off, a refresh returns a new access token and the
    same refresh token, unspent (RFC 6749 §6: the server "MAY issue a new refresh token"): it
    works any number of times, by anyone holding a copy, until the family's absolute expiry or a
    revocation — there is no reuse to detect. Scope and DPoP binding rules are the same.

    The presented refresh token is spent and a new one issued in the same family, with the
    family's absolute expiry. A spent token presented again raises
    :class:`~tokenlab.errors.RefreshTokenReuseError` and revokes the family. ``scope`` may
    narrow, never widen, the original grant. A refresh token bound to a DPoP key (a public
    client's, RFC 9449 §5) is refused without a proof by that key — before reuse detection, so
    someone without the key can neither use it nor, by presenting a spent one, end the login.
    """

    grant_type: ClassVar[str] = "refresh_token"
    wire_note: ClassVar[str | None] = None

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def token_request(self, params: Mapping[str, str], client_id: str,
                      client_secret: str | None) -> TokenResponse:
        (refresh_token,) = require(params, "refresh_token")
        return self.refresh(refresh_token, client_id, client_secret, scope=params.get("scope"))

    def refresh(self, refresh_token: str, client_id: str, client_secret: str | None = None,
                scope: str | Iterable[str] | None = None) -> TokenResponse:
        i = self.issuer
        client = i.clients.authenticate(client_id, client_secret)
        if not isinstance(refresh_token, str):
            raise TypeError(f"refresh_token must be a string, not {type(refresh_token).__name__}")
        if not refresh_token:
            raise InvalidRequestError("refresh_token is empty")
        with i.lock:  # check-and-spend is atomic: of two concurrent uses, one wins
            now = i.clock.time()
            record = i.families.find_refresh_token(refresh_token)
            family = i.families.get(record.family_id) if record is not None else None
            if record is None or family is None:
                raise InvalidGrantError("unknown refresh token (never issued, or expired and purged)")
            if record.client_id != client.client_id:
                raise InvalidGrantError(
                    f"this refresh token was issued to another client, not {client_id!r} "
                    "(RFC 6749 §6: refresh tokens are bound to their client)")
            if family.revoked:
                raise InvalidGrantError(f"this refresh token was revoked ({family.revoked_reason})")
            if now >= family.expires_at:
                raise ExpiredTokenError(
                    f"the login behind this refresh token expired "
                    f"{format_duration(now - family.expires_at)} ago, at "
                    f"{format_time(family.expires_at)}; rotation never extends it: log in again",
                    exp=family.expires_at, now=now, error="invalid_grant", status=400)
            # RFC 9449 §5, before reuse detection: a request without the key changes nothing.
            i.check_refresh_binding(family)
            if record.spent:
                revoked = i.families.revoke(family, "refresh token reused", now)
                raise RefreshTokenReuseError(
                    "this refresh token was already exchanged; a copy exists, so the whole family "
                    "is revoked: its refresh tokens (RFC 9700 §4.14.2) and, by tokenlab's policy, "
                    f"its access tokens not expired yet ({revoked} revoked)",
                    family_id=family.family_id)
            scopes = family.scopes
            if scope is not None:
                scopes = i.grant_scopes(family.scopes, scope, client_id)
            if not i.rotate_refresh_tokens:
                return i.issue_in_family(family, scopes, refresh_token=refresh_token)
            i.families.spend(refresh_token, record, family)
            return i.issue_in_family(family, scopes)
