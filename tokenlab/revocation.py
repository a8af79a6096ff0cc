"""Token revocation (RFC 7009) and introspection (RFC 7662).

Revocation: the client authenticates and names a token it holds. A refresh token ends its whole
family (its refresh tokens and live access tokens); an access token goes on the denylist until it
would have expired anyway. An unknown or malformed token still gets a success answer
(RFC 7009 §2.2: the client cannot do anything useful with an error), but a token belonging to
another client is refused.

Introspection: an authenticated caller (usually an API) asks "is this token active, and what
does it say?". Anything not active — expired, revoked, unknown, malformed — yields exactly
``{"active": False}``, so the answer leaks nothing about why (RFC 7662 §2.2).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import jwt

from .errors import InvalidClientError, InvalidRequestError, UnauthorizedClientError

if TYPE_CHECKING:
    from .authserver import AuthServer

__all__ = ["RevocationMixin"]

_NO_TIME_CHECKS = {"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                   "verify_aud": False, "require": ["exp", "iat", "jti", "client_id", "sub", "aud"]}


def _is_time(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


class RevocationMixin:
    """``revoke`` and ``introspect``, mixed into :class:`~tokenlab.authserver.AuthServer`."""

    def revoke(
        self: AuthServer,
        token: str,
        client_id: str,
        client_secret: str | None = None,
        token_type_hint: str | None = None,
    ) -> None:
        """Revoke ``token`` (RFC 7009 §2.1). ``token_type_hint`` may speed up the lookup; both
        kinds are tried either way, as §2.1 requires."""
        client = self.clients.authenticate(client_id, client_secret)
        if not isinstance(token, str):
            raise TypeError(f"token must be a string, not {type(token).__name__}")
        if not token:
            raise InvalidRequestError("token is empty: say which token to revoke (RFC 7009 §2.1)")
        if token_type_hint not in (None, "access_token", "refresh_token"):
            raise InvalidRequestError(
                f"token_type_hint {token_type_hint!r} is not 'access_token' or 'refresh_token'")
        with self._lock:
            now = self.clock.time()
            record = self.families.find_refresh_token(token)
            if record is not None:
                if record.client_id != client.client_id:
                    raise UnauthorizedClientError(
                        "this refresh token belongs to another client; a client may revoke only "
                        "its own tokens (RFC 7009 §2.1)")
                family = self.families.get(record.family_id)
                if family is not None and not family.revoked:
                    self.families.revoke(family, "revoked by the client (logout)", now)
                return
            claims = self._read_own_access_token(token)
            if claims is None:
                return  # unknown or malformed: success all the same (RFC 7009 §2.2)
            if claims["client_id"] != client.client_id:
                raise UnauthorizedClientError(
                    "this access token belongs to another client; a client may revoke only its "
                    "own tokens (RFC 7009 §2.1)")
            if claims["exp"] + self.families.denylist_leeway > now:
                self.families.deny(claims["jti"], claims["exp"])

    def introspect(
        self: AuthServer, token: str, client_id: str, client_secret: str | None
    ) -> dict[str, Any]:
        """Token introspection (RFC 7662 §2): the token's facts if active, else
        ``{"active": False}``."""
        if not client_secret:
            raise InvalidClientError(
                "introspection needs client authentication: give a client_secret (RFC 7662 §2.1)")
        self.clients.authenticate(client_id, client_secret)
        if not isinstance(token, str):
            raise TypeError(f"token must be a string, not {type(token).__name__}")
        if not token:
            raise InvalidRequestError("token is empty (RFC 7662 §2.1)")
        now = self.clock.time()
        record = self.families.find_refresh_token(token)
        if record is not None:
            family = self.families.get(record.family_id)
            if family is None or family.revoked or record.spent or now >= family.expires_at:
                return {"active": False}
            return {
                "active": True, "scope": " ".join(family.scopes), "client_id": family.client_id,
                "sub": family.subject, "exp": int(family.expires_at), "iat": int(record.issued_at),
                "iss": self.issuer, "aud": family.audience, "jti": record.token_id,
                "token_type": "refresh_token",
            }
        claims = self._read_own_access_token(token)
        if (claims is None or now >= claims["exp"]
                or ("nbf" in claims and now < claims["nbf"])
                or self.families.is_denied(claims["jti"])):
            return {"active": False}
        return {
            "active": True, "scope": claims.get("scope", ""), "client_id": claims["client_id"],
            "sub": claims["sub"], "exp": claims["exp"], "iat": claims["iat"],
            "iss": claims["iss"], "aud": claims["aud"], "jti": claims["jti"],
            "token_type": "Bearer",
        }

    def _read_own_access_token(self: AuthServer, token: str) -> dict[str, Any] | None:
        """The claims of an access token this server signed (signature and ``iss`` checked,
        times not), or ``None``."""
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            if not isinstance(kid, str) or str(header.get("typ", "")).lower() not in (
                    "at+jwt", "application/at+jwt"):
                return None
            key = self.keys.find(kid, self.clock.time())
            if key is None or header.get("alg") != key.algorithm:
                return None
            claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=[key.algorithm],
                                                issuer=self.issuer, options=_NO_TIME_CHECKS)  # type: ignore[arg-type]
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError):
            return None
        # Times must be finite NumericDates (a NaN exp would never expire), as the API checks.
        if (not _is_time(claims.get("exp")) or not _is_time(claims.get("iat"))
                or ("nbf" in claims and not _is_time(claims["nbf"]))
                or not isinstance(claims.get("jti"), str)):
            return None
        return claims
