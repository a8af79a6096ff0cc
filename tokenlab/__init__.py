"""tokenlab: how API tokens are issued, used, expired, refreshed, revoked — and attacked.

A teaching tool with real cryptography (PyJWT, cryptography) on a simulated clock. Not for
production: seeded servers use published demo keys and everything lives in memory.

>>> from tokenlab import SimClock, AuthServer, ResourceServer
>>> clock = SimClock()
>>> auth = AuthServer(issuer="https://auth.example", clock=clock, seed=1)
>>> app = auth.register_client("weather-app", scopes=["weather:read"])
>>> api = ResourceServer(audience="https://api.example", auth=auth)
>>> t = auth.client_credentials(app.client_id, app.client_secret, scope="weather:read")
>>> api.verify(t.access_token)["scope"]
'weather:read'
"""

from typing import TYPE_CHECKING

from .api.server import ResourceServer
from .authserver.authcode import AuthorizationRedirect
from .authserver.clients import RegisteredClient
from .authserver.pkce import make_verifier, s256_challenge
from .authserver.server import AuthServer
from .authserver.users import User
from .client.app import Client
from .client.storage import TokenStorage
from .clock import Clock, SimClock, SystemClock
from .errors import (
    AccessDeniedError,
    AlgorithmNotAllowedError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidClientError,
    InvalidDPoPProofError,
    InvalidGrantError,
    InvalidHeaderError,
    InvalidIssuerError,
    InvalidRequestError,
    InvalidScopeError,
    InvalidSignatureError,
    InvalidTargetError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    RefreshTokenReuseError,
    RevokedTokenError,
    TokenError,
    UnauthorizedClientError,
    UnknownKeyError,
    UnsupportedGrantTypeError,
    UnsupportedResponseTypeError,
    UseDPoPNonceError,
)
from .jose.dpop import DPoPKey
from .jose.keys import SigningKey, VerificationKey
from .jose.policy import VerifierPolicy
from .jose.thumbprint import jwk_thumbprint
from .jose.tokens import TokenResponse
from .jose.verify import VerifiedClaims
from .net.messages import Request, Response
from .net.wire import Event, Wire
from .report import StepStatus, VerificationReport
from .store import MemoryStore, Store

if TYPE_CHECKING:  # the serving package is imported only when serve() is called
    from .serving import Serving

__version__ = "0.1.0"


def serve(*, port: int = 0, api_port: int = 0, seed: int | str | None = None,
          store: str | None = None, tls: bool = False,
          dpop_required: bool = False) -> "Serving":
    """Run the authorization server and an API over real HTTP on 127.0.0.1, in background
    threads: ``with tokenlab.serve(seed=1) as s: ...`` (see :mod:`tokenlab.serving`; imported
    only when called, so ``import tokenlab`` stays light)."""
    from .serving import serve as _serve

    return _serve(port=port, api_port=api_port, seed=seed, store=store, tls=tls,
                  dpop_required=dpop_required)

__all__ = [
    "AccessDeniedError",
    "AlgorithmNotAllowedError",
    "AuthServer",
    "AuthorizationRedirect",
    "Client",
    "Clock",
    "DPoPKey",
    "Event",
    "ExpiredTokenError",
    "InsufficientScopeError",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidClientError",
    "InvalidDPoPProofError",
    "InvalidGrantError",
    "InvalidHeaderError",
    "InvalidIssuerError",
    "InvalidRequestError",
    "InvalidScopeError",
    "InvalidSignatureError",
    "InvalidTargetError",
    "MalformedTokenError",
    "MemoryStore",
    "MissingClaimError",
    "NotYetValidError",
    "RefreshTokenReuseError",
    "RegisteredClient",
    "Request",
    "ResourceServer",
    "Response",
    "RevokedTokenError",
    "SigningKey",
    "SimClock",
    "StepStatus",
    "Store",
    "SystemClock",
    "TokenError",
    "TokenResponse",
    "TokenStorage",
    "UnauthorizedClientError",
    "UnknownKeyError",
    "UnsupportedGrantTypeError",
    "UnsupportedResponseTypeError",
    "UseDPoPNonceError",
    "User",
    "VerificationKey",
    "VerificationReport",
    "VerifiedClaims",
    "VerifierPolicy",
    "Wire",
    "jwk_thumbprint",
    "make_verifier",
    "s256_challenge",
    "serve",
]
