"""Token revocation (RFC 7009) and introspection (RFC 7662).

Revocation: the client authenticates and names a token it holds. A refresh token ends its whole
family (its refresh tokens and live access tokens); an access token goes on the denylist until it
would have expired anyway. An unknown or malformed token still gets a success answer
(RFC 7009 §2.2: the client cannot do anything useful with an error), but a token belonging to
another client is refused.

Introspection: an authenticated caller (usually an API) asks "is this token active, and what
does it say?". Anything not active — expired, revoked, unknown, malformed — yields exactly
``{"active": False}``, so the answer leaks nothing about why (RFC 7662 §2.2).

Which access tokens are this server's, and valid, is decided by the APIs' own
:meth:`~tokenlab.jose.verify.Verifier.validate` — the same rules (typ, header, claims, iss, times,
scope type), with this server's keys, no leeway, and ``aud`` one of its registered APIs — so
introspection cannot call a token active that every API refuses.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidClientError, InvalidRequestError, TokenError, UnauthorizedClientError
from ..jose.policy import VerifierPolicy
from ..jose.tokens import BEARER, DPOP
from ..jose.verify import VerifiedClaims, Verifier
from .clients import _ClientRecord
from .issuance import TokenIssuer

__all__ = ["Introspection", "Revocation", "own_access_token"]

_HINTS = (None, "access_token", "refresh_token")


class Revocation:
    """The revocation endpoint (RFC 7009): a client ends a token it holds."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def revoke(
        self,
        token: str,
        client_id: str,
        client_secret: str | None = None,
        token_type_hint: str | None = None,
    ) -> None:
        """Revoke ``token`` (RFC 7009 §2.1).

        ``token_type_hint`` only chooses which kind is looked up first: ``"access_token"`` checks
        the JWT first, anything else the refresh-token store first (RFC 7009 §2.1: the server
        "MAY" use the hint "to optimize the token lookup"). On a miss the other kind is looked
        up too ("it MUST extend its search across all of its supported token types"), so a
        wrong hint changes nothing but the order. An unknown, malformed or foreign token is a
        success that changes nothing (§2.2); a token of another client is refused.
        """
        client = self.issuer.clients.authenticate(client_id, client_secret)
        if not isinstance(token, str):
            raise TypeError(f"token must be a string, not {type(token).__name__}")
        if not token:
            raise InvalidRequestError("token is empty: say which token to revoke (RFC 7009 §2.1)")
        if token_type_hint not in _HINTS:
            raise InvalidRequestError(
                f"token_type_hint {token_type_hint!r} is not 'access_token' or 'refresh_token'")
        lookups = ((self._revoke_access_token, self._revoke_refresh_token)
                   if token_type_hint == "access_token"  # noqa: S105 - a token type, not a secret
                   else (self._revoke_refresh_token, self._revoke_access_token))
        with self.issuer.lock:
            now = self.issuer.clock.time()
            for lookup in lookups:
                if lookup(token, client, now):
                    return
        # unknown or malformed: success all the same (RFC 7009 §2.2)

    def _revoke_refresh_token(self, token: str, client: _ClientRecord,
                              now: float) -> bool:
        """End the family of refresh token ``token``; ``False`` if it is not one of ours."""
        record = self.issuer.families.find_refresh_token(token)
        if record is None:
            return False
        if record.client_id != client.client_id:
            raise UnauthorizedClientError(
                "this refresh token belongs to another client; a client may revoke only its own "
                "tokens (RFC 7009 §2.1)")
        family = self.issuer.families.get(record.family_id)
        if family is not None and not family.revoked:
            self.issuer.families.revoke(family, "revoked by the client (logout)", now)
        return True

    def _revoke_access_token(self, token: str, client: _ClientRecord,
                             now: float) -> bool:
        """Denylist access token ``token``; ``False`` if it is not a valid token of ours.

        Its lifetime is not checked: a token past ``exp`` but inside some API's leeway, or not
        valid yet, must still be revoked. It is stored only while some API could accept it
        (until ``exp`` plus the largest leeway of any registered API)."""
        claims = own_access_token(self.issuer, token, now, check_lifetime=False)
        if claims is None:
            return False
        if claims["client_id"] != client.client_id:
            raise UnauthorizedClientError(
                "this access token belongs to another client; a client may revoke only its "
                "own tokens (RFC 7009 §2.1)")
        if claims["exp"] + self.issuer.families.denylist_leeway > now:
            self.issuer.families.deny(claims["jti"], claims["exp"])
        return True

class Introspection:
    """The introspection endpoint (RFC 7662): an authenticated caller asks whether a token is
    active, and what it says."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def introspect(
        self, token: str, client_id: str, client_secret: str | None
    ) -> dict[str, Any]:
        """Token introspection (RFC 7662 §2): the token's facts if active, else
        ``{"active": False}``.

        RFC 7662 §2.2: ``active`` is "whether or not the presented token is currently active";
        an access token is active when an API of this server with no leeway would accept it
        (:meth:`~tokenlab.jose.verify.Verifier.validate`) and it is not revoked. A token bound
        to a DPoP key comes with its ``cnf`` and ``token_type`` ``DPoP`` (RFC 9449 §6.2)."""
        if not client_secret:
            raise InvalidClientError(
                "introspection needs client authentication: give a client_secret (RFC 7662 §2.1)")
        self.issuer.clients.authenticate(client_id, client_secret)
        if not isinstance(token, str):
            raise TypeError(f"token must be a string, not {type(token).__name__}")
        if not token:
            raise InvalidRequestError("token is empty (RFC 7662 §2.1)")
        now = self.issuer.clock.time()
        record = self.issuer.families.find_refresh_token(token)
        if record is not None:
            family = self.issuer.families.get(record.family_id)
            if family is None or family.revoked or record.spent or now >= family.expires_at:
                return {"active": False}
            answer: dict[str, Any] = {
                "active": True, "scope": " ".join(family.scopes), "client_id": family.client_id,
                "sub": family.subject, "exp": int(family.expires_at), "iat": int(record.issued_at),
                "iss": self.issuer.issuer, "aud": family.audience, "jti": record.token_id,
                "token_type": "refresh_token",
            }
            if family.jkt is not None:  # a public client's refresh token bound to its DPoP key
                answer["cnf"] = {"jkt": family.jkt}
            return answer
        claims = self.active_access_token(token, now)
        if claims is None:
            return {"active": False}
        answer = {
            "active": True, "scope": claims.get("scope", ""), "client_id": claims["client_id"],
            "sub": claims["sub"], "exp": claims["exp"], "iat": claims["iat"],
            "iss": claims["iss"], "aud": claims["aud"], "jti": claims["jti"],
            "token_type": BEARER,
        }
        cnf = claims.get("cnf")
        if isinstance(cnf, dict) and isinstance(cnf.get("jkt"), str):
            # RFC 9449 §6.2: the binding travels in the answer, so an API can check the proof.
            answer["cnf"] = {"jkt": cnf["jkt"]}
            answer["token_type"] = DPOP
        return answer


    def active_access_token(self, token: str, now: float) -> VerifiedClaims | None:
        """The claims of ``token`` if it is one of this server's access tokens and currently
        active — valid by the APIs' own check and not revoked — else ``None``."""
        claims = own_access_token(self.issuer, token, now, check_lifetime=True)
        return None if claims is None or self.issuer.families.is_denied(claims["jti"]) else claims


def own_access_token(issuer: TokenIssuer, token: str, now: float, *,
                     check_lifetime: bool) -> VerifiedClaims | None:
    """The claims of ``token`` if the APIs' validity check passes it with this server's keys,
    no leeway and ``aud`` one of this server's APIs; else ``None`` (never an exception)."""
    resources = issuer.resources
    if not resources:
        return None  # no API registered: no token can name one in its aud
    verifier = Verifier(VerifierPolicy(issuer=issuer.issuer, audience=resources[0], leeway=0),
                        issuer.keys.find)
    try:
        return verifier.validate(token, now=now, audiences=resources,
                                 check_lifetime=check_lifetime)
    except TokenError:
        return None
