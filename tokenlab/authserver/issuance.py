"""What every grant shares: the server's state and the one place tokens are minted.

A :class:`TokenIssuer` holds what a grant needs — the issuer URL, clock, random source, keys,
clients, users, store, refresh-token families, lifetimes, the known APIs and the lock — and
mints tokens: an access token alone (RFC 9068), or a token pair in a refresh-token family
(RFC 6749 §6, RFC 9700 §4.14). The grants (:mod:`.grants`, :mod:`.authcode`) and revocation
(:mod:`.revocation`) receive it; none of them knows the :class:`~.server.AuthServer` that
composes them. ID tokens (OpenID Connect Core §2) are minted here too, by
:meth:`TokenIssuer.id_token`.

Binding tokens to a client's DPoP key (RFC 9449 §5, §6) happens here, once, not in each grant:
the token endpoint checks a request's proof and answers the request inside
:meth:`TokenIssuer.bound_to` the proof key's thumbprint; every access token minted inside carries
``cnf.jkt`` and is answered with ``token_type`` ``DPoP``, and a public client's new family is
bound to the key. A grant registered later binds its tokens without knowing DPoP exists. The
one grant that must look is the refresh grant: :meth:`TokenIssuer.check_refresh_binding`.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from ..clock import Clock
from ..errors import InvalidGrantError, InvalidRequestError, InvalidScopeError, InvalidTargetError
from ..jose.idtoken import ID_TOKEN_ALGORITHMS, issue_id_token
from ..jose.keys import KeyRing
from ..jose.tokens import BEARER, DPOP, TokenResponse, issue_access_token
from ..randomness import RandomSource
from ..sqlite_store import SQLiteStore
from ..store import MemoryStore
from .clients import ClientRegistry, _ClientRecord, validate_scope_tokens
from .refresh import Family, RefreshRecord, TokenFamilies
from .users import User, UserRegistry

__all__ = ["TokenIssuer", "check_resource"]

#: The thumbprint of the DPoP key that the token request being answered proved it holds; ``None``
#: outside :meth:`TokenIssuer.bound_to` (a context variable: each thread answers its own request).
_PROOF_KEY: ContextVar[str | None] = ContextVar("tokenlab_dpop_proof_key", default=None)


def check_resource(resource: str) -> str:
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


class TokenIssuer:
    """The state and the token minting that every grant of one authorization server shares.

    Read-check-write sequences over the store (spend a refresh token, exchange a code, start a
    family) run under :attr:`lock` — the store's own lock, which for a durable store holds one
    write transaction of the database for the whole sequence — so of two concurrent uses, in
    two threads or two processes, exactly one wins.
    """

    def __init__(
        self, *, issuer: str, clock: Clock, random: RandomSource, keys: KeyRing,
        clients: ClientRegistry, users: UserRegistry, store: MemoryStore | SQLiteStore,
        access_ttl: int, refresh_ttl: int, code_ttl: int, rotate_refresh_tokens: bool = True,
    ) -> None:
        self.issuer = issuer
        self.clock = clock
        self.random = random
        self.keys = keys
        self.clients = clients
        self.users = users
        self.store = store
        self.families = TokenFamilies(store)
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.code_ttl = code_ttl
        #: Whether a refresh issues a new refresh token and spends the old (RFC 9700 §4.14.2);
        #: ``False``: the same one comes back, unspent, until the family ends (RFC 6749 §6 MAY).
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.lock: Any = getattr(store, "lock", None) or threading.RLock()
        self._resources: list[str] = []

    # -- the APIs tokens are for (RFC 8707) ---------------------------------------------------------

    @property
    def resources(self) -> tuple[str, ...]:
        return tuple(self._resources)

    def add_resource(self, audience: str, leeway: float) -> None:
        """Make an API known (its URI checked already); its leeway keeps retired keys and denylist
        entries alive as long as it could accept a token."""
        self.keys.retain_for_leeway(leeway)
        if audience not in self._resources:
            self._resources.append(audience)
        self.families.denylist_leeway = max(self.families.denylist_leeway, leeway)

    def audience(self, resource: str | None) -> str:
        """The ``aud`` of a token requested for ``resource`` (RFC 8707 §2): the one known API
        when it is omitted, else a known API named exactly."""
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
        check_resource(resource)
        if self._resources and resource not in self._resources:
            raise InvalidTargetError(
                f"this server issues no tokens for {resource!r}; known APIs: "
                f"{', '.join(self._resources)}"
            )
        return resource

    # -- scopes (RFC 6749 §3.3) -------------------------------------------------------------------

    def grant_scopes(
        self, allowed: tuple[str, ...], scope: str | Iterable[str] | None, client_id: str
    ) -> tuple[str, ...]:
        """The scopes to grant: all of ``allowed`` when ``scope`` is omitted (the documented
        default of RFC 6749 §3.3), else exactly the requested ones — each a whole scope token of
        ``allowed``; anything beyond is ``invalid_scope``, never silently dropped."""
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

    # -- DPoP: binding to the client's key (RFC 9449 §5, §6) -----------------------------------------

    @contextmanager
    def bound_to(self, jkt: str | None) -> Iterator[None]:
        """Answer a token request that proved possession of the DPoP key whose RFC 7638
        thumbprint is ``jkt`` (``None``: the request carried no proof): every access token minted
        inside is bound to the key (``cnf.jkt``, §6.1) and answered with ``token_type`` ``DPoP``
        (§5), and a public client's new refresh-token family is bound to it (§5). The proof
        itself is checked by the caller (the token endpoint) before it enters."""
        if jkt is not None and (not isinstance(jkt, str) or not jkt):
            raise TypeError(f"jkt must be a key's thumbprint (a non-empty str) or None, not {jkt!r}")
        entered = _PROOF_KEY.set(jkt)
        try:
            yield
        finally:
            _PROOF_KEY.reset(entered)

    @property
    def proof_key(self) -> str | None:
        """The thumbprint of the key the current token request proved, or ``None``."""
        return _PROOF_KEY.get()

    def check_refresh_binding(self, family: Family) -> None:
        """RFC 9449 §5: a refresh token bound to a DPoP key "MUST be validated when the refresh
        token is later presented": the request's proof must be signed by that very key. A
        refusal is ``invalid_grant`` (RFC 6749 §5.2: the refresh token is not valid for this
        request, as one issued to another client is not) and changes nothing, so a thief who
        copied the token cannot even spend it."""
        if family.jkt is None:
            return
        presented = self.proof_key
        if presented is None:
            raise InvalidGrantError(
                "this refresh token is bound to the DPoP key it was issued with: send the "
                "refresh request with a DPoP proof signed by that key (RFC 9449 §5)")
        if not hmac.compare_digest(presented.encode(), family.jkt.encode()):
            raise InvalidGrantError(
                "this refresh token is bound to another DPoP key than the one that signed this "
                "request's proof: only the key it was issued with can use it (RFC 9449 §5)")

    # -- minting ----------------------------------------------------------------------------------

    def issue(self, *, subject: str, client_id: str, audience: str,
              scopes: tuple[str, ...]) -> TokenResponse:
        """An access token alone (no refresh token), e.g. for the client credentials grant."""
        token, _ = self._access_token(subject, client_id, audience, scopes)
        return TokenResponse(access_token=token, expires_in=self.access_ttl,
                             scope=" ".join(scopes), token_type=self._token_type())

    def issue_with_refresh(
        self, client: _ClientRecord, subject: str, scopes: tuple[str, ...], audience: str,
        *, user: User | None = None,
    ) -> TokenResponse:
        """Start a new family for a fresh grant and issue its first token pair.

        ``user`` is the user as the grant authenticated them: if their password changed since
        (a password change between the check and now), nothing is issued (RFC 9700 §4.14.2).
        A public client's family is bound to the DPoP key of the request, if it proved one
        (RFC 9449 §5); a confidential client's is not — its refresh tokens are already bound to
        it by its authentication (RFC 6749 §6).
        """
        with self.lock:
            if user is not None and not self.users.is_current(user):
                raise InvalidGrantError(
                    "the password changed while this login was being checked: nothing is "
                    "issued for the old password; log in again (RFC 9700 §4.14.2)")
            now = self.clock.time()
            family = Family(
                family_id=self.random.token_urlsafe("family_id", 9), client_id=client.client_id,
                subject=subject, scopes=scopes, audience=audience, created_at=now,
                expires_at=now + self.refresh_ttl,
                jkt=self.proof_key if client.public else None)
            self.families.create(family)
            return self.issue_in_family(family, scopes)

    def issue_in_family(self, family: Family, scopes: tuple[str, ...],
                        refresh_token: str | None = None) -> TokenResponse:
        """The next token pair of ``family``: an access token and a fresh refresh token — or,
        given ``refresh_token`` (a refresh without rotation), that same one again."""
        now = self.clock.time()
        token, claims = self._access_token(family.subject, family.client_id, family.audience,
                                           scopes)
        self.families.add_access_token(family, claims["jti"], claims["exp"])
        refresh = refresh_token
        if refresh is None:
            refresh = self.random.token_urlsafe("refresh_token", 32)
            self.families.add_refresh_token(family, refresh, RefreshRecord(
                token_id=self.random.token_urlsafe("refresh_id", 9), family_id=family.family_id,
                client_id=family.client_id, issued_at=now))
        return TokenResponse(access_token=token, expires_in=self.access_ttl,
                             scope=" ".join(scopes), refresh_token=refresh,
                             token_type=self._token_type())

    def check_id_tokens_possible(self) -> None:
        """Refuse an OpenID Connect request up front when the current key cannot sign ID tokens a
        client could check: an HS256 secret is shared with no client (Core §10.1)."""
        algorithm = self.keys.current.algorithm
        if algorithm not in ID_TOKEN_ALGORITHMS:
            raise InvalidScopeError(
                f"this server signs with {algorithm}, a secret it shares with no client, so it "
                "cannot issue ID tokens a client could check (OpenID Connect Core §10.1); ask "
                f"without 'openid', or run the server with one of "
                f"{', '.join(sorted(ID_TOKEN_ALGORITHMS))}")

    def id_token(self, *, client_id: str, subject: str, access_token: str,
                 auth_time: float | None, nonce: str | None) -> str:
        """An ID token for the login of ``subject`` at ``auth_time`` (OpenID Connect Core §2),
        bound to ``access_token`` by ``at_hash`` and signed with the current key. It lives as
        long as an access token."""
        self.check_id_tokens_possible()
        token, _ = issue_id_token(
            self.keys, issuer=self.issuer, subject=subject, client_id=client_id,
            access_token=access_token, auth_time=auth_time, nonce=nonce, ttl=self.access_ttl,
            now=self.clock.time())
        return token

    def _access_token(self, subject: str, client_id: str, audience: str,
                      scopes: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
        return issue_access_token(
            self.keys, self.random, issuer=self.issuer, subject=subject, audience=audience,
            client_id=client_id, scopes=scopes, ttl=self.access_ttl, now=self.clock.time(),
            jkt=self.proof_key)

    def _token_type(self) -> str:
        """RFC 9449 §5: "A token_type of DPoP MUST be included" for a bound token."""
        return DPOP if self.proof_key is not None else BEARER
