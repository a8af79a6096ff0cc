"""Signing keys, the keys an API trusts, and rotation.

Four algorithms: EdDSA (Ed25519, the default), ES256 (P-256), RS256 (RSA-2048) and HS256 (a
shared 256-bit secret). Every key has a ``kid`` and exactly one algorithm: a verifier looks the
key up by ``kid`` and then accepts only that key's algorithm (RFC 8725 §3.1), which is what
defeats algorithm-confusion attacks.

With a seeded random source, Ed25519 and EC keys are derived from the seed; RSA keys cannot be,
so seeded RSA keys come from fixed demo keys shipped in ``tokenlab/demo_keys`` — published,
therefore worthless for anything real. Seeded keys say "demo-only" in their repr.

A ring can be kept durable (an AuthServer on a durable store does it, in
:mod:`tokenlab.authserver.durable`): :meth:`SigningKey.to_record` writes a private key as PKCS#8
PEM, :meth:`KeyRing.restore` rebuilds a ring, and :attr:`KeyRing.on_change` is called whenever
what must be kept changed.
"""

from __future__ import annotations

import base64
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

from ..clock import Clock, format_time, is_numeric_date
from ..randomness import RandomSource

__all__ = ["RSA_PUBLIC_EXPONENTS", "SUPPORTED_ALGORITHMS", "KeyRing", "SigningKey",
           "VerificationKey", "check_rsa_public_exponent", "generate_key"]

SUPPORTED_ALGORITHMS = ("EdDSA", "ES256", "RS256", "HS256")

_PYJWT_ALGORITHMS = get_default_algorithms()
# Order of the P-256 group (SEC 2, §2.4.2): a derived EC private key must lie in [1, n-1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_DEMO_RSA_KEYS = {65537: ("rsa-demo-1.pem", "rsa-demo-2.pem", "rsa-demo-3.pem"),
                  3: ("rsa-e3-demo-1.pem", "rsa-e3-demo-2.pem")}
#: The RSA public exponents a server may use: 65537, the default (FIPS 186-5 §5.4 wants e > 2^16),
#: and 3 (allowed by RFC 8017 §3.1), which the course uses so that recovering the modulus from two
#: tokens takes milliseconds, not half a minute.
RSA_PUBLIC_EXPONENTS = (65537, 3)
#: A durable ring keeps its current key's last ``exp`` this far ahead (seconds), so that it is
#: written once per ten minutes of tokens, not once per token; a key retired after a restart may
#: then stay published up to this much longer than needed, never shorter.
SAVE_AHEAD = 600.0


def check_rsa_public_exponent(value: object, algorithm: str) -> int:
    """``value`` as an RSA public exponent for a server signing with ``algorithm``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"rsa_public_exponent must be 65537 or 3 (an int), not {value!r}")
    if value not in RSA_PUBLIC_EXPONENTS:
        raise ValueError(f"rsa_public_exponent must be 65537 (the default) or 3, not {value}")
    if value != 65537 and algorithm != "RS256":
        raise ValueError(f"rsa_public_exponent is for RSA keys: pass algorithm='RS256' too, not "
                         f"{algorithm!r}")
    return value


class VerificationKey:
    """What a verifier trusts: a ``kid`` bound to one algorithm and its public key.

    For HS256 the "public" key is the shared secret itself — whoever can verify can also mint
    tokens, which is why a JWKS never carries it.
    """

    __slots__ = ("_prepared", "algorithm", "kid", "symmetric", "verifier")

    def __init__(self, kid: str, algorithm: str, key: Any) -> None:
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ValueError(
                f"unsupported algorithm {algorithm!r}; choose one of {', '.join(SUPPORTED_ALGORITHMS)}"
            )
        self.kid = kid
        self.algorithm = algorithm
        self.symmetric = algorithm == "HS256"
        alg = _PYJWT_ALGORITHMS[algorithm]
        # PyJWT's own algorithm object checks the signature; the key is prepared once, here.
        self._prepared = alg.prepare_key(key)
        self.verifier = alg

    @property
    def key(self) -> Any:
        """The public key object (or HS256 secret) as PyJWT takes it."""
        return self._prepared

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this key's signature over ``signing_input`` (PyJWT checks)."""
        return bool(self.verifier.verify(signing_input, self._prepared, signature))

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> VerificationKey:
        """A trusted key from one JWK of a JWKS (RFC 7517); it must name its ``kid`` and ``alg``."""
        if not isinstance(jwk, Mapping):
            raise ValueError(f"each JWK in a JWK Set is a JSON object, not {type(jwk).__name__}")
        kid, alg = jwk.get("kid"), jwk.get("alg")
        if not isinstance(kid, str) or not kid:
            raise ValueError("a trusted JWK needs a 'kid' so tokens can name it")
        if alg not in SUPPORTED_ALGORITHMS:
            raise ValueError(
                f"a trusted JWK needs an 'alg' among {', '.join(SUPPORTED_ALGORITHMS)} "
                f"(RFC 8725 §3.1: bind each key to one algorithm); got {alg!r}"
            )
        try:
            key = jwt.PyJWK(dict(jwk), algorithm=alg).key
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise ValueError(f"JWK {kid!r} is not a usable {alg} public key ({exc})") from None
        return cls(kid, alg, key)

    def __repr__(self) -> str:
        kind = "shared secret" if self.symmetric else "public key"
        return f"VerificationKey(kid={self.kid!r}, algorithm={self.algorithm!r}, {kind})"


class SigningKey:
    """A private signing key with its ``kid`` and algorithm. Its repr never shows key material."""

    __slots__ = ("_private", "algorithm", "created_at", "demo", "kid", "verification")

    #: ``None``; the name of the mistake for a deliberately weak key (the fence's weak HS256 secret).
    insecure: str | None = None

    def __init__(self, kid: str, algorithm: str, private: Any, *, created_at: float, demo: bool):
        self.kid = kid
        self.algorithm = algorithm
        self.created_at = created_at
        self.demo = demo
        self._private = private
        public = private if algorithm == "HS256" else private.public_key()
        self.verification = VerificationKey(kid, algorithm, public)

    def sign(self, claims: Mapping[str, Any], *, typ: str) -> str:
        """A compact JWS over ``claims`` with header ``{alg, kid, typ}``, made by PyJWT."""
        return jwt.encode(
            dict(claims),
            self._private,
            algorithm=self.algorithm,
            headers={"kid": self.kid, "typ": typ},
        )

    def public_jwk(self) -> dict[str, Any] | None:
        """The public key as a JWK with ``kid``, ``alg`` and ``use``; ``None`` for HS256."""
        if self.algorithm == "HS256":
            return None
        public = self._private.public_key()
        jwk = _PYJWT_ALGORITHMS[self.algorithm].to_jwk(public, as_dict=True)
        jwk.update(kid=self.kid, alg=self.algorithm, use="sig")
        return jwk

    def to_record(self) -> dict[str, Any]:
        """The key as JSON data to keep in a durable store: the private key as unencrypted
        PKCS#8 PEM (an HS256 secret as base64url). Whoever reads it can sign tokens."""
        record: dict[str, Any] = {"algorithm": self.algorithm, "created_at": self.created_at,
                                  "demo": self.demo}
        if self.algorithm == "HS256":
            record["secret"] = base64.urlsafe_b64encode(self._private).decode("ascii")
        else:
            record["private"] = self._private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()).decode("ascii")
        return record

    @classmethod
    def from_record(cls, kid: str, record: Mapping[str, Any]) -> SigningKey:
        """The key that :meth:`to_record` wrote."""
        algorithm = record["algorithm"]
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ValueError(f"a stored key of unknown algorithm {algorithm!r}")
        private: Any
        if algorithm == "HS256":
            private = base64.urlsafe_b64decode(record["secret"])
        else:
            private = serialization.load_pem_private_key(record["private"].encode("ascii"),
                                                         password=None)
        return cls(kid, algorithm, private, created_at=float(record["created_at"]),
                   demo=bool(record["demo"]))

    def __repr__(self) -> str:
        origin = "demo-only: derived from a seed" if self.demo else "random"
        return (
            f"SigningKey(kid={self.kid!r}, algorithm={self.algorithm!r}, "
            f"created {format_time(self.created_at)}, {origin})"
        )


def generate_key(algorithm: str, random: RandomSource, *, created_at: float,
                 rsa_public_exponent: int = 65537) -> SigningKey:
    """A new signing key for ``algorithm``, drawn from ``random`` (reproducible when seeded); an
    RS256 key has the public exponent ``rsa_public_exponent`` (:data:`RSA_PUBLIC_EXPONENTS`)."""
    check_rsa_public_exponent(rsa_public_exponent, algorithm)
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise ValueError(
            f"unsupported algorithm {algorithm!r}; choose one of {', '.join(SUPPORTED_ALGORITHMS)}"
        )
    seeded = random.seeded
    private: Any
    if algorithm == "EdDSA":
        private = (
            ed25519.Ed25519PrivateKey.from_private_bytes(random.bytes("ed25519-key", 32))
            if seeded
            else ed25519.Ed25519PrivateKey.generate()
        )
    elif algorithm == "ES256":
        if seeded:
            scalar = 1 + random.integer("p256-key", 40) % (_P256_ORDER - 1)
            private = ec.derive_private_key(scalar, ec.SECP256R1())
        else:
            private = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == "RS256":
        if seeded:
            from importlib import resources  # only seeded RSA needs it: keep imports light

            # Successive rotations cycle through every demo key before one comes back.
            index = random.fixed_integer("rsa-demo-offset") + random.next_index("rsa-demo-key")
            names = _DEMO_RSA_KEYS[rsa_public_exponent]
            name = names[index % len(names)]
            pem = resources.files("tokenlab").joinpath("demo_keys", name).read_bytes()
            private = serialization.load_pem_private_key(pem, password=None)
            assert isinstance(private, rsa.RSAPrivateKey)
        else:
            private = rsa.generate_private_key(public_exponent=rsa_public_exponent,
                                               key_size=2048)
    else:  # HS256: RFC 7518 §3.2 wants a key at least as long as the hash output, 256 bits.
        private = random.bytes("hs256-key", 32)
    kid = random.token_urlsafe("kid", 6)
    return SigningKey(kid, algorithm, private, created_at=created_at, demo=seeded)


class KeyRing:
    """An issuer's keys: one current signing key, plus retired keys still published.

    After :meth:`rotate`, new tokens are signed with the new key, and the old public key stays
    published (in the JWKS, and for :meth:`find`) until every token it signed has expired *plus
    the largest leeway of any registered API* — RFC 7519 §4.1.4 lets an API allow "some small
    leeway ... to account for clock skew", and a token it may still accept must still find its
    key. Then the key is no longer published, so the JWKS does not grow forever and a leaked old
    key stops mattering.

    Retention is the issuer's decision, made on the issuer's clock: reads (:meth:`find`,
    :meth:`jwks`, :meth:`published`, iteration, ``len``, ``repr``) never change the ring, whoever
    calls them and whatever their clock says; the writes (:meth:`sign`, :meth:`rotate`) drop the
    keys whose time is over. Writes hold a lock, so rotations, signatures and look-ups may run
    in many threads at once.
    """

    def __init__(self, algorithm: str, random: RandomSource, clock: Clock, *,
                 first: SigningKey | None = None, rsa_public_exponent: int = 65537) -> None:
        """A ring whose first key is ``first`` when given (it must be an ``algorithm`` key), else
        a new one drawn from ``random``; :meth:`rotate` always draws new keys (RSA keys with
        ``rsa_public_exponent``)."""
        self.rsa_public_exponent = check_rsa_public_exponent(rsa_public_exponent, algorithm)
        self._random = random
        self._clock = clock
        self._lock = threading.RLock()
        if first is None:
            first = generate_key(algorithm, random, created_at=clock.time(),
                                 rsa_public_exponent=rsa_public_exponent)
        elif not isinstance(first, SigningKey) or first.algorithm != algorithm:
            raise ValueError(f"the first key must be a {algorithm} SigningKey")
        self._current = first
        self._keys: dict[str, SigningKey] = {first.kid: first}
        #: The latest ``exp`` among the tokens each key signed (keys that signed none: absent).
        self._last_exp: dict[str, float] = {}
        #: The last ``exp`` of each key as last handed to :meth:`snapshot` (a durable copy).
        self._saved_exp: dict[str, float] = {}
        self._leeway: float = 0
        #: Called (with no lock of the ring held) after a rotation, after retired keys were
        #: dropped, after the leeway grew, and when the current key signed a token expiring
        #: after the last :meth:`snapshot` said: a durable copy of the ring is then out of date.
        self.on_change: Callable[[], None] | None = None

    @classmethod
    def restore(cls, random: RandomSource, clock: Clock,
                keys: Sequence[tuple[SigningKey, float | None]], current: str, *,
                rsa_public_exponent: int = 65537) -> KeyRing:
        """A ring of ``keys`` (each with the last ``exp`` it signed, if any), ``current`` the
        kid of the one that signs — a ring as :meth:`snapshot` described it."""
        by_kid = {key.kid: (key, last) for key, last in keys}
        if current not in by_kid:
            raise ValueError(f"the current key {current!r} is not among the keys")
        first = by_kid[current][0]
        ring = cls(first.algorithm, random, clock, first=first,
                   rsa_public_exponent=rsa_public_exponent)
        ring._keys = {k.kid: k for k, _ in sorted(keys, key=lambda kl: kl[0].created_at)}
        for key, last in keys:
            if last is not None:
                ring._last_exp[key.kid] = ring._saved_exp[key.kid] = float(last)
        return ring

    def snapshot(self) -> tuple[SigningKey, list[tuple[SigningKey, float | None]]]:
        """The current key and every key kept, oldest first, each with the last ``exp`` to keep
        for it — for the current key :data:`SAVE_AHEAD` past its last token's, so a durable copy
        need not be rewritten for each token."""
        with self._lock:
            current = self._current
            last = self._last_exp.get(current.kid)
            if last is not None:
                self._saved_exp[current.kid] = max(self._saved_exp.get(current.kid, -math.inf),
                                                   last + SAVE_AHEAD)
            return current, [(k, self._kept_exp(k.kid)) for k in self._keys.values()]

    def _kept_exp(self, kid: str) -> float | None:
        times = [t for t in (self._last_exp.get(kid), self._saved_exp.get(kid)) if t is not None]
        return max(times) if times else None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    @property
    def current(self) -> SigningKey:
        return self._current

    @property
    def leeway(self) -> float:
        """Seconds a retired key outlives its last token: the largest leeway of any API."""
        return self._leeway

    def retain_for_leeway(self, seconds: float) -> None:
        """Keep retired keys published ``seconds`` past their last token's ``exp`` (the largest
        value ever given wins): an API that allows that much clock skew may still accept the
        token then. :meth:`AuthServer.register_resource` calls it with each API's leeway."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(f"leeway must be a number of seconds, not {type(seconds).__name__}")
        if not is_numeric_date(seconds) or seconds < 0:
            raise ValueError(f"leeway must be a finite number of seconds >= 0, got {seconds}")
        with self._lock:
            grew = seconds > self._leeway
            self._leeway = max(self._leeway, seconds)
        if grew:
            self._changed()

    def sign(self, claims: Mapping[str, Any], *, typ: str) -> str:
        """A JWS over ``claims`` by the current key, which then stays published at least until
        the token's ``exp`` (+ leeway). A write: retired keys whose time is over are dropped."""
        exp = claims.get("exp")  # read before the lock: a Mapping may run code
        with self._lock:
            key = self._current
            if is_numeric_date(exp):
                # Without a NumericDate exp every verifier refuses the token (RFC 9068 §2.2
                # requires exp; verify.py checks it), so it needs no key kept for it.
                self._last_exp[key.kid] = max(float(exp), self._last_exp.get(key.kid, -math.inf))
            changed = self._prune() or (
                self.on_change is not None
                and self._last_exp.get(key.kid, -math.inf) > self._saved_exp.get(key.kid, -math.inf))
        if changed:  # kept before the token leaves
            self._changed()
        return key.sign(claims, typ=typ)

    def rotate(self, algorithm: str | None = None) -> SigningKey:
        """Make a new current key (same algorithm unless told); the old one signs no more."""
        with self._lock:
            algorithm = algorithm or self._current.algorithm
            new = generate_key(algorithm, self._random, created_at=self._clock.time(),
                               rsa_public_exponent=self.rsa_public_exponent
                               if algorithm == "RS256" else 65537)
            self._current = new
            self._keys[new.kid] = new
            self._prune()
        self._changed()
        return new

    def find(self, kid: str, now: float | None = None) -> VerificationKey | None:
        """The trusted key named ``kid``, or ``None`` if unknown or retired for good.

        ``now`` is the caller's clock (an API's look-up passes it) and is deliberately not used:
        whether a key is still published is the issuer's decision, on the issuer's clock, the
        same answer a remote API would get from the JWKS. A read: it never changes the ring.
        """
        key = self._keys.get(kid)
        if key is None or not self._is_published(key, self._clock.time()):
            return None
        return key.verification

    def published(self) -> list[SigningKey]:
        """Keys whose public half is still published, oldest first."""
        now = self._clock.time()
        with self._lock:
            return [k for k in self._keys.values() if self._is_published(k, now)]

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JWK Set of RFC 7517 §5: public keys only (never an HS256 secret)."""
        return {"keys": [j for k in self.published() if (j := k.public_jwk()) is not None]}

    def _is_published(self, key: SigningKey, now: float) -> bool:
        """The current key always; a retired one while ``now`` is before its last token's ``exp``
        plus the leeway — the same boundary as the verifier's ``now >= exp + leeway``."""
        if key is self._current:
            return True
        return now < self._last_exp.get(key.kid, -math.inf) + self._leeway

    def _prune(self) -> bool:
        """Drop the retired keys whose time is over, on the issuer's clock; ``True`` if any was.
        Callers hold the lock."""
        now = self._clock.time()
        over = [k for k in self._keys.values() if not self._is_published(k, now)]
        for key in over:
            self._keys.pop(key.kid, None)
            self._last_exp.pop(key.kid, None)
            self._saved_exp.pop(key.kid, None)
        return bool(over)

    def __iter__(self) -> Iterator[SigningKey]:
        return iter(self.published())

    def __len__(self) -> int:
        return len(self.published())

    def __repr__(self) -> str:
        kids = ", ".join(k.kid for k in self.published())
        return f"KeyRing(current={self._current.kid!r}, published=[{kids}])"
