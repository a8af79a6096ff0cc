"""Issuing JWT access tokens (RFC 9068) and the token endpoint's response (RFC 6749 §5.1).

A token bound to a client's DPoP key carries the key's thumbprint in ``cnf.jkt`` (RFC 9449 §6.1)
and is answered with ``token_type`` ``DPoP`` (§5); any other token is a ``Bearer`` token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..randomness import RandomSource
from .keys import KeyRing

__all__ = ["ACCESS_TOKEN_TYP", "BEARER", "DPOP", "TokenResponse", "issue_access_token", "shorten"]

#: RFC 9068 §2.1: JWT access tokens carry ``typ: at+jwt`` so they cannot pass for ID tokens.
ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105 - a media type, not a secret
#: The token types (RFC 6749 §7.1) of a token response: RFC 6750's, and RFC 9449 §5's for a
#: token bound to the client's DPoP key.
BEARER = "Bearer"
DPOP = "DPoP"


def shorten(token: str | None, keep: int = 12) -> str | None:
    """``'eyJhbGciOiJF…Xk2Q'``: enough to tell tokens apart, not enough to use one."""
    if token is None or len(token) <= 2 * keep:
        return token
    return f"{token[:keep]}…{token[-4:]}"


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A successful token response (RFC 6749 §5.1).

    ``refresh_token`` is ``None`` when none is issued — always for client credentials
    (RFC 6749 §4.4.3). ``id_token`` is the OpenID Connect ID token of a code-flow login with
    ``openid`` in the scope (OpenID Connect Core §3.1.3.3), ``None`` otherwise; the JSON body and
    the repr name it only when there is one. The repr shortens tokens; the attributes hold them
    whole.
    """

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"  # noqa: S105 - RFC 6750 token type
    refresh_token: str | None = None
    id_token: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON body the token endpoint sends."""
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body

    def __repr__(self) -> str:
        return (
            f"TokenResponse(access_token={shorten(self.access_token)!r}, "
            f"token_type={self.token_type!r}, expires_in={self.expires_in}, "
            f"scope={self.scope!r}, refresh_token={shorten(self.refresh_token)!r}"
            + ("" if self.id_token is None else f", id_token={shorten(self.id_token)!r}")
            + ")"
        )


def issue_access_token(
    keys: KeyRing,
    random: RandomSource,
    *,
    issuer: str,
    subject: str,
    audience: str,
    client_id: str,
    scopes: tuple[str, ...],
    ttl: int,
    now: float,
    jkt: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Sign a JWT access token with the RFC 9068 §2.2 claims; returns ``(token, claims)``.

    ``jkt``: the thumbprint of the client's DPoP key, to bind the token to it with the
    confirmation claim ``cnf: {"jkt": ...}`` (RFC 9449 §6.1, RFC 7800 §3.1)."""
    iat = math.floor(now)
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "exp": iat + ttl,
        "iat": iat,
        "jti": random.token_urlsafe("jti", 16),
        "client_id": client_id,
        "scope": " ".join(scopes),
    }
    if jkt is not None:
        claims["cnf"] = {"jkt": jkt}
    return keys.sign(claims, typ=ACCESS_TOKEN_TYP), claims
