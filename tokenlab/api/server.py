"""The resource server (the API): verifies access tokens before it serves a request."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..authserver.server import AuthServer
from ..clock import Clock, SystemClock, format_duration, format_time, is_numeric_date
from ..errors import ExpiredTokenError, NotYetValidError, TokenError
from ..jose.keys import VerificationKey
from ..jose.policy import INSECURE_HMAC_SECRET, INSECURE_SWITCHES, VerifierPolicy
from ..jose.verify import KeyLookup, RevocationCheck, VerifiedClaims, Verifier
from ..net.messages import Request, Response, basic_authorization, outcome_of
from ..net.wire import Wire
from ..report import VerificationReport
from ..store import DENYLIST
from .http import Handler, Routes, default_routes
from .http import handle as _handle_http

if TYPE_CHECKING:
    from ..attacks.internet import SimulatedInternet

__all__ = ["REVOCATION_MODES", "ResourceServer"]

#: How an API learns about revoked tokens.
#: ``none``: it doesn't — a JWT is valid until ``exp`` whatever happens (pure statelessness);
#: ``denylist``: it reads the authorization server's list of revoked ``jti``s (shared state);
#: ``introspect``: it asks the authorization server about each token (RFC 7662), optionally
#: caching the answer for ``introspection_cache_ttl`` seconds — a revocation then takes up to
#: that long to reach the API.
REVOCATION_MODES = ("none", "denylist", "introspect")


class ResourceServer:
    """An API that accepts JWT access tokens for ``audience``.

    Give it ``auth=`` (an in-process :class:`AuthServer`: its issuer, keys, clock and revocations
    are trusted), or ``issuer=`` and ``jwks=`` (a JWK Set, as fetched from the issuer's
    ``jwks_uri``; such an API cannot learn of revocations). ``leeway`` tolerates clock skew, 0 s
    by default; ``policy`` replaces the whole hardened default. ``wire`` is where :meth:`handle`
    records requests: ``auth.wire`` unless given (a new one for a JWKS-only API).

    A ``policy`` with ``insecure_*`` switches on (the attack lessons' mistakes) is run by the
    fenced verifier of :mod:`tokenlab.attacks`, and nothing hides it: the repr has one
    ``INSECURE:`` line per mistake, and every answer on the wire ends ``[INSECURE: ...]`` with a
    note saying what each mistake breaks. The same goes for an API that trusts an authorization
    server with a weak HS256 secret. ``internet`` is where a ``jku`` URL is fetched
    (``insecure_trust_jku_header`` only; a new one on :attr:`wire` unless given).
    """

    def __init__(
        self,
        audience: str,
        auth: AuthServer | None = None,
        *,
        issuer: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
        leeway: float = 0,
        policy: VerifierPolicy | None = None,
        revocation: str | None = None,
        introspection_cache_ttl: float = 0,
        wire: Wire | None = None,
        internet: SimulatedInternet | None = None,
    ) -> None:
        lookup: KeyLookup
        if auth is not None and not isinstance(auth, AuthServer):
            raise TypeError(f"auth must be an AuthServer, not {type(auth).__name__}")
        if clock is not None and not isinstance(clock, Clock):
            raise TypeError(f"clock must be a Clock such as SimClock(), not {type(clock).__name__}")
        if revocation is None:
            revocation = "denylist" if auth is not None else "none"
        if revocation not in REVOCATION_MODES:
            raise ValueError(f"revocation must be one of {', '.join(REVOCATION_MODES)}, "
                             f"got {revocation!r}")
        # Added to the clock's time (now + ttl), so it obeys the NumericDate rule (RFC 7519 §2).
        if not is_numeric_date(introspection_cache_ttl) or introspection_cache_ttl < 0:
            raise ValueError("introspection_cache_ttl must be a finite number of seconds >= 0, "
                             f"got {introspection_cache_ttl!r}")
        if auth is not None:
            if issuer is not None and issuer != auth.issuer:
                raise ValueError(f"issuer {issuer!r} differs from auth.issuer {auth.issuer!r}")
            issuer = auth.issuer
            lookup = auth.keys.find
            clock = clock if clock is not None else auth.clock
        elif issuer is not None and jwks is not None:
            if revocation != "none":
                raise ValueError(
                    f"revocation={revocation!r} needs auth=...: an API that only has the JWKS "
                    "cannot learn which tokens were revoked")
            keys = _trusted_keys(jwks)
            lookup = lambda kid, now: keys.get(kid)  # noqa: E731
        else:
            raise ValueError(
                "a ResourceServer needs auth=AuthServer(...), or issuer=... and jwks=... "
                "to know whose tokens to trust"
            )
        self.audience = audience
        self.auth = auth
        self.revocation = revocation
        self.introspection_cache_ttl = introspection_cache_ttl
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.policy = policy if policy is not None else VerifierPolicy(
            issuer=issuer, audience=audience, leeway=leeway
        )
        if self.policy.audience != audience or self.policy.issuer != issuer:
            raise ValueError("policy.audience and policy.issuer must match this server's")
        self._introspection_cache: dict[str, tuple[bool, float]] = {}
        self.introspection_calls = 0
        self._credentials: tuple[str, str] | None = None
        check: RevocationCheck | None = None
        if auth is not None:
            auth.register_resource(audience, leeway=self.policy.leeway)
            if revocation == "denylist":
                store = auth.store
                check = lambda token, claims: (  # noqa: E731
                    "it is on the authorization server's denylist"
                    if store.contains(DENYLIST, claims.get("jti")) else None)
            elif revocation == "introspect":
                reg = auth.register_client(f"api {audience}", scopes=[])
                assert reg.client_secret is not None
                self._credentials = (reg.client_id, reg.client_secret)
                check = self._ask_authorization_server
        #: Shared with ``auth`` by default, so one trace shows the whole conversation.
        self.wire: Wire = wire if wire is not None else (
            auth.wire if auth is not None else Wire(self.clock))
        #: Where a ``jku`` header's URL is fetched (only with ``insecure_trust_jku_header``).
        self.internet = internet
        self._verifier: Verifier
        if self.policy.insecure_switches:  # the fence, loaded only when a mistake is asked for
            from ..attacks.fence import FencedVerifier

            if self.policy.insecure_trust_jku_header and self.internet is None:
                from ..attacks.internet import SimulatedInternet

                self.internet = SimulatedInternet(self.wire)
            self._verifier = FencedVerifier(self.policy, lookup, check, internet=self.internet)
        else:
            self._verifier = Verifier(self.policy, lookup, check)
        weak = auth.keys.current.insecure if auth is not None else None
        #: The mistakes this API runs with: its policy's switches, and its issuer's weak secret.
        self.insecure: tuple[str, ...] = (*self.policy.insecure_switches, *((weak,) if weak else ()))
        #: The HTTP endpoints :meth:`handle` serves; the demo ones to start with.
        self.routes: Routes = default_routes()

    def handle(self, request: Request, sender: str = "client") -> Response:
        """Serve one HTTP request as RFC 6750 says (see :mod:`tokenlab.api.http`) and record it on
        :attr:`wire`. Malformed input is a 400, never an error. An insecure API's answers are
        marked INSECURE on the wire."""
        if not self.insecure:
            return _handle_http(self, request, sender)
        return _handle_http(_Marked(self), request, sender)

    def route(self, method: str, path: str, scope: str | Iterable[str] | None,
              handler: Handler) -> None:
        """Serve ``method path`` with ``handler(request, claims)`` to tokens granting ``scope``
        (``None``: any valid token)."""
        self.routes.add(method, path, scope, handler)

    def verify(self, token: str | bytes, scope: str | Iterable[str] | None = None) -> VerifiedClaims:
        """The token's claims, or a :class:`TokenError` subclass saying which step failed.

        ``scope`` names what the request needs; a valid token without it raises
        :class:`~tokenlab.errors.InsufficientScopeError` (HTTP 403).
        """
        return self._verifier.verify(token, now=self.clock.time(), scope=scope)

    def check(
        self, token: str | bytes, scope: str | Iterable[str] | None = None
    ) -> VerificationReport:
        """Like :meth:`verify` but returns the three-step report instead of raising."""
        try:
            return self.verify(token, scope).report
        except TokenError as exc:
            assert exc.report is not None
            return exc.report

    def _ask_authorization_server(self, token: str,
                                  claims: dict[str, Any]) -> str | TokenError | None:
        """Introspection mode: is the token still active? Cached for ``introspection_cache_ttl``.

        Asked only about a token this API already found valid, and before the scope is judged.
        """
        assert self.auth is not None and self._credentials is not None
        key = hashlib.sha256(token.encode()).hexdigest()
        now = self.clock.time()
        cached = self._introspection_cache.get(key)
        if cached is not None and now < cached[1]:
            active = cached[0]
        else:
            self.introspection_calls += 1
            active = self._introspect_over_the_wire(token)
            if self.introspection_cache_ttl:
                self._introspection_cache = {k: v for k, v in self._introspection_cache.items()
                                             if now < v[1]}
                self._introspection_cache[key] = (active, now + self.introspection_cache_ttl)
        if active:
            return None
        return _why_inactive(claims, now, self.policy.leeway)

    def _introspect_over_the_wire(self, token: str) -> bool:
        """POST /introspect to the authorization server as this API (RFC 7662 §2.1), recorded
        on the wire like every other message."""
        assert self.auth is not None and self._credentials is not None
        request = Request.post(
            self.auth.metadata()["introspection_endpoint"], {"token": token},
            {"Authorization": basic_authorization(*self._credentials)})
        response = self.auth.handle(request, sender="api")
        body = response.body if isinstance(response.body, Mapping) else {}
        return response.status == 200 and body.get("active") is True

    def __repr__(self) -> str:
        return "\n".join([
            f"ResourceServer(audience={self.audience!r}, issuer={self.policy.issuer!r}, "
            f"leeway={self.policy.leeway}, revocation={self.revocation!r})",
            *_insecure_lines(self.insecure)])


def _insecure_lines(names: Iterable[str]) -> list[str]:
    """``INSECURE: <mistake> — what it breaks``, one line per mistake."""
    what = {**INSECURE_SWITCHES, INSECURE_HMAC_SECRET[0]: INSECURE_HMAC_SECRET[1]}
    return [f"INSECURE: {name} — {what[name]}" for name in names]


class _MarkedWire:
    """The API's wire, with each event it records marked: the outcome ends ``[INSECURE: ...]``
    (so a one-line summary shows it) and a note says what each mistake breaks (so a rendered
    trace explains it)."""

    def __init__(self, wire: Wire, names: tuple[str, ...]) -> None:
        self._wire = wire
        self._names = names

    def record(self, request: Request, response: Response, *, sender: str, receiver: str,
               outcome: str | None = None, notes: Iterable[str] = ()) -> object:
        marked = f"{outcome or outcome_of(response)} [INSECURE: {', '.join(self._names)}]"
        return self._wire.record(request, response, sender=sender, receiver=receiver,
                                 outcome=marked, notes=[*notes, *_insecure_lines(self._names)])


class _Marked:
    """The API as :func:`tokenlab.api.http.handle` sees it: itself in every way (attributes are
    forwarded), except that it records on a marked wire."""

    def __init__(self, api: ResourceServer) -> None:
        self._api = api
        self.wire = _MarkedWire(api.wire, api.insecure)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


_INACTIVE = "the authorization server says it is no longer active (introspection)"


def _why_inactive(claims: dict[str, Any], now: float, leeway: float) -> str | TokenError:
    """Why the API refuses a token it found valid but the authorization server called inactive.

    RFC 7662 §2.2 says only "active": false, never why. The authorization server judges times
    with no leeway; this API tolerates ``leeway`` seconds of skew. So a token past its ``exp`` (or
    before its ``nbf``/``iat``) by this API's clock was let through by the leeway alone: that is
    the reason to report, not a revocation nobody made. Otherwise the token was revoked (str).
    """
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    # The claims passed the verifier, so every present time is a NumericDate.
    if exp is not None and now >= exp:
        return ExpiredTokenError(
            f"expired {format_duration(now - exp)} ago, at {format_time(exp)}: this API's "
            f"{format_duration(leeway)} leeway would accept it until {format_time(exp + leeway)}, "
            "but the authorization server, which allows no leeway, no longer considers it "
            "active (introspection: active false, RFC 7662 §2.2)", exp=exp, now=now, leeway=leeway)
    for name, start in (("nbf", nbf), ("iat", iat)):
        if start is not None and now < start:
            return NotYetValidError(
                f"{name} is {format_time(start)}, {format_duration(start - now)} from now: this "
                f"API's {format_duration(leeway)} leeway would accept it, but the authorization "
                "server, which allows no leeway, does not consider it active "
                "(introspection: active false, RFC 7662 §2.2)", claim=name)
    return _INACTIVE


def _trusted_keys(jwks: Mapping[str, Any]) -> dict[str, VerificationKey]:
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError("jwks must be a JWK Set: {'keys': [ ...at least one JWK... ]}")
    keys = [VerificationKey.from_jwk(j) for j in entries]
    return {k.kid: k for k in keys}
