"""The fence: the vulnerable verifier, and the attacker's tools the hardened code refuses to be.

Everything insecure lives here and nowhere else: :class:`FencedVerifier` (the only verifier that
runs a policy with ``insecure_*`` switches on), the weak HS256 secret of
``AuthServer(insecure_hmac_secret=...)`` (:mod:`.weak`), the fence's own PyJWT algorithm
objects and :func:`encode` (an empty, short or PEM-shaped HMAC key; ``alg: NONE`` — which PyJWT
rightly refuses), a word list of weak secrets with an offline cracker (:mod:`.wordlist`), the
simulated internet where an attacker hosts a JWK Set for ``jku`` (:mod:`.internet`) and the
simulated key directory read by a ``kid`` used as a path (:mod:`.keydir`).

May import the ground, :mod:`tokenlab.jose` and :mod:`tokenlab.net` (the simulated internet
records on the wire); nothing above. It sits below the authorization server and the API, which
use it only when a mistake is asked for: ``AuthServer`` for its weak secret, ``ResourceServer``
for a policy with a switch on (both import it lazily, so ``import tokenlab`` does not load it).
"""

from .algorithms import encode
from .fence import FencedVerifier
from .internet import SimulatedInternet
from .keydir import KeyDirectory
from .weak import WeakSecretKey
from .wordlist import WORDS, Cracked, crack_hs256

__all__ = [
    "WORDS",
    "Cracked",
    "FencedVerifier",
    "KeyDirectory",
    "SimulatedInternet",
    "WeakSecretKey",
    "crack_hs256",
    "encode",
]
