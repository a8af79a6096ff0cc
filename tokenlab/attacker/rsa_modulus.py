"""The RSA modulus from two RS256 tokens: algorithm confusion with no exposed key.

PortSwigger's eighth JWT lab. The API trusts one RS256 key and lets the header pick the
algorithm (``insecure_alg_from_header``), but publishes no JWKS. The attacker holds two RS256
tokens issued to them. An RSASSA-PKCS1-v1_5 signature ``s`` opens to ``s^e mod n = EM``, where
``EM`` is the EMSA-PKCS1-v1_5 encoding of the SHA-256 of the signing input (RFC 8017 §8.2.2
step 2, §9.2). So ``n`` divides ``s1^e - EM1`` and ``s2^e - EM2``, and their gcd is ``n`` times
a small cofactor, which comes off by trial division. From ``n`` (and ``e = 65537``, the exponent
nearly every key uses) the attacker rebuilds the public key's PEM (:func:`public_pem_candidates`)
and forges with it as the HS256 secret, as in the confusion attack of the attack matrix.

Speed: the numbers are big — ``s^e`` for RSA-2048 and e = 65537 has 134 million bits. Measured
on the course's machine (2 shared cores, Python 3.11.7):

=============================================  ================  =====================
step                                           pure Python       gmpy2 2.3.2 (GMP 6.3)
=============================================  ================  =====================
one ``s**65537``, 2048-bit ``s``               65 s              0.5 s
gcd of the two 134-Mbit numbers                ~3 h (estimated)  25.5 s (3 runs)
``recover_rsa_modulus``, the lab's two tokens  ~3 h              28.6 s (median of 3:
                                                                 26.6, 28.6, 30.2 s)
both powers and the gcd, RSA-1024 / RSA-512                      11.4 s / 4.9 s
=============================================  ================  =====================

CPython's ``math.gcd`` is quadratic (Lehmer): measured 0.66 s, 2.6 s and 10.4 s for 1, 2 and
4 Mbit, so 134 Mbit extrapolates to about 11,700 s; even the smallest key that can make an RS256
signature (512 bits: 62 octets hold the SHA-256 DigestInfo and its padding) needs a 33-Mbit gcd,
about 12 minutes, after 8.7 s per power. GMP's subquadratic gcd (and FFT multiplication) is the
difference between an attack that runs while you watch and one that does not, so the
recovery needs gmpy2 (in the ``lab`` extra), imported only when it runs; python-flint, measured
too, calls the same GMP gcd (27.2 s). No library brings RSA-2048 under 5 s on this machine: a
lesson cell either waits about half a minute, or uses a smaller demo key and says so. GMP runs
without the GIL here (gmpy2's ``allow_release_gil``), so a lesson may start the recovery in a
thread and keep its widgets answering meanwhile (measured: a main thread sleeping in 10-ms steps
woke 467 times during a 4.7-s gcd, against once without the release).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.utils import base64url_decode

__all__ = ["ModulusRecoveryError", "emsa_pkcs1_v1_5", "public_pem_candidates", "recover_rsa_modulus"]

#: DER of SHA-256's DigestInfo up to the digest: RFC 8017 §9.2, Note 1.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
#: The shortest RS256 signature: tLen (19 + 32 octets) + 11 (RFC 8017 §9.2 step 3).
MIN_SIGNATURE_OCTETS = len(_SHA256_DIGEST_INFO) + 32 + 11
#: Cofactors below this come off the gcd; no RSA prime is this small.
_SMALL_FACTOR_BOUND = 1 << 16


class ModulusRecoveryError(ValueError):
    """Why no modulus came out. ``reason`` is one of ``malformed``, ``not_rs256``,
    ``same_token``, ``different_keys``, ``implausible_gcd``; ``bits`` is the bit length of what
    the gcd gave (with ``implausible_gcd``), else ``None``."""

    def __init__(self, message: str, *, reason: str, bits: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.bits = bits


def emsa_pkcs1_v1_5(message: bytes, k: int) -> int:
    """EMSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §9.2) as an integer of ``k`` octets:
    ``0x00 01 FF..FF 00 || DigestInfo || SHA-256(message)`` — what ``s^e mod n`` must equal."""
    t = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    if k < len(t) + 11:
        raise ValueError(f"intended encoded message length too short: {k} octets, at least "
                         f"{len(t) + 11} needed (RFC 8017 §9.2 step 3)")
    return int.from_bytes(b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t, "big")


def _read(token: Any, which: str) -> tuple[bytes, bytes, str | None]:
    """``(signing input, signature, kid)`` of an RS256 compact JWS, or why it is not one."""
    def malformed(why: str) -> ModulusRecoveryError:
        return ModulusRecoveryError(f"{which} is no RS256 compact JWS: {why}", reason="malformed")

    if not isinstance(token, str):
        raise malformed(f"a token is text, not {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise malformed(f"{len(parts)} dot-separated parts, a compact JWS has 3 (RFC 7515 §7.1)")
    try:
        header = json.loads(base64url_decode(parts[0]))
        signature = base64url_decode(parts[2])
    except ValueError as exc:  # binascii.Error, UnicodeDecodeError and JSONDecodeError are ones
        raise malformed(f"its header or signature does not decode ({exc})") from None
    if not isinstance(header, dict):
        raise malformed("its header is no JSON object")
    alg = header.get("alg")
    if alg != "RS256":
        shown = "no alg" if alg is None else f"alg {alg!r}"
        raise ModulusRecoveryError(
            f"{which} has {shown}, not RS256: only an RSA PKCS#1 v1.5 signature opens to a "
            "known number (RFC 8017 §8.2.2), which is what reveals the modulus",
            reason="not_rs256")
    if len(signature) < MIN_SIGNATURE_OCTETS:
        raise malformed(f"a {len(signature)}-octet signature; an RS256 one has at least "
                        f"{MIN_SIGNATURE_OCTETS} (RFC 8017 §9.2)")
    kid = header.get("kid")
    return (f"{parts[0]}.{parts[1]}".encode("ascii"), signature,
            kid if isinstance(kid, str) else None)


def _gmpy2() -> Any:
    try:
        import gmpy2
    except ImportError as exc:
        raise ModuleNotFoundError(
            "recovering an RSA modulus needs gmpy2 (GMP's big integers), part of tokenlab[lab]: "
            "pip install 'tokenlab[lab]'. Pure Python would take about a minute for each s**e "
            "and hours for the gcd of an RSA-2048 key.", name="gmpy2") from exc
    return gmpy2


def _check_exponent(e: Any) -> None:
    if isinstance(e, bool) or not isinstance(e, int):
        raise TypeError(f"e must be an int (the public exponent, usually 65537), not {e!r}")
    if e < 3 or e % 2 == 0:
        raise ValueError(f"e must be odd and at least 3 (RFC 8017 §3.1), got {e}")


@cache
def _small_primes() -> tuple[int, ...]:
    """The primes below 2^16 (a sieve of Eratosthenes: 6,542 of them)."""
    sieve = bytearray([1]) * _SMALL_FACTOR_BOUND
    sieve[0:2] = b"\x00\x00"
    for p in range(2, 256):
        if sieve[p]:
            sieve[p * p::p] = bytes(len(range(p * p, _SMALL_FACTOR_BOUND, p)))
    return tuple(p for p in range(_SMALL_FACTOR_BOUND) if sieve[p])


def _without_small_factors(g: Any) -> Any:
    """``g`` with every prime factor below 2^16 divided off. A modulus has none (its primes are
    huge), so what comes off is the cofactor — all of it, even when ``g`` already has the
    modulus's size (``3n`` of a 2041-bit ``n`` fits 2048 bits and opens the signatures too)."""
    for p in _small_primes():
        while g % p == 0:
            g //= p
    return g


def recover_rsa_modulus(token1: str, token2: str, e: int = 65537) -> int:
    """The modulus ``n`` of the RSA key that signed two RS256 tokens, from the tokens alone.

    ``n`` divides ``s^e - EM`` for each token (RFC 8017 §8.2.2, §9.2), so it divides their gcd;
    small cofactors are divided off, and the result must have the signatures' size (``k`` octets:
    ``8k - 7`` to ``8k`` bits) and open both signatures. Raises :class:`ModulusRecoveryError` for
    a token that is not RS256 or not a JWS, the same token twice, tokens of two keys (different
    ``kid`` or signature sizes, said before any big power), or a gcd that is no plausible
    modulus (a wrong ``e``, or two keys without ``kid``). RSA-2048: about 30 s (see above).
    """
    _check_exponent(e)
    input1, sig1, kid1 = _read(token1, "token 1")
    input2, sig2, kid2 = _read(token2, "token 2")
    if input1 == input2:
        raise ModulusRecoveryError(
            "the same token twice (the same signed message): s1^e - m1 and s2^e - m2 are then "
            "one number, and its gcd with itself is no modulus; use two different tokens",
            reason="same_token")
    if kid1 is not None and kid2 is not None and kid1 != kid2:
        raise ModulusRecoveryError(
            f"signed by different keys (kid {kid1!r} and {kid2!r}): two moduli share no factor; "
            "use two tokens of the same key", reason="different_keys")
    if len(sig1) != len(sig2):
        raise ModulusRecoveryError(
            f"signed by different keys: signatures of {len(sig1)} and {len(sig2)} octets come "
            "from moduli of two sizes", reason="different_keys")
    k = len(sig1)
    m1, m2 = emsa_pkcs1_v1_5(input1, k), emsa_pkcs1_v1_5(input2, k)
    s1, s2 = int.from_bytes(sig1, "big"), int.from_bytes(sig2, "big")

    gmpy2 = _gmpy2()
    # GMP works without the GIL: run in a thread, the recovery leaves the kernel free meanwhile.
    with gmpy2.context(gmpy2.get_context(), allow_release_gil=True):
        g = gmpy2.gcd(gmpy2.mpz(s1) ** e - m1, gmpy2.mpz(s2) ** e - m2)
    n = int(_without_small_factors(g))
    bits = n.bit_length()
    if not 8 * k - 7 <= bits <= 8 * k:
        why = ("a large common factor is left (rare): try another pair of tokens" if bits > 8 * k
               else f"these tokens were not signed by one RSA key with e = {e} — a wrong e, or "
                    "two different keys")
        raise ModulusRecoveryError(
            f"gcd(s1^e - m1, s2^e - m2) is a {bits}-bit number (small factors removed), but "
            f"{k}-octet signatures come from a {8 * k}-bit modulus: {why}",
            reason="implausible_gcd", bits=bits)
    if not all(s < n and pow(s, e, n) == m for s, m in ((s1, m1), (s2, m2))):
        raise ModulusRecoveryError(
            f"the gcd, a {bits}-bit number, does not open both signatures with e = {e}: not their "
            "modulus", reason="implausible_gcd", bits=bits)
    return n


def public_pem_candidates(n: int, e: int = 65537) -> dict[str, bytes]:
    """The PEMs a server could have stored the public key ``(n, e)`` as, to try as the HS256
    secret one by one: ``spki`` (SubjectPublicKeyInfo, ``BEGIN PUBLIC KEY``, exactly as
    cryptography and OpenSSL write it, trailing newline included — what tokenlab's fenced API
    uses), ``pkcs1`` (``BEGIN RSA PUBLIC KEY``, RFC 8017 Appendix A.1.1), and each without its
    trailing newline, as PortSwigger's lab tries them."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int (the modulus), not {type(n).__name__}")
    _check_exponent(e)
    if n % 2 == 0 or n <= e:
        raise ValueError(f"n must be an odd integer greater than e (an RSA modulus), got "
                         f"{'an even' if n % 2 == 0 else 'a'} {n.bit_length()}-bit number")
    public = rsa.RSAPublicNumbers(e, n).public_key()
    spki = public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    return {"spki": spki, "spki without newline": spki.rstrip(b"\n"),
            "pkcs1": pkcs1, "pkcs1 without newline": pkcs1.rstrip(b"\n")}
