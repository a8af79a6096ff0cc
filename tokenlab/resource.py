"""The resource server (the API): verifies access tokens before it serves a request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .clock import Clock, SystemClock
from .errors import TokenError
from .keys import VerificationKey
from .policy import VerifierPolicy
from .report import VerificationReport
from .verify import KeyLookup, VerifiedClaims, Verifier

if TYPE_CHECKING:
    from .authserver import AuthServer

__all__ = ["ResourceServer"]


class ResourceServer:
    """An API that accepts JWT access tokens for ``audience``.

    Give it ``auth=`` (an in-process :class:`AuthServer`: its issuer, keys and clock are
    trusted), or ``issuer=`` and ``jwks=`` (a JWK Set, as fetched from the issuer's
    ``jwks_uri``). ``leeway`` tolerates clock skew, 0 s by default; ``policy`` replaces the
    whole hardened default.
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
    ) -> None:
        lookup: KeyLookup
        if auth is not None:
            if issuer is not None and issuer != auth.issuer:
                raise ValueError(f"issuer {issuer!r} differs from auth.issuer {auth.issuer!r}")
            issuer = auth.issuer
            lookup = auth.keys.find
            clock = clock if clock is not None else auth.clock
            auth.register_resource(audience)
        elif issuer is not None and jwks is not None:
            keys = _trusted_keys(jwks)
            lookup = lambda kid, now: keys.get(kid)  # noqa: E731
        else:
            raise ValueError(
                "a ResourceServer needs auth=AuthServer(...), or issuer=... and jwks=... "
                "to know whose tokens to trust"
            )
        self.audience = audience
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.policy = policy if policy is not None else VerifierPolicy(
            issuer=issuer, audience=audience, leeway=leeway
        )
        if self.policy.audience != audience or self.policy.issuer != issuer:
            raise ValueError("policy.audience and policy.issuer must match this server's")
        self._verifier = Verifier(self.policy, lookup)

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

    def __repr__(self) -> str:
        return (
            f"ResourceServer(audience={self.audience!r}, issuer={self.policy.issuer!r}, "
            f"leeway={self.policy.leeway})"
        )


def _trusted_keys(jwks: Mapping[str, Any]) -> dict[str, VerificationKey]:
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError("jwks must be a JWK Set: {'keys': [ ...at least one JWK... ]}")
    keys = [VerificationKey.from_jwk(j) for j in entries]
    return {k.kid: k for k in keys}
