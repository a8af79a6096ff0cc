"""The worlds the attacks run in, and what an attacker holds in each — now shared with the
walkable forgery stories: the building blocks live in :mod:`tokenlab.scenarios.forgery` (the
tests and the scenarios use one copy, not two). See that module for what each holding is; no
holding carries a private key or secret of a server.
"""

from __future__ import annotations

from tokenlab.scenarios.forgery import (
    API,
    ATTACKER_JWKS,
    CALLBACK,
    HELD_SCOPE,
    HOLDINGS,
    ISSUER,
    PASSWORDS,
    PHOTOS,
    SERVICE_SCOPE,
    WIDER_SCOPE,
    Holdings,
    build,
    whoami,
)

__all__ = ["API", "ATTACKER_JWKS", "CALLBACK", "HELD_SCOPE", "HOLDINGS", "ISSUER", "PASSWORDS",
           "PHOTOS", "SERVICE_SCOPE", "WIDER_SCOPE", "Holdings", "build", "whoami"]
