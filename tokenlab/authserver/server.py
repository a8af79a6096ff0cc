"""The authorization server: registers clients, users and APIs, and composes the parts that do
the work — one grant object per ``grant_type`` (:mod:`.grants`, :mod:`.authcode`), revocation and
introspection (:mod:`.revocation`), the HTTP endpoints (:mod:`.http`) — around one
:class:`~.issuance.TokenIssuer` that holds the state they share (RFC 6749, 7009, 7636, 7662,
8414, 9068, 9700).

For the course it runs in-process on a :class:`~tokenlab.clock.SimClock` with a seed, so every id,
secret, key and token is reproducible (and labelled demo-only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..clock import Clock, SystemClock
from ..errors import InvalidGrantError, InvalidRequestError, InvalidTargetError
from ..jose.dpop_nonce import DPoPNonces
from ..jose.dpop_verify import DPoPProofVerifier
from ..jose.keys import SUPPORTED_ALGORITHMS, KeyRing, SigningKey, check_rsa_public_exponent
from ..jose.policy import INSECURE_HMAC_SECRET
from ..jose.tokens import TokenResponse
from ..net.messages import Request, Response
from ..net.wire import Wire
from ..randomness import RandomSource
from ..sqlite_store import SQLiteStore
from ..store import MemoryStore
from .authcode import AuthorizationCodeGrant, AuthorizationRedirect
from .clients import ClientRegistry, RegisteredClient
from .durable import durable_key_ring, is_durable, next_run, run_random
from .grants import ClientCredentialsGrant, Grant, PasswordGrant, RefreshTokenGrant
from .http import handle as _handle_http
from .issuance import TokenIssuer, check_resource
from .refresh import TokenFamilies
from .revocation import Introspection, Revocation
from .users import COURSE_COST, DEFAULT_COST, User, UserRegistry

__all__ = ["AuthServer"]

_G = TypeVar("_G", bound=Grant)


def _check_issuer(issuer: object) -> str:
    """RFC 8414 §2: the issuer is an https URL with no query or fragment; plain http only for
    localhost is tokenlab's choice (``tokenlab serve`` without ``--tls``)."""
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


class AuthServer:
    """An OAuth 2.0 authorization server that issues RFC 9068 JWT access tokens.

    ``access_ttl`` (default 300 s) bounds each access token; ``refresh_ttl`` (default 86400 s)
    bounds a whole refresh-token family, however often it rotates; ``code_ttl`` (60 s) bounds
    authorization codes. All state (revocations, families, codes) lives in ``store``, an
    in-memory :class:`~tokenlab.store.MemoryStore` unless another is given. On a durable store
    (:class:`~tokenlab.sqlite_store.SQLiteStore`) the server keeps its signing keys there too, so a new
    server of the same issuer on the same file verifies the tokens issued before a restart and
    signs with the same key (see :mod:`.durable`; the file is then a secret). Give the store the
    server's clock.

    ``insecure_hmac_secret`` (with ``algorithm="HS256"``) is a mistake for the attack lessons: the
    server signs with that weak secret, which one token and a word list reveal (RFC 8725 §3.5);
    the repr says INSECURE. Rotating the keys draws a strong one.

    DPoP (RFC 9449): a token request with a valid proof in a ``DPoP`` header gets tokens bound
    to the proof's key (:attr:`dpop_verifier` checks the proofs; see :mod:`.issuance`).
    ``require_dpop_nonce`` (off by default) makes every proof carry a nonce of this server's
    (§8): a proof without one is answered ``use_dpop_nonce`` with a ``DPoP-Nonce`` header.

    ``rsa_public_exponent`` (RS256 only): 65537 by default; 3 makes the attack of notebook 10 —
    recovering the RSA modulus from two tokens — take milliseconds (RFC 8017 §3.1 allows it;
    FIPS 186-5 §5.4 wants e > 2^16). The repr says "RSA e=3".

    ``rotate_refresh_tokens`` (on by default) spends each refresh token and issues a new one,
    detecting reuse (RFC 9700 §4.14.2). Off, a refresh returns the same refresh token (RFC 6749
    §6 makes a new one a MAY): a copy works alongside the original until ``refresh_ttl`` or a
    revocation, and nothing detects it; the repr says "rotation off".

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
        store: MemoryStore | SQLiteStore | None = None,
        insecure_hmac_secret: str | None = None,
        require_dpop_nonce: bool = False,
        rotate_refresh_tokens: bool = True,
        rsa_public_exponent: int = 65537,
    ) -> None:
        self.issuer = _check_issuer(issuer)
        for name, flag in (("require_dpop_nonce", require_dpop_nonce),
                           ("rotate_refresh_tokens", rotate_refresh_tokens)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, not {flag!r}")
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ValueError(
                f"algorithm must be one of {', '.join(SUPPORTED_ALGORITHMS)}, got {algorithm!r}"
            )
        ttls = {name: _check_ttl(name, value) for name, value in (
            ("access_ttl", access_ttl), ("refresh_ttl", refresh_ttl), ("code_ttl", code_ttl))}
        if clock is not None and not isinstance(clock, Clock):
            raise TypeError(f"clock must be a Clock such as SimClock(), not {type(clock).__name__}")
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.random = RandomSource(seed)
        check_rsa_public_exponent(rsa_public_exponent, algorithm)
        # The default store drops expired entries on this server's clock as it is written.
        self.store: MemoryStore | SQLiteStore = (
            store if store is not None else MemoryStore(self.clock))
        durable = is_durable(self.store)
        # Keys and tokens draw anew in each run on a durable store (clients and users are
        # configuration: the same in every run).
        state_random = run_random(self.random, next_run(self.store, issuer) if durable else 0)
        if insecure_hmac_secret is None and durable:
            self.keys = durable_key_ring(self.store, self.issuer, algorithm, state_random,
                                         self.clock, rsa_public_exponent=rsa_public_exponent)
        elif insecure_hmac_secret is None:
            self.keys = KeyRing(algorithm, self.random, self.clock,
                                rsa_public_exponent=rsa_public_exponent)
        else:  # the fence, loaded only when the mistake is asked for (its key is never stored)
            from ..attacks.weak import weak_key_ring

            self.keys = weak_key_ring(insecure_hmac_secret, algorithm, self.random, self.clock)
        self.clients = ClientRegistry(self.random)
        # Seeded course servers hash passwords with a cheaper scrypt cost (still salted scrypt).
        self.users = UserRegistry(self.random, COURSE_COST if self.random.seeded else DEFAULT_COST)
        #: The state and the token minting every grant shares; grants receive it, not the server.
        self.issuance = TokenIssuer(
            issuer=self.issuer, clock=self.clock, random=state_random, keys=self.keys,
            clients=self.clients, users=self.users, store=self.store,
            rotate_refresh_tokens=rotate_refresh_tokens, **ttls)
        self.families: TokenFamilies = self.issuance.families
        self._lock = self.issuance.lock
        self._grants: dict[str, Grant] = {}
        for grant in (AuthorizationCodeGrant(self.issuance), ClientCredentialsGrant(self.issuance),
                      RefreshTokenGrant(self.issuance), PasswordGrant(self.issuance)):
            self.register_grant(grant)
        self.revocation = Revocation(self.issuance)
        self.introspection = Introspection(self.issuance)
        #: Checks the DPoP proofs of token requests (RFC 9449 §4.3, §5): 400 errors, its replay
        #: cache in :attr:`store`, this server's nonces when ``require_dpop_nonce``.
        self.dpop_verifier = DPoPProofVerifier(
            self.clock, store=self.store,
            nonces=DPoPNonces(self.clock, self.random) if require_dpop_nonce else None)
        #: Every HTTP exchange with this server (and, by default, its APIs) is recorded here.
        self.wire = Wire(self.clock)

    def handle(self, request: Request, sender: str = "client") -> Response:
        """Serve one HTTP request at the endpoints of :meth:`metadata` and record it on
        :attr:`wire` (see :mod:`tokenlab.authserver.http`). Malformed input is a 400, never an error."""
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
            check_resource(audience)
        except InvalidTargetError as exc:
            raise ValueError(exc.description) from None
        if isinstance(leeway, bool) or not isinstance(leeway, int | float):
            raise TypeError(f"leeway must be a number of seconds, not {type(leeway).__name__}")
        # Retired keys and denylist entries stay until their tokens are over + the largest leeway.
        self.issuance.add_resource(audience, leeway)

    # The lifetimes live with the grants that use them; set here, they apply to the next token.
    @property
    def access_ttl(self) -> int:
        """Seconds each access token lives (``exp - iat``)."""
        return self.issuance.access_ttl

    @access_ttl.setter
    def access_ttl(self, value: int) -> None:
        self.issuance.access_ttl = _check_ttl("access_ttl", value)

    @property
    def refresh_ttl(self) -> int:
        """Seconds a whole refresh-token family lives, however often it rotates."""
        return self.issuance.refresh_ttl

    @refresh_ttl.setter
    def refresh_ttl(self, value: int) -> None:
        self.issuance.refresh_ttl = _check_ttl("refresh_ttl", value)

    @property
    def code_ttl(self) -> int:
        """Seconds an authorization code may wait for its exchange."""
        return self.issuance.code_ttl

    @code_ttl.setter
    def code_ttl(self, value: int) -> None:
        self.issuance.code_ttl = _check_ttl("code_ttl", value)

    @property
    def resources(self) -> tuple[str, ...]:
        """The APIs tokens may be issued for (their ``aud``), in registration order."""
        return self.issuance.resources

    def register_grant(self, grant: Grant) -> None:
        """Serve ``grant`` at the token endpoint for its ``grant_type`` (replacing any other),
        as Authlib's ``register_grant`` does; the metadata lists it."""
        if not isinstance(grant, Grant):
            raise TypeError("a grant has a grant_type, a wire_note and token_request(params, "
                            f"client_id, client_secret); got {type(grant).__name__}")
        self._grants[grant.grant_type] = grant

    @property
    def grants(self) -> Mapping[str, Grant]:
        """The grants by ``grant_type``, read-only (see :meth:`register_grant`)."""
        return MappingProxyType(self._grants)

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
        return self._grant(ClientCredentialsGrant).issue(client_id, client_secret, scope, resource)
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
        return self._grant(PasswordGrant).issue(client_id, client_secret, username, password,
                                                scope, resource)
    def refresh(
        self,
        refresh_token: str,
        client_id: str,
        client_secret: str | None = None,
        scope: str | Iterable[str] | None = None,
    ) -> TokenResponse:
        """The refresh token grant (RFC 6749 §6) with rotation and reuse detection (unless
        ``rotate_refresh_tokens=False``: then the same refresh token comes back, unspent).

        The presented refresh token is spent and a new one issued in the same family, with the
        family's absolute expiry. A spent token presented again raises
        :class:`~tokenlab.errors.RefreshTokenReuseError` and revokes the family (RFC 9700 §4.14.2).
        ``scope`` may narrow, never widen, the original grant.
        """
        return self._grant(RefreshTokenGrant).refresh(refresh_token, client_id, client_secret, scope)

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
        """The authorization endpoint (RFC 6749 §4.1.1): the user logs in here and is redirected
        with a code; see :meth:`.authcode.AuthorizationCodeGrant.authorize`. With ``openid`` in
        the scope, the code's token response carries an ID token with this ``nonce``
        (OpenID Connect Core §3.1.2.1, §3.1.3.3)."""
        return self._grant(AuthorizationCodeGrant).authorize(
            client_id, redirect_uri, username=username, password=password, scope=scope,
            state=state, code_challenge=code_challenge,
            code_challenge_method=code_challenge_method, resource=resource,
            response_type=response_type, nonce=nonce)

    def exchange_code(
        self,
        code: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        redirect_uri: str,
        code_verifier: str | None = None,
    ) -> TokenResponse:
        """The token request of the code flow (RFC 6749 §4.1.3): code (+ PKCE verifier) → tokens."""
        return self._grant(AuthorizationCodeGrant).exchange(
            code, client_id, client_secret, redirect_uri=redirect_uri, code_verifier=code_verifier)

    def revoke(
        self,
        token: str,
        client_id: str,
        client_secret: str | None = None,
        token_type_hint: str | None = None,
    ) -> None:
        """Revoke ``token`` (RFC 7009 §2.1); see :meth:`.revocation.Revocation.revoke`."""
        self.revocation.revoke(token, client_id, client_secret, token_type_hint)

    def introspect(self, token: str, client_id: str, client_secret: str | None) -> dict[str, Any]:
        """Token introspection (RFC 7662 §2): the token's facts if active, else
        ``{"active": False}``; see :meth:`.revocation.Introspection.introspect`."""
        return self.introspection.introspect(token, client_id, client_secret)

    def bound_to(self, jkt: str | None) -> AbstractContextManager[None]:
        """Answer a token request whose DPoP proof (already checked) was signed by the key with
        thumbprint ``jkt``: see :meth:`.issuance.TokenIssuer.bound_to`."""
        return self.issuance.bound_to(jkt)

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
            "grant_types_supported": list(self._grants),
            "token_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "introspection_endpoint_auth_methods_supported": auth_methods[:2],
            "code_challenge_methods_supported": ["S256"],
            # RFC 9449 §5.1: the algorithms this server accepts for DPoP proofs.
            "dpop_signing_alg_values_supported": list(self.dpop_verifier.algorithms),
        }

    def restart(self) -> None:
        """Simulate a restart of the server process: an in-memory store forgets everything —
        revocations, refresh families, codes. Keys, clients and users are configuration and stay.
        A durable store forgets nothing: that is what it is for.
        """
        if not is_durable(self.store):
            self.store.clear()

    # -- discovery --------------------------------------------------------------------------------

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public keys an API needs to verify tokens (RFC 7517 JWK Set). Never private keys."""
        return self.keys.jwks()

    def rotate_keys(self, algorithm: str | None = None) -> SigningKey:
        """Sign new tokens with a new key; the old public key stays published until its last
        token has expired plus the largest leeway of any registered API (on this server's clock)."""
        return self.keys.rotate(algorithm)

    def _grant(self, kind: type[_G]) -> _G:
        """The registered grant of class ``kind`` (for the Python calls above)."""
        grant = self._grants.get(kind.grant_type)
        if not isinstance(grant, kind):
            raise InvalidRequestError(
                f"this server has no {kind.grant_type} grant of its own registered "
                f"(grant_types_supported: {', '.join(self._grants) or 'none'})")
        return grant

    def __repr__(self) -> str:
        seeded = ", seeded: demo-only" if self.random.seeded else ""
        rotation = "" if self.issuance.rotate_refresh_tokens else ", refresh tokens: rotation off"
        exponent = self.keys.rsa_public_exponent
        rsa_e = "" if exponent == 65537 else f", RSA e={exponent}"
        weak = next((k.insecure for k in self.keys.published() if k.insecure), None)
        return (
            f"AuthServer(issuer={self.issuer!r}, algorithm={self.keys.current.algorithm!r}, "
            f"access_ttl={self.access_ttl}, clients={len(self.clients)}{rsa_e}{seeded}{rotation})"
            + (f"\nINSECURE: {weak} — {INSECURE_HMAC_SECRET[1]}" if weak else "")
        )
