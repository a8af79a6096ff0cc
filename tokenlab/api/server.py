"""The resource server (the API): verifies access tokens before it serves a request."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..authserver.durable import is_durable
from ..authserver.server import AuthServer
from ..clock import Clock, SystemClock, format_duration, format_time, is_numeric_date
from ..errors import (
    ExpiredTokenError,
    InvalidClaimError,
    InvalidDPoPProofError,
    NotYetValidError,
    TokenError,
    UseDPoPNonceError,
)
from ..jose.dpop_nonce import DPoPNonces
from ..jose.dpop_verify import DPoPProofVerifier
from ..jose.keys import VerificationKey
from ..jose.policy import INSECURE_HMAC_SECRET, INSECURE_SWITCHES, VerifierPolicy
from ..jose.verify import KeyLookup, RevocationCheck, VerifiedClaims, Verifier
from ..net.messages import Request, Response, basic_authorization, outcome_of
from ..net.wire import Wire
from ..randomness import RandomSource
from ..report import VerificationReport
from ..store import DENYLIST, MemoryStore
from .http import Handler, Routes, default_routes
from .http import handle as _handle_http

if TYPE_CHECKING:
    from ..attacks.internet import SimulatedInternet

__all__ = ["DPOP_MODES", "REVOCATION_MODES", "ResourceServer"]

#: How an API learns about revoked tokens.
#: ``none``: it doesn't — a JWT is valid until ``exp`` whatever happens (pure statelessness);
#: ``denylist``: it reads the authorization server's list of revoked ``jti``s (shared state);
#: ``introspect``: it asks the authorization server about each token (RFC 7662), optionally
#: caching the answer for ``introspection_cache_ttl`` seconds — a revocation then takes up to
#: that long to reach the API.
REVOCATION_MODES = ("none", "denylist", "introspect")
#: How an API takes tokens bound to a client's DPoP key (RFC 9449 §7):
#: ``off``: it does not speak DPoP — bearer tokens only (RFC 6750), as before;
#: ``optional``: bearer tokens and DPoP-bound tokens with their proofs (§7.2);
#: ``required``: DPoP-bound tokens only — a bearer token, which works for whoever holds it, is
#: refused. Whatever the mode, a bound token is never accepted as a bearer token (§7.2).
DPOP_MODES = ("off", "optional", "required")


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

    ``dpop`` (one of :data:`DPOP_MODES`, ``"off"`` by default) says whether it takes tokens
    bound to a client's key with their DPoP proofs (RFC 9449 §7, :meth:`verify_dpop`); the
    proofs are checked by :attr:`dpop_verifier` (401 errors, a replay cache of this API's own).
    ``require_dpop_nonce`` (off by default) makes every proof carry a nonce of this API's (§9).
    A token bound to a key (``cnf``) is refused as a bearer token in every mode (§7.2). In
    ``introspect`` mode the binding comes from the introspection answer (§6.2); a JWT that
    carries one itself stays bound even if an answer omits it.
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
        dpop: str = "off",
        require_dpop_nonce: bool = False,
    ) -> None:
        lookup: KeyLookup
        if auth is not None and not isinstance(auth, AuthServer):
            raise TypeError(f"auth must be an AuthServer, not {type(auth).__name__}")
        if not isinstance(dpop, str) or dpop not in DPOP_MODES:
            raise ValueError(f"dpop must be one of {', '.join(map(repr, DPOP_MODES))}, not {dpop!r}")
        if not isinstance(require_dpop_nonce, bool):
            raise TypeError(f"require_dpop_nonce must be True or False, not {require_dpop_nonce!r}")
        if require_dpop_nonce and dpop == "off":
            raise ValueError("require_dpop_nonce=True needs an API that takes DPoP: "
                             "dpop='optional' or dpop='required'")
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
        #: What introspection said about a token (``active``, ``cnf``), by the token's SHA-256.
        self._introspection_cache: dict[str, tuple[dict[str, Any], float]] = {}
        #: The answer to this thread's last question, for the DPoP binding (RFC 9449 §6.2).
        self._answers = threading.local()
        self.introspection_calls = 0
        self.dpop = dpop
        #: Checks the DPoP proofs of requests (RFC 9449 §4.3, §7.1): 401 errors, a replay cache
        #: of this API's own — kept in the authorization server's store when that one is durable
        #: (an in-process API restarts with it) —, its nonces when ``require_dpop_nonce`` (from
        #: the authorization server's random source when in-process, so a seeded world stays
        #: reproducible).
        durable = auth is not None and is_durable(auth.store)
        self.dpop_verifier = DPoPProofVerifier(
            self.clock, store=auth.store if durable else MemoryStore(self.clock), status=401,
            nonces=DPoPNonces(self.clock, auth.random if auth is not None else RandomSource())
            if require_dpop_nonce else None)
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
        """The claims of ``token`` presented as a bearer token, or a :class:`TokenError`
        subclass saying which step failed.

        ``scope`` names what the request needs; a valid token without it raises
        :class:`~tokenlab.errors.InsufficientScopeError` (HTTP 403). A token bound to a key
        (``cnf``) is refused: it is not a bearer token (RFC 9449 §7.2); so is every bearer
        token at an API with ``dpop="required"``.
        """
        return self._verifier.verify(token, now=self.clock.time(), scope=scope,
                                     confirmation=self._as_bearer)

    def verify_dpop(self, token: str, proofs: Mapping[str, str] | list[str] | str, method: str,
                    url: str, scope: str | Iterable[str] | None = None) -> VerifiedClaims:
        """The claims of ``token`` presented with the DPoP scheme (RFC 9449 §7.1), its proof
        checked: ``proofs`` are the request's header fields (or its ``DPoP`` values), ``method``
        and ``url`` the request's.

        The token is checked first, as :meth:`verify` checks it (a token fault is raised as
        such); then it must be bound to a key (``cnf.jkt``); then its proof must pass every
        check of §4.3 with ``ath`` of this token and the key of its ``cnf.jkt``
        (:class:`~tokenlab.errors.InvalidDPoPProofError` naming the check — ``error``
        ``invalid_token`` for a proof by another key, §7.1 — or
        :class:`~tokenlab.errors.UseDPoPNonceError`); only then is the scope judged.
        """
        if self.dpop == "off":
            raise ValueError("this API runs with dpop='off': it does not take DPoP tokens; make "
                             "it with ResourceServer(..., dpop='optional') or dpop='required'")

        def proven(text: str, claims: dict[str, Any]) -> TokenError | None:
            cnf = self._confirmation(text, claims)
            if cnf is None:
                also = (", and this API takes only DPoP-bound tokens: get one with a DPoP proof "
                        "at the token endpoint (RFC 9449 §5)" if self.dpop == "required" else
                        ": a proof cannot make it a DPoP token — send it as 'Authorization: "
                        "Bearer <token>'")
                return InvalidClaimError(
                    f"the token is not bound to a key (it has no cnf.jkt, RFC 9449 §6.1){also} "
                    "(RFC 9449 §7.1)", claim="cnf")
            jkt = cnf.get("jkt") if isinstance(cnf, Mapping) else None
            if not isinstance(jkt, str) or not jkt:
                return InvalidClaimError(
                    f"the token's confirmation claim cnf is {_shown(cnf)}, with no DPoP key "
                    "thumbprint (jkt) this API can check a proof against (RFC 9449 §6.1)",
                    claim="cnf")
            try:
                self.dpop_verifier.verify(proofs, method, url, access_token=text, expected_jkt=jkt)
            except InvalidDPoPProofError as err:
                if err.check == "jkt":  # §7.1: a fault of the token ("Invalid DPoP key binding")
                    err.error = "invalid_token"
                return err
            except UseDPoPNonceError as err:
                return err
            return None

        if not isinstance(token, str):
            raise TypeError(f"a token is text (str), not {type(token).__name__}")
        return self._verifier.verify(token, now=self.clock.time(), scope=scope,
                                     confirmation=proven)

    def _as_bearer(self, token: str, claims: dict[str, Any]) -> TokenError | None:
        """How :meth:`verify` judges a token presented as a bearer token (RFC 9449 §7.2)."""
        if "cnf" not in claims and self.revocation != "introspect" and self.dpop != "required":
            return None  # the common case, first: an unbound token at a bearer API
        cnf = self._confirmation(token, claims)
        if cnf is not None and not (isinstance(cnf, Mapping) and "jkt" in cnf):
            return InvalidClaimError(
                f"this token carries a confirmation claim, cnf {_shown(cnf)}, but not a DPoP key "
                "(jkt): it is bound to a key in a way this API cannot check (RFC 7800 §3), or its "
                "cnf is malformed — either way it is not a bearer token, and it is refused",
                claim="cnf")
        if cnf is not None:
            return InvalidClaimError(
                "this token is bound to a key (its cnf claim): it is not a bearer token, and a "
                "copy is worth nothing without the key — send it as 'Authorization: DPoP <token>' "
                "with a DPoP proof signed by that key (RFC 9449 §7.2: an API \"MUST reject a "
                "DPoP-bound access token received as a bearer token\")", claim="cnf")
        if self.dpop == "required":
            return InvalidClaimError(
                "this API takes only DPoP-bound tokens (sender-constrained, RFC 9449 §7): a "
                "bearer token works for whoever holds a copy, so it is refused here — get a token "
                "with a DPoP proof (RFC 9449 §5) and send it with the DPoP scheme", claim="cnf")
        return None

    def _confirmation(self, token: str, claims: dict[str, Any]) -> object:
        """The token's confirmation claim (``cnf``, RFC 7800 §3), ``None`` when unbound: in
        ``introspect`` mode the one the introspection answer gave (RFC 9449 §6.2), else, or when
        the answer has none, the token's own."""
        cnf = claims.get("cnf")
        if cnf is None and "cnf" in claims:
            cnf = JSON_NULL  # present but null: malformed, never "unbound" (fail closed)
        if self.revocation == "introspect":
            last = getattr(self._answers, "last", None)
            if last is not None and last[0] == _token_key(token) and "cnf" in last[1]:
                cnf = last[1]["cnf"]
        return cnf

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
        key = _token_key(token)
        now = self.clock.time()
        cached = self._introspection_cache.get(key)
        if cached is not None and now < cached[1]:
            answer = cached[0]
        else:
            self.introspection_calls += 1
            answer = self._introspect_over_the_wire(token)
            if self.introspection_cache_ttl:
                self._introspection_cache = {k: v for k, v in self._introspection_cache.items()
                                             if now < v[1]}
                self._introspection_cache[key] = (answer, now + self.introspection_cache_ttl)
        self._answers.last = (key, answer)
        if answer["active"]:
            return None
        return _why_inactive(claims, now, self.policy.leeway)

    def _introspect_over_the_wire(self, token: str) -> dict[str, Any]:
        """POST /introspect to the authorization server as this API (RFC 7662 §2.1), recorded
        on the wire like every other message; what the API keeps of the answer: ``active`` and,
        when the token is bound to a key, its ``cnf`` (RFC 9449 §6.2)."""
        assert self.auth is not None and self._credentials is not None
        request = Request.post(
            self.auth.metadata()["introspection_endpoint"], {"token": token},
            {"Authorization": basic_authorization(*self._credentials)})
        response = self.auth.handle(request, sender="api")
        body = response.body if isinstance(response.body, Mapping) else {}
        active = response.status == 200 and body.get("active") is True
        return {"active": active, **({"cnf": body["cnf"]} if active and "cnf" in body else {})}

    def __repr__(self) -> str:
        dpop = "" if self.dpop == "off" else f", dpop={self.dpop!r}" + (
            ", DPoP nonces required" if self.dpop_verifier.nonces is not None else "")
        return "\n".join([
            f"ResourceServer(audience={self.audience!r}, issuer={self.policy.issuer!r}, "
            f"leeway={self.policy.leeway}, revocation={self.revocation!r}{dpop})",
            *_insecure_lines(self.insecure)])


def _token_key(token: str) -> str:
    """A fixed-size key for a token (its SHA-256): what the introspection cache is keyed by."""
    return hashlib.sha256(token.encode()).hexdigest()


class _JSONNull:
    """A claim present with the JSON value ``null`` — told apart from a missing claim."""

    def __repr__(self) -> str:
        return "null"


JSON_NULL = _JSONNull()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


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
