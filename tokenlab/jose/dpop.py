"""The client's side of DPoP (RFC 9449 §4.2): a proof key and the proofs it signs.

A DPoP proof is a small JWT the client signs for one HTTP request: header ``typ`` ``dpop+jwt``,
its ``alg`` and its public key as ``jwk``; claims ``jti`` (fresh), ``htm`` and ``htu`` (the
method and URL), ``iat`` (now), and ``ath`` (the hash of the access token) or ``nonce`` (the
server's) when there is one. An access token bound to the key (``cnf.jkt``, §6.1) is useless to
a thief without the private key: every request needs a new proof, made with it.

Proof keys are ES256 (P-256, the default) or EdDSA (Ed25519). From a seeded random source the key
and every ``jti`` are derived from the seed — demo-only, like every seeded key — and ES256 signs
with RFC 6979 deterministic nonces, so a seeded world's proofs are byte-for-byte reproducible.
JWTs are made by PyJWT, keys by cryptography.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm
from jwt.utils import base64url_encode, der_to_raw_signature

from ..clock import Clock, is_numeric_date
from ..randomness import RandomSource
from .htu import target_uri
from .thumbprint import jwk_thumbprint

__all__ = ["DPOP_TYP", "NONCE_SYNTAX", "PROOF_KEY_ALGORITHMS", "DPoPKey", "access_token_hash"]

#: RFC 9449 §4.2: the proof's ``typ`` "explicitly types the DPoP proof JWT as recommended in
#: Section 3.11 of [RFC8725]".
DPOP_TYP = "dpop+jwt"
#: The algorithms a :class:`DPoPKey` signs with.
PROOF_KEY_ALGORITHMS = ("ES256", "EdDSA")

# Order of the P-256 group (SEC 2, §2.4.2): a derived EC private key must lie in [1, n-1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
#: RFC 9110 §9.1, §5.6.2: a method is a token of tchar.
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: RFC 9449 §8.1: nonce = 1*NQCHAR; NQCHAR = %x21 / %x23-5B / %x5D-7E.
NONCE_SYNTAX = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


class _DeterministicES256(ECAlgorithm):
    """PyJWT's ES256, signing with RFC 6979 deterministic nonces (cryptography's
    ``deterministic_signing``): the same key and message give the same signature, as safe as a
    random nonce and never dependent on the quality of one. Verification is unchanged."""

    def sign(self, msg: bytes, key: Any) -> bytes:
        der = key.sign(msg, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        return der_to_raw_signature(der, key.curve)


_JWS = jwt.PyJWS(algorithms=["EdDSA"])
_JWS.register_algorithm("ES256", _DeterministicES256(ECAlgorithm.SHA256, ec.SECP256R1))


def access_token_hash(access_token: str) -> str:
    """The ``ath`` of a proof sent with ``access_token`` (RFC 9449 §4.2): "the result of a
    base64url encoding ... the SHA-256 [SHS] hash of the ASCII encoding of the associated
    access token's value"."""
    if not isinstance(access_token, str):
        raise TypeError(f"the access token is a str, not {type(access_token).__name__}")
    if not access_token:
        raise ValueError("the access token is empty")
    if not access_token.isascii():
        raise ValueError("an access token is ASCII text (RFC 6750 §2.1: b64token); this one is not")
    return base64url_encode(hashlib.sha256(access_token.encode("ascii")).digest()).decode("ascii")


class DPoPKey:
    """A client's proof-of-possession key: it signs one DPoP proof per request.

    >>> from tokenlab import SimClock
    >>> from tokenlab.randomness import RandomSource
    >>> key = DPoPKey.generate("ES256", random=RandomSource(seed=1), clock=SimClock())
    >>> key.thumbprint == jwk_thumbprint(key.public_jwk)
    True
    >>> proof = key.proof("GET", "https://api.example/weather?city=Paris")

    Its repr shows the algorithm and the thumbprint, never private material.
    """

    __slots__ = ("_jwk", "_private", "_random", "_thumbprint", "algorithm", "clock", "demo")

    def __init__(self, private_key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey, *,
                 random: RandomSource | None = None, clock: Clock | None = None,
                 demo: bool = False) -> None:
        """Wrap a private key made elsewhere: a P-256 key signs ES256, an Ed25519 key EdDSA.

        ``random`` draws each proof's ``jti`` (default: :mod:`secrets`); ``clock`` gives ``iat``
        when a proof is not told ``now``; ``demo`` marks a key derived from a seed."""
        if isinstance(private_key, ed25519.Ed25519PrivateKey):
            self.algorithm = "EdDSA"
            self._jwk = OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        elif isinstance(private_key, ec.EllipticCurvePrivateKey):
            if not isinstance(private_key.curve, ec.SECP256R1):
                raise ValueError(f"an EC proof key is on P-256 (ES256), not {private_key.curve.name}")
            self.algorithm = "ES256"
            self._jwk = ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        else:
            raise TypeError(f"a proof key is a P-256 or Ed25519 private key from cryptography, "
                            f"not {type(private_key).__name__}")
        if clock is not None and not isinstance(clock, Clock):
            raise TypeError(f"clock must be a Clock such as SimClock(), not {type(clock).__name__}")
        self._private = private_key
        self._random = random if random is not None else RandomSource()
        self._thumbprint = jwk_thumbprint(self._jwk)
        self.clock = clock
        self.demo = demo

    @classmethod
    def generate(cls, algorithm: str = "ES256", *, random: RandomSource | None = None,
                 clock: Clock | None = None) -> DPoPKey:
        """A new proof key for ``algorithm`` (``"ES256"`` or ``"EdDSA"``), drawn from ``random``:
        derived from its seed when seeded (demo-only), from :mod:`secrets` otherwise."""
        if algorithm not in PROOF_KEY_ALGORITHMS:
            raise ValueError(f"a proof key signs with ES256 or EdDSA, not {algorithm!r} (RFC 9449 "
                             "§4.2: an asymmetric algorithm, never none or a shared-secret MAC)")
        random = random if random is not None else RandomSource()
        private: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
        # The purposes differ from the server's ("ed25519-key", "p256-key"): a client and a
        # server seeded alike still get different keys.
        if algorithm == "EdDSA":
            private = (ed25519.Ed25519PrivateKey.from_private_bytes(random.bytes("dpop ed25519-key", 32))
                       if random.seeded else ed25519.Ed25519PrivateKey.generate())
        elif random.seeded:
            scalar = 1 + random.integer("dpop p256-key", 40) % (_P256_ORDER - 1)
            private = ec.derive_private_key(scalar, ec.SECP256R1())
        else:
            private = ec.generate_private_key(ec.SECP256R1())
        return cls(private, random=random, clock=clock, demo=random.seeded)

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public key as a JWK (a copy): ``kty``, ``crv``, ``x`` (and ``y`` for EC)."""
        return dict(self._jwk)

    @property
    def thumbprint(self) -> str:
        """The RFC 7638 thumbprint of the public key: the ``jkt`` a bound token carries."""
        return self._thumbprint

    def proof(self, method: str, url: str, *, now: float | None = None,
              access_token: str | None = None, nonce: str | None = None,
              jti: str | None = None) -> str:
        """A DPoP proof for one request: ``method`` to ``url`` (its query and fragment are left
        out of ``htu``), at ``now`` (default: the key's clock), with ``ath`` when an
        ``access_token`` goes with it and the server's ``nonce`` when it asked for one.

        ``jti`` is fresh and random (128 bits) unless given — a lesson may fix it to show a
        replay. Bad arguments raise ``TypeError``/``ValueError`` before anything is drawn."""
        if not isinstance(method, str):
            raise TypeError(f"method must be a str such as 'GET', not {type(method).__name__}")
        if _METHOD.fullmatch(method) is None:
            raise ValueError(f"method {method!r} is not an HTTP method (RFC 9110 §9.1), "
                             "e.g. 'GET' or 'POST'")
        htu = target_uri(url)
        if now is None:
            if self.clock is None:
                raise TypeError("proof() needs the time: pass now=clock.time(), or make the key "
                                "with a clock (DPoPKey.generate(..., clock=clock))")
            now = self.clock.time()
        elif isinstance(now, bool) or not isinstance(now, int | float):
            raise TypeError(f"now must be POSIX seconds, not {type(now).__name__}")
        if not is_numeric_date(now):
            raise ValueError(f"now must be a finite time in POSIX seconds, not {now!r}")
        claims: dict[str, Any] = {"jti": jti, "htm": method, "htu": htu, "iat": math.floor(now)}
        if access_token is not None:
            if not isinstance(access_token, str):
                raise TypeError(f"the access token is a str, not {type(access_token).__name__}")
            claims["ath"] = access_token_hash(access_token)
        if nonce is not None:
            if not isinstance(nonce, str):
                raise TypeError(f"nonce must be the str the server sent, not {type(nonce).__name__}")
            if NONCE_SYNTAX.fullmatch(nonce) is None:
                raise ValueError("a nonce is one or more printable ASCII characters without spaces, "
                                 "quotes or backslashes (RFC 9449 §8.1); copy the DPoP-Nonce "
                                 "header's value as it came")
            claims["nonce"] = nonce
        if jti is None:
            claims["jti"] = self._random.token_urlsafe("dpop jti", 16)
        elif not isinstance(jti, str) or not jti:
            raise ValueError("jti must be a non-empty str (or left out: a fresh one is drawn)")
        payload = json.dumps(claims, separators=(",", ":")).encode("utf-8")
        return _JWS.encode(payload, self._private, algorithm=self.algorithm,
                           headers={"typ": DPOP_TYP, "jwk": dict(self._jwk)})

    def __repr__(self) -> str:
        origin = "demo-only: derived from a seed" if self.demo else "random"
        return f"DPoPKey({self.algorithm}, jkt={self._thumbprint!r}, {origin})"
