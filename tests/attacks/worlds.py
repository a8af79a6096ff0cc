"""The worlds the attacks run in, and what an attacker holds in each.

The server side is built here: an authorization server (EdDSA, RS256 or HS256; the HS256 one with
a weak secret when asked), the API with the switches under test, the simulated internet, and the
users and apps that give the attacker a token. The attacker's side gets only a :class:`Holdings`:
a token they hold, the issuer's public JWKS (fetched over the wire like anybody can), the
simulated internet to host files on, and the time. No holding carries a private key or secret of
a server: the forgeries in ``test_attack_matrix.py`` are made from these alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokenlab import (
    AuthServer,
    Request,
    ResourceServer,
    SimClock,
    VerifiedClaims,
    VerifierPolicy,
    make_verifier,
    s256_challenge,
)
from tokenlab.attacks import SimulatedInternet

ISSUER = "https://auth.example"
#: The API under attack.
API = "https://api.example"
#: Another API of the same issuer: its tokens say ``aud`` photos, not the weather API.
PHOTOS = "https://photos.example"
#: Where the attacker hosts their own key set on the simulated internet.
ATTACKER_JWKS = "https://attacker.example/.well-known/jwks.json"
CALLBACK = "https://weather-app.example/cb"
PASSWORDS = {"alice": "alice's long passphrase", "mallory": "mallory's long passphrase"}
#: The attacker's own token grants only this; forgeries ask for more.
HELD_SCOPE = "weather:read"
WIDER_SCOPE = "weather:read weather:write"
#: What the operator's leaked service token grants (it has no ``exp``).
SERVICE_SCOPE = "weather:read weather:write"

#: The tokens an attacker may hold, by name (see :func:`build`).
HOLDINGS = ("own access token", "alice's ID token", "alice's token for photos",
            "leaked service token")


@dataclass(frozen=True, slots=True)
class Holdings:
    """What the attacker really has: never a server's private key or secret."""

    token: str
    jwks: Mapping[str, Any]
    internet: SimulatedInternet
    now: int


def whoami(request: Request, claims: VerifiedClaims) -> dict[str, Any]:
    """A route that serves any valid token and says whom it speaks for (reads only ``sub`` and
    ``scope``, so it also answers for tokens that are not RFC 9068 access tokens)."""
    return {"sub": claims.get("sub"), "scope": claims.get("scope", "")}


def build(algorithm: str, holding: str, *, switches: frozenset[str] = frozenset(),
          weak_secret: str | None = None) -> tuple[ResourceServer, Holdings]:
    """A fresh world: the API (with ``switches`` on) and what the attacker holds."""
    assert holding in HOLDINGS, holding
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=11, algorithm=algorithm,
                      **({"insecure_hmac_secret": weak_secret} if weak_secret else {}))
    internet = SimulatedInternet(auth.wire)
    policy = VerifierPolicy(issuer=ISSUER, audience=API, **dict.fromkeys(switches, True))
    api = ResourceServer(API, auth, policy=policy, internet=internet)
    api.route("GET", "/whoami", None, whoami)
    auth.register_resource(PHOTOS)
    app = auth.register_client("weather-app", ["openid", "weather:read", "weather:write"],
                               redirect_uris=[CALLBACK])
    for user, password in PASSWORDS.items():
        auth.register_user(user, password)

    if holding == "own access token":
        # Mallory uses the weather app; her token (from her browser's storage) reads only.
        token = auth.password_grant(app.client_id, app.client_secret, "mallory",
                                    PASSWORDS["mallory"], scope=HELD_SCOPE,
                                    resource=API).access_token
    elif holding == "alice's ID token":
        # The app (a malicious or compromised one) receives Alice's ID token when she logs in.
        verifier = make_verifier()
        redirect = auth.authorize(app.client_id, CALLBACK, username="alice",
                                  password=PASSWORDS["alice"], scope="openid weather:read",
                                  nonce="n-0S6_WzA2Mj", resource=API,
                                  code_challenge=s256_challenge(verifier),
                                  code_challenge_method="S256")
        assert redirect.code is not None
        response = auth.exchange_code(redirect.code, app.client_id, app.client_secret,
                                      redirect_uri=CALLBACK, code_verifier=verifier)
        assert response.id_token is not None
        token = response.id_token
    elif holding == "alice's token for photos":
        # The photos API (malicious or breached) receives Alice's token, meant for it alone.
        token = auth.password_grant(app.client_id, app.client_secret, "alice",
                                    PASSWORDS["alice"], scope=HELD_SCOPE,
                                    resource=PHOTOS).access_token
    else:
        # The operator mints a service token for a nightly job with the server's own key and
        # no exp (the issuing side's mistake); it leaks, in a CI log. Then a year passes.
        now = int(clock.time())
        token = auth.keys.sign({"iss": ISSUER, "sub": "nightly-sync", "aud": API, "iat": now,
                                "jti": "svc-1", "client_id": "nightly-sync",
                                "scope": SERVICE_SCOPE}, typ="at+jwt")
        clock.advance(365 * 24 * 3600)

    jwks = auth.handle(Request.get(f"{ISSUER}/jwks.json"), sender="attacker").json()
    return api, Holdings(token=token, jwks=jwks, internet=internet, now=int(clock.time()))
