"""The authorization server: registers clients and users, runs the grants, issues, rotates,
revokes and introspects tokens (RFC 6749, 7009, 7636, 7662, 8414, 9068, 9700).

For the course it runs in-process on a :class:`~tokenlab.clock.SimClock` with a seed, so every id,
secret, key and token is reproducible (and labelled demo-only). The grants with a user live in
:mod:`tokenlab.authcode` (authorization code + PKCE) and here (password, refresh); revocation and
introspection in :mod:`tokenlab.revocation`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from .authcode import AuthorizationCodeMixin
from .clients import ClientRegistry, RegisteredClient, _ClientRecord, validate_scope_tokens
from .clock import Clock, SystemClock, format_duration, format_time
from .endpoints import handle as _handle_http
from .errors import (
    ExpiredTokenError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
    RefreshTokenReuseError,
    UnauthorizedClientError,
)
from .families import Family, RefreshRecord, TokenFamilies
from .keys import SUPPORTED_ALGORITHMS, KeyRing, SigningKey
from .randomness import RandomSource
from .revocation import RevocationMixin
from .store import MemoryStore
from .tokens import TokenResponse, issue_access_token
from .users import COURSE_COST, DEFAULT_COST, User, UserRegistry
from .wire import Request, Response, Wire

__all__ = ["AuthServer"]


def _check_issuer(issuer: object) -> str:
    """RFC 8414 §2: the issuer is an https URL with no query or fragment (http for localhost)."""
    if not isinstance(issuer, str):
        raise TypeError(f"issuer must be a URL string, not {type(issuer).__name__}")
    try:
        parts = urlsplit(issuer)
    except ValueError as exc:  # e.g. an unbalanced '[' in the host
        raise ValueError(f"issuer {issuer!r} is not a valid URL ({exc})") from None
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
    try:
        parts = urlsplit(resource)
    except ValueError as exc:
        raise InvalidTargetError(f"resource {resource!r} is not a valid URI ({exc})") from None
    if not parts.scheme or not parts.netloc or parts.fragment or "#" in resource:
        raise InvalidTargetError(
            f"resource {resource!r} must be an absolute URI without a fragment, e.g. "
            "'https://api.example' (RFC 8707 §2)"
        )
    return resource


def _check_ttl(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    try:
        finite = math.isfinite(value)
    except OverflowError:
        finite = False
    if not finite or value < 1 or value != int(value):
        raise ValueError(f"{name} must be a whole number of seconds >= 1, got {value}")
    return int(value)


class AuthServer(AuthorizationCodeMixin, RevocationMixin):
    """An OAuth 2.0 authorization server that issues RFC 9068 JWT access tokens.

    ``access_ttl`` (default 300 s) bounds each access token; ``refresh_ttl`` (default 86400 s)
    bounds a whole refresh-token family, however often it rotates; ``code_ttl`` (60 s) bounds
    authorization codes. All state (revocations, families, codes) lives in ``store``, an
    in-memory :class:`~tokenlab.store.MemoryStore` unless another is given.

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
        refresh_ttl: int = 86400,
        code_ttl: int = 60,
        store: MemoryStore | None = None,
    ) -> None:
        self.issuer = _check_issuer(issuer)
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ValueError(
                f"algorithm must be one of {', '.join(SUPPORTED_ALGORITHMS)}, got {algorithm!r}"
            )
        self.access_ttl = _check_ttl("access_ttl", access_ttl)
        self.refresh_ttl = _check_ttl("refresh_ttl", refresh_ttl)
        self.code_ttl = _check_ttl("code_ttl", code_ttl)
        if clock is not None and not isinstance(clock, Clock):
            raise TypeError(f"clock must be a Clock such as SimClock(), not {type(clock).__name__}")
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.random = RandomSource(seed)
        self.keys = KeyRing(algorithm, self.random, self.clock)
        self.clients = ClientRegistry(self.random)
        # Seeded course servers hash passwords with a cheaper scrypt cost (still salted scrypt).
        self.users = UserRegistry(self.random, COURSE_COST if self.random.seeded else DEFAULT_COST)
        # The default store drops expired entries on this server's clock as it is written.
        self.store: MemoryStore = store if store is not None else MemoryStore(self.clock)
        self.families = TokenFamilies(self.store)
        self._resources: list[str] = []
        self._lock = threading.RLock()
        #: Every HTTP exchange with this server (and, by default, its APIs) is recorded here.
        self.wire = Wire(self.clock)

    def handle(self, request: Request, sender: str = "client") -> Response:
        """Serve one HTTP request at the endpoints of :meth:`metadata` and record it on
        :attr:`wire` (see :mod:`tokenlab.endpoints`). Malformed input is a 400, never an error."""
        return _handle_http(self, request, sender)

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

    def register_user(self, username: str, password: str) -> User:
        """Register a resource owner; the password is stored as a salted scrypt hash."""
        return self.users.register(username, password)

    def change_password(self, username: str, old_password: str, new_password: str) -> int:
        """Change a user's password and revoke every token issued for them (all families).

        Grants that checked the old password but have not issued yet, and authorization codes
        issued before the change, yield nothing afterwards (RFC 9700 §4.14.2: a password change
        is a security event that ends the user's refresh tokens). Returns how many live access
        tokens went on the denylist.
        """
        for name, value in (("username", username), ("old_password", old_password),
                            ("new_password", new_password)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string, not {type(value).__name__}")
        if not new_password:
            raise InvalidRequestError("the new password is empty")
        user = self.users.authenticate(username, old_password)
        if user is None:
            raise InvalidGrantError("wrong user name or password: the password was not changed")
        changed = self.users.with_new_password(user, new_password)  # slow hash: outside the lock
        with self._lock:
            if not self.users.is_current(user):
                raise InvalidGrantError(
                    "the password was changed by another request while this one was being "
                    "checked; nothing was changed: try again with the current password")
            self.users.replace(user, changed)
            now = self.clock.time()
            return sum(self.families.revoke(f, "password changed", now)
                       for f in self.families.of_subject(username) if not f.revoked)

    def register_resource(self, audience: str, *, leeway: float = 0) -> None:
        """Make an API known; its identifier becomes the ``aud`` of tokens issued for it.

        ``leeway`` is the API's tolerance for clock skew: denylist entries outlive a token's
        ``exp`` by the largest leeway of any API, so no API accepts a revoked token in it.
        """
        if not isinstance(audience, str):
            raise TypeError(f"audience must be a URL string, not {type(audience).__name__}")
        try:
            _check_resource(audience)
        except InvalidTargetError as exc:
            raise ValueError(exc.description) from None
        if isinstance(leeway, bool) or not isinstance(leeway, int | float):
            raise TypeError(f"leeway must be a number of seconds, not {type(leeway).__name__}")
        # Retired keys stay published until their last token is over + the largest leeway.
        self.keys.retain_for_leeway(leeway)
        if audience not in self._resources:
            self._resources.append(audience)
        self.families.denylist_leeway = max(self.families.denylist_leeway, leeway)

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

    def password_grant(
        self,
        client_id: str,
        client_secret: str | None,
        username: str,
        password: str,
        scope: str | Iterable[str] | None = None,
        resource: str | None = None,
    ) -> TokenResponse:
        """The resource owner password credentials grant (RFC 6749 §4.3) — **deprecated**.

        The app collects the user's password and sends it here. It is kept because it is exactly
        the "7-step login" of the beginner's article, but RFC 9700 §2.4 says it MUST NOT be used:
        the app sees the password, the user cannot be asked for a second factor or consent, and
        it trains users to type passwords into apps. Use the authorization code flow with PKCE.
        """
        client = self.clients.authenticate(client_id, client_secret)
        for name, value in (("username", username), ("password", password)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string, not {type(value).__name__}")
            if not value:
                raise InvalidRequestError(f"{name} is empty")
        scopes = self._grant_scopes(client.scopes, scope, client_id)
        audience = self._audience(resource)
        user = self.users.authenticate(username, password)
        if user is None:
            raise InvalidGrantError("wrong user name or password")
        return self._issue_with_refresh(client, user.username, scopes, audience, user=user)

    def refresh(
        self,
        refresh_token: str,
        client_id: str,
        client_secret: str | None = None,
        scope: str | Iterable[str] | None = None,
    ) -> TokenResponse:
        """The refresh token grant (RFC 6749 §6) with rotation and reuse detection.

        The presented refresh token is spent and a new one issued in the same family, with the
        family's absolute expiry. A spent token presented again raises
        :class:`~tokenlab.errors.RefreshTokenReuseError` and revokes the family (RFC 9700 §4.14.2).
        ``scope`` may narrow, never widen, the original grant.
        """
        client = self.clients.authenticate(client_id, client_secret)
        if not isinstance(refresh_token, str):
            raise TypeError(f"refresh_token must be a string, not {type(refresh_token).__name__}")
        if not refresh_token:
            raise InvalidRequestError("refresh_token is empty")
        with self._lock:  # check-and-spend is atomic: of two concurrent uses, one wins
            now = self.clock.time()
            record = self.families.find_refresh_token(refresh_token)
            family = self.families.get(record.family_id) if record is not None else None
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
                    f"the login behind this refresh token expired {format_duration(now - family.expires_at)} "
                    f"ago, at {format_time(family.expires_at)}; rotation never extends it: log in again",
                    exp=family.expires_at, now=now, error="invalid_grant", status=400)
            if record.spent:
                revoked = self.families.revoke(family, "refresh token reused", now)
                raise RefreshTokenReuseError(
                    "this refresh token was already exchanged; a copy exists, so the whole family "
                    f"is revoked: its refresh tokens and {revoked} live access "
                    f"token{'s' if revoked != 1 else ''} (RFC 9700 §4.14.2)",
                    family_id=family.family_id)
            scopes = family.scopes
            if scope is not None:
                scopes = self._grant_scopes(family.scopes, scope, client_id)
            self.families.spend(refresh_token, record, family)
            return self._issue_in_family(family, scopes)

    def metadata(self) -> dict[str, Any]:
        """Authorization server metadata (RFC 8414 §2), as served at
        ``/.well-known/oauth-authorization-server``."""
        base = self.issuer.rstrip("/")
        auth_methods = ["client_secret_basic", "client_secret_post", "none"]
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks.json",
            "revocation_endpoint": f"{base}/revoke",
            "introspection_endpoint": f"{base}/introspect",
            "scopes_supported": sorted({s for c in self.clients.all() for s in c.scopes}),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials",
                                      "refresh_token", "password"],
            "token_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "introspection_endpoint_auth_methods_supported": auth_methods[:2],
            "code_challenge_methods_supported": ["S256"],
        }

    def restart(self) -> None:
        """Simulate a restart of the server process: an in-memory store forgets everything —
        revocations, refresh families, codes. Keys, clients and users are configuration and stay.
        """
        self.store.clear()

    # -- discovery --------------------------------------------------------------------------------

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public keys an API needs to verify tokens (RFC 7517 JWK Set). Never private keys."""
        return self.keys.jwks()

    def rotate_keys(self, algorithm: str | None = None) -> SigningKey:
        """Sign new tokens with a new key; the old public key stays published until its last
        token has expired plus the largest leeway of any registered API (on this server's clock)."""
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
            try:
                requested = list(scope)
            except TypeError:
                raise TypeError("scope must be a string like 'weather:read' or a list of them, "
                                f"not {type(scope).__name__}") from None
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

    def _issue_with_refresh(
        self, client: _ClientRecord, subject: str, scopes: tuple[str, ...], audience: str,
        *, user: User | None = None,
    ) -> TokenResponse:
        """Start a new family for a fresh grant and issue its first token pair.

        ``user`` is the user as the grant authenticated them: if their password changed since
        (a :meth:`change_password` between the check and now), nothing is issued.
        """
        with self._lock:
            if user is not None and not self.users.is_current(user):
                raise InvalidGrantError(
                    "the password changed while this login was being checked: nothing is "
                    "issued for the old password; log in again (RFC 9700 §4.14.2)")
            now = self.clock.time()
            family = Family(
                family_id=self.random.token_urlsafe("family_id", 9), client_id=client.client_id,
                subject=subject, scopes=scopes, audience=audience, created_at=now,
                expires_at=now + self.refresh_ttl)
            self.families.create(family)
            return self._issue_in_family(family, scopes)

    def _issue_in_family(self, family: Family, scopes: tuple[str, ...]) -> TokenResponse:
        now = self.clock.time()
        token, claims = issue_access_token(
            self.keys, self.random, issuer=self.issuer, subject=family.subject,
            audience=family.audience, client_id=family.client_id, scopes=scopes,
            ttl=self.access_ttl, now=now)
        self.families.add_access_token(family, claims["jti"], claims["exp"])
        refresh = self.random.token_urlsafe("refresh_token", 32)
        self.families.add_refresh_token(family, refresh, RefreshRecord(
            token_id=self.random.token_urlsafe("refresh_id", 9), family_id=family.family_id,
            client_id=family.client_id, issued_at=now))
        return TokenResponse(access_token=token, expires_in=self.access_ttl,
                             scope=" ".join(scopes), refresh_token=refresh)

    def __repr__(self) -> str:
        seeded = ", seeded: demo-only" if self.random.seeded else ""
        return (
            f"AuthServer(issuer={self.issuer!r}, algorithm={self.keys.current.algorithm!r}, "
            f"access_ttl={self.access_ttl}, clients={len(self.clients)}{seeded})"
        )
