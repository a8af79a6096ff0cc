"""The token itself: keys, JWT access tokens (RFC 9068), their three-step verification and the
policy that decides what a verifier accepts (RFC 7515, 7517, 7519, 8725); OpenID Connect ID
tokens; DPoP proofs and their verification (RFC 9449) with JWK thumbprints (RFC 7638).

May import only the ground (:mod:`tokenlab.clock`, :mod:`~tokenlab.randomness`,
:mod:`~tokenlab.errors`, :mod:`~tokenlab.report`, :mod:`~tokenlab.store`); it knows nothing of
servers, wires or clients — every actor above uses it. JWTs are made and checked by PyJWT, keys
by cryptography.
"""

from .dpop import DPoPKey, access_token_hash
from .dpop_nonce import DPoPNonces
from .dpop_verify import DPoPProofVerifier, VerifiedProof
from .keys import SUPPORTED_ALGORITHMS, KeyRing, SigningKey, VerificationKey
from .policy import RFC9068_REQUIRED_CLAIMS, VerifierPolicy
from .thumbprint import jwk_thumbprint
from .tokens import ACCESS_TOKEN_TYP, TokenResponse, issue_access_token, shorten
from .verify import VerifiedClaims, Verifier, parse_scope

__all__ = [
    "ACCESS_TOKEN_TYP",
    "RFC9068_REQUIRED_CLAIMS",
    "SUPPORTED_ALGORITHMS",
    "DPoPKey",
    "DPoPNonces",
    "DPoPProofVerifier",
    "KeyRing",
    "SigningKey",
    "TokenResponse",
    "VerificationKey",
    "VerifiedClaims",
    "VerifiedProof",
    "Verifier",
    "VerifierPolicy",
    "access_token_hash",
    "issue_access_token",
    "jwk_thumbprint",
    "parse_scope",
    "shorten",
]
