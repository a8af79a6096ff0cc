"""The client's side of OpenID Connect: the ID token of an ``openid`` login, validated as Core
§3.1.3.7 says (and §3.1.3.8's ``at_hash``) with the issuer's keys from its JWKS, fetched over the
wire when a ``kid`` is new (RFC 7517 §5, RFC 8414 ``jwks_uri``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import TokenError
from ..jose.idtoken import ID_TOKEN_ERROR, keys_from_jwks, validate_id_token
from ..jose.keys import VerificationKey
from ..net.messages import Request

if TYPE_CHECKING:
    from ..authserver.server import AuthServer

__all__ = ["IdTokenCheck"]


class IdTokenCheck:
    """Validates the ID tokens the server ``auth`` issues to ``client_id``, as app ``name``."""

    def __init__(self, auth: AuthServer, metadata: Mapping[str, Any], client_id: str,
                 name: str) -> None:
        self.auth = auth
        self.issuer: str = metadata["issuer"]
        self.jwks_url: str = metadata["jwks_uri"]
        self.client_id = client_id
        self.name = name
        #: The issuer's public keys by kid, from its JWKS, fetched when an ID token needs one.
        self.keys: dict[str, VerificationKey] = {}

    def validated(self, id_token: object, access_token: str,
                  nonce: str | None) -> tuple[str, dict[str, Any]]:
        """The ID token and its claims, validated; else a TokenError."""
        if not isinstance(id_token, str):
            raise TokenError(
                "the token response carries no id_token, though this login asked for openid: "
                "the app does not know who logged in (OpenID Connect Core §3.1.3.3)",
                error=ID_TOKEN_ERROR)
        claims = validate_id_token(
            id_token, issuer=self.issuer, client_id=self.client_id, keys=self._key,
            now=self.auth.clock.time(), nonce=nonce, access_token=access_token)
        return id_token, claims

    def _key(self, kid: str) -> VerificationKey | None:
        """The issuer's key ``kid``; an unknown kid fetches the JWKS (again), as after a key
        rotation."""
        if kid not in self.keys:
            response = self.auth.handle(Request.get(self.jwks_url), sender=self.name)
            if response.status == 200:
                self.keys = keys_from_jwks(response.json())
        return self.keys.get(kid)
