"""The fence's own PyJWT algorithm objects: the ones PyJWT rightly refuses to be.

PyJWT protects its callers: its HMAC refuses an empty key, a PEM- or JWK-shaped key (the
algorithm-confusion defence added after CVE-2017-11424) and warns about a short one; it knows no
algorithm ``NONE``, and its ``none`` verifies nothing. The vulnerable verifiers and the attacker's
forgeries need exactly those, so this module subclasses PyJWT's own algorithms — the HMAC is
still :mod:`hmac` with SHA-256, the signatures still PyJWT's and cryptography's — and removes
only the refusals, without a warning (a notebook output must never show one). Nothing outside
:mod:`tokenlab.attacks` uses them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization
from jwt.algorithms import Algorithm, HMACAlgorithm, NoneAlgorithm, get_default_algorithms
from jwt.api_jws import PyJWS
from jwt.utils import force_bytes

from ..jose.keys import VerificationKey

__all__ = ["ALGORITHMS", "LaxHMAC", "UnsignedAlgorithm", "encode", "stored_material"]


class LaxHMAC(HMACAlgorithm):
    """HMAC that takes any bytes as its key — empty, short, a PEM public key — and never warns."""

    def prepare_key(self, key: str | bytes) -> bytes:
        return force_bytes(key)

    def check_key_length(self, key: bytes) -> str | None:
        return None


class UnsignedAlgorithm(NoneAlgorithm):
    """``none`` under any spelling: signs with nothing, and "verifies" a signature only when it is
    empty, as RFC 7519 §6 defines an Unsecured JWT ("the empty string for its JWS Signature
    value")."""

    def prepare_key(self, key: Any) -> None:
        return None

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        return sig == b""


def _algorithms() -> dict[str, Algorithm]:
    table = dict(get_default_algorithms())
    table["HS256"] = LaxHMAC(HMACAlgorithm.SHA256)
    table["none"] = UnsignedAlgorithm()
    return table


#: The fence's algorithm table: PyJWT's, with the lax HS256 and ``none``.
ALGORITHMS: Mapping[str, Algorithm] = _algorithms()


def _jws_for(algorithm: str) -> PyJWS:
    jws = PyJWS()
    for name in ("HS256", "none"):
        jws.unregister_algorithm(name)
        jws.register_algorithm(name, ALGORITHMS[name])
    if algorithm.lower() == "none" and algorithm != "none":
        jws.register_algorithm(algorithm, UnsignedAlgorithm())
    return jws


def encode(claims: Mapping[str, Any], key: Any, algorithm: str,
           headers: Mapping[str, Any] | None = None) -> str:
    """A compact JWS over ``claims`` made by PyJWS with the fence's algorithms: as
    :func:`jwt.encode`, but an empty, short or PEM-shaped HS256 key and any spelling of ``none``
    are accepted. For the attacker's forgeries and the weak-secret server only."""
    payload = json.dumps(dict(claims), separators=(",", ":")).encode("utf-8")
    return _jws_for(algorithm).encode(payload, key, algorithm=algorithm,
                                      headers=dict(headers or {}))


def stored_material(key: VerificationKey) -> bytes:
    """The key as a server would store it on disk: an HS256 secret's bytes, or a public key as
    PEM, SubjectPublicKeyInfo, exactly as cryptography writes it (trailing newline included)."""
    if key.symmetric:
        return force_bytes(key.key)
    pem: bytes = key.key.public_bytes(serialization.Encoding.PEM,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem
