"""The client side of DPoP (RFC 9449): every request a DPoP app sends carries a fresh proof by
its key, made on the world's clock, with the latest nonce the server handed out; a
``use_dpop_nonce`` answer is retried once with the new nonce (§8 at the token endpoint, §9 at an
API)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from ..api.http import parse_challenges
from ..clock import Clock
from ..jose.dpop import NONCE_SYNTAX, DPoPKey
from ..net.messages import Request, Response
from ..randomness import RandomSource

__all__ = ["ProofSender", "challenge_error", "proof_random"]


def proof_random(seed: int | str | None, client_id: str) -> RandomSource:
    """Where an app's proof key and its ``jti`` values come from: derived from the app's seed and
    client id when seeded (demo-only, like every seeded key), :mod:`secrets` otherwise."""
    return RandomSource(None if seed is None else f"{seed!r}\x00client {client_id} dpop")


class ProofSender:
    """Sends requests as ``name`` with DPoP proofs by ``key``; remembers nonces by origin."""

    def __init__(self, key: DPoPKey, clock: Clock, name: str) -> None:
        self.key = key
        self.clock = clock
        self.name = name
        #: The latest DPoP nonce each server handed out, by origin (RFC 9449 §8, §9).
        self.nonces: dict[str, str] = {}

    def send(self, handle: Callable[..., Response], request: Request, *,
             access_token: str | None = None) -> Response:
        """Send ``request`` with a fresh DPoP proof (and ``ath`` of ``access_token``), keeping
        the server's latest nonce; a ``use_dpop_nonce`` answer is retried once, with a new proof
        carrying the nonce it handed out (RFC 9449 §8, §9)."""
        response = handle(self._proved(request, access_token), sender=self.name)
        if self._keep_nonce(request.url, response) and _asks_for_nonce(response):
            response = handle(self._proved(request, access_token), sender=self.name)
            self._keep_nonce(request.url, response)
        return response

    def _proved(self, request: Request, access_token: str | None) -> Request:
        """``request`` with a ``DPoP`` header: a new proof for its method and URL, made now by the
        world's clock (also for a key given without one)."""
        proof = self.key.proof(request.method, request.url, now=self.clock.time(),
                               access_token=access_token,
                               nonce=self.nonces.get(_origin(request.url)))
        return Request(request.method, request.url, {**request.headers, "DPoP": proof},
                       request.body)

    def _keep_nonce(self, url: str, response: Response) -> bool:
        """Keep the ``DPoP-Nonce`` of ``response`` as the latest of the server at ``url``;
        ``True`` when it carried a new one (a value of the wrong form is not kept)."""
        nonce = response.headers.get("DPoP-Nonce")
        if nonce is None or NONCE_SYNTAX.fullmatch(nonce) is None:
            return False
        changed = self.nonces.get(_origin(url)) != nonce
        self.nonces[_origin(url)] = nonce
        return changed


def challenge_error(response: Response) -> str | None:
    """The ``error`` of the Bearer or DPoP challenge that carries one (RFC 6750 §3, RFC 9449
    §7.1), if any: the one for the scheme the request used comes first."""
    header = response.headers.get("WWW-Authenticate")
    if header is None:
        return None
    for scheme, params in parse_challenges(header):
        if scheme.lower() in ("bearer", "dpop") and "error" in params:
            return params["error"]
    return None


def _asks_for_nonce(response: Response) -> bool:
    """A ``use_dpop_nonce`` answer: 400 from a token endpoint (RFC 9449 §8), 401 with a DPoP
    challenge from an API (§9)."""
    if response.status == 400:
        return response.json().get("error") == "use_dpop_nonce"
    return response.status == 401 and challenge_error(response) == "use_dpop_nonce"


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, in lower case: which server a nonce belongs to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
