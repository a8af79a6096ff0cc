"""The front channel of an authorization-code login (RFC 6749 §4.1, RFC 7636): what the app
remembers between sending the browser away and its return — ``state``, the PKCE verifier and,
for ``openid``, a ``nonce`` — and the check of the redirect it comes back with."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..authserver.pkce import S256, is_valid_verifier, s256_challenge
from ..net.masking import mask_for_display
from ..randomness import RandomSource

__all__ = ["PendingLogin", "refusal"]


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """What the app remembers between sending the browser away and its return."""

    state: str
    verifier: str
    #: The OpenID Connect ``nonce`` sent with an ``openid`` login (Core §3.1.2.1), else ``None``.
    nonce: str | None = None

    @classmethod
    def start(cls, random: RandomSource, client_id: str, *, openid: bool) -> PendingLogin:
        """Fresh values for one login: a PKCE verifier (RFC 7636 §4.1), ``state`` (RFC 6749
        §10.12) and, for ``openid``, a nonce that ties the ID token to this login (OpenID Connect
        Core §3.1.2.1; §15.5.2: a fresh, unguessable value per login)."""
        purpose = f"client {client_id}"
        verifier = random.token_urlsafe(f"{purpose} pkce_verifier", 32)
        assert is_valid_verifier(verifier)
        state = random.token_urlsafe(f"{purpose} state", 16)
        nonce = random.token_urlsafe(f"{purpose} nonce", 16) if openid else None
        return cls(state, verifier, nonce)

    def authorize_params(self, client_id: str, redirect_uri: str) -> dict[str, str]:
        """The query of the authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3)."""
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                  "state": self.state, "code_challenge": s256_challenge(self.verifier),
                  "code_challenge_method": S256}
        if self.nonce is not None:
            params["nonce"] = self.nonce
        return params

    def __repr__(self) -> str:
        """The verifier shortened, as the wire shows it (RFC 7636 §7.1: "The security model
        relies on the fact that the code verifier is not learned or guessed by the attacker")."""
        nonce = "" if self.nonce is None else f", nonce={self.nonce!r}"
        return (f"_PendingLogin(state={self.state!r}, "
                f"verifier={mask_for_display(self.verifier, 'code_verifier')!r}{nonce})")


def refusal(url: str, params: dict[str, str], redirect_uri: str | None,
            pending: PendingLogin | None) -> str | None:
    """Why the app refuses the redirect to ``url`` (query ``params``), or ``None``: it must come
    to this app's redirect URI, for a login in progress, with that login's ``state`` compared in
    constant time (CSRF, RFC 6749 §10.12; RFC 9700 §4.7)."""
    back = redirect_uri is not None and urlsplit(url)._replace(query="") == urlsplit(
        redirect_uri)._replace(query="")
    if not back:
        return "not this app's redirect URI"
    if pending is None:
        return "no login in progress"
    if not hmac.compare_digest(params.get("state", "").encode("utf-8"),
                               pending.state.encode("utf-8")):
        return "state does not match"
    return None
