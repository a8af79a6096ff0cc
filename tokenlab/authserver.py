"""The authorization server: registers clients, issues and signs access tokens (RFC 6749).

For the course it runs in-process on a :class:`~tokenlab.clock.SimClock` with a seed, so every id,
secret, key and token is reproducible (and labelled demo-only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from .clients import ClientRegistry, RegisteredClient, validate_scope_tokens
from .clock import Clock, SystemClock
from .errors import (
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
    UnauthorizedClientError,
)
from .keys import SUPPORTED_ALGORITHMS, KeyRing, SigningKey
from .randomness import RandomSource
from .tokens import TokenResponse, issue_access_token

__all__ = ["AuthServer"]


def _check_issuer(issuer: object) -> str:
    """RFC 8414 §2: the issuer is an https URL with no query or fragment (http for localhost)."""
    if not isinstance(issuer, str):
        raise TypeError(f"issuer must be a URL string, not {type(issuer).__name__}")
    parts = urlsplit(issuer)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError(
            f"issuer {issuer!r} must be an https URL, e.g. 'https://auth.example' "
            "(RFC 8414 §2; plain http only for localhost)"
        )
    if not parts.netloc or parts.query or parts.fragment or "#" in issuer or "?" in issuer:
        raise ValueError(f"issuer {issuer!r} must have a host and no query or fragment (RFC 8414 §2)")
    return issuer


def _check_resource(resource: str) -> str:
    """RFC 8707 §2: an absolute URI without a fragment."""
    parts = urlsplit(resource)
    if not parts.scheme or not parts.netloc or parts.fragment or "#" in resource:
        raise InvalidTargetError(
            f"resource {resource!r} must be an absolute URI without a fragment, e.g. "
            "'https://api.example' (RFC 8707 §2)"
        )
    return resource


def _check_ttl(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value < 1 or value != int(value):
        raise ValueError(f"{name} must be a whole number of seconds >= 1, got {value}")
    return int(value)


class AuthServer:
    """An OAuth 2.0 authorization server that issues RFC 9068 JWT access tokens.

    >>> from tokenlab import SimClock
    >>> auth = AuthServer(issuer="https://auth.example", clock=SimClock(), seed=1)
    """

    def __init__(
        self,
        issuer: str,
        *,
        clock: Clock | None = None,
        seed: int | str | None = None,
        algorithm: str = "EdDSA",
        access_ttl: int = 300,
    ) -> None:
        self.issuer = _check_issuer(issuer)
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ValueError(
                f"algorithm must be one of {', '.join(SUPPORTED_ALGORITHMS)}, got {algorithm!r}"
            )
        self.access_ttl = _check_ttl("access_ttl", access_ttl)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.random = RandomSource(seed)
        self.keys = KeyRing(algorithm, self.random, self.clock)
        self.clients = ClientRegistry(self.random)
        self._resources: list[str] = []

    # -- registration -----------------------------------------------------------------------------

    def register_client(
        self,
        name: str,
        scopes: Iterable[str],
        *,
        public: bool = False,
        redirect_uris: Iterable[str] = (),
    ) -> RegisteredClient:
        """Register an app; the returned ``client_secret`` is shown once and stored hashed."""
        return self.clients.register(name, scopes, public=public, redirect_uris=redirect_uris)

    def register_resource(self, audience: str) -> None:
        """Make an API known; its identifier becomes the ``aud`` of tokens issued for it."""
        if not isinstance(audience, str):
            raise TypeError(f"audience must be a URL string, not {type(audience).__name__}")
        try:
            _check_resource(audience)
        except InvalidTargetError as exc:
            raise ValueError(exc.description) from None
        if audience not in self._resources:
            self._resources.append(audience)

    @property
    def resources(self) -> tuple[str, ...]:
        return tuple(self._resources)

    # -- grants -----------------------------------------------------------------------------------

    def client_credentials(
        self,
        client_id: str,
        client_secret: str | None,
        scope: str | Iterable[str] | None = None,
        resource: str | None = None,
    ) -> TokenResponse:
        """The client credentials grant (RFC 6749 §4.4): an app gets a token for itself.

        ``scope`` omitted means every scope the client is registered for (RFC 6749 §3.3 lets
        the server pick a documented default); a scope it is not registered for is refused
        with ``invalid_scope`` rather than silently dropped. ``resource`` (RFC 8707) becomes
        the token's ``aud``. No refresh token is issued (RFC 6749 §4.4.3).
        """
        client = self.clients.authenticate(client_id, client_secret)
        if client.public:
            raise UnauthorizedClientError(
                f"client {client_id!r} is public: it has no secret to prove who it is, so it may "
                "not use the client credentials grant (RFC 6749 §4.4)"
            )
        scopes = self._grant_scopes(client.scopes, scope, client_id)
        audience = self._audience(resource)
        return self._issue(subject=client.client_id, client_id=client.client_id,
                           audience=audience, scopes=scopes)

    # -- discovery --------------------------------------------------------------------------------

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public keys an API needs to verify tokens (RFC 7517 JWK Set). Never private keys."""
        return self.keys.jwks()

    def rotate_keys(self, algorithm: str | None = None) -> SigningKey:
        """Sign new tokens with a new key; the old public key stays published until its last
        token has expired."""
        return self.keys.rotate(algorithm)

    # -- helpers ----------------------------------------------------------------------------------

    def _grant_scopes(
        self, allowed: tuple[str, ...], scope: str | Iterable[str] | None, client_id: str
    ) -> tuple[str, ...]:
        if scope is None:
            return allowed
        if isinstance(scope, str):
            requested = scope.split()
            if not requested:
                raise InvalidScopeError("scope is empty: name at least one, or leave it out")
        else:
            requested = list(scope)
            if not all(isinstance(s, str) for s in requested):
                raise TypeError("scope must be a string like 'weather:read' or a list of them")
            if not requested:
                raise InvalidScopeError("scope is empty: name at least one, or leave it out")
        scopes = validate_scope_tokens(requested)
        extra = [s for s in scopes if s not in allowed]
        if extra:
            raise InvalidScopeError(
                f"client {client_id!r} is not registered for {' '.join(extra)!r}; it may ask for "
                f"{' '.join(allowed) or 'nothing'!r} (no silent narrowing: ask for less)"
            )
        return scopes

    def _audience(self, resource: str | None) -> str:
        if resource is None:
            if len(self._resources) == 1:
                return self._resources[0]
            known = ", ".join(self._resources) or "none yet"
            raise InvalidTargetError(
                f"say which API the token is for with resource=... (RFC 8707); known APIs: {known}"
            )
        if not isinstance(resource, str):
            raise TypeError(f"resource must be a URL string, not {type(resource).__name__}")
        if not resource:
            raise InvalidRequestError("resource is empty: give the API's URL or leave it out")
        _check_resource(resource)
        if self._resources and resource not in self._resources:
            raise InvalidTargetError(
                f"this server issues no tokens for {resource!r}; known APIs: "
                f"{', '.join(self._resources)}"
            )
        return resource

    def _issue(
        self, *, subject: str, client_id: str, audience: str, scopes: tuple[str, ...]
    ) -> TokenResponse:
        token, _ = issue_access_token(
            self.keys, self.random, issuer=self.issuer, subject=subject, audience=audience,
            client_id=client_id, scopes=scopes, ttl=self.access_ttl, now=self.clock.time(),
        )
        return TokenResponse(access_token=token, expires_in=self.access_ttl,
                             scope=" ".join(scopes))

    def __repr__(self) -> str:
        seeded = ", seeded: demo-only" if self.random.seeded else ""
        return (
            f"AuthServer(issuer={self.issuer!r}, algorithm={self.keys.current.algorithm!r}, "
            f"access_ttl={self.access_ttl}, clients={len(self.clients)}{seeded})"
        )
