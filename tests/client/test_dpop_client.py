"""The DPoP client (RFC 9449): ``Client(..., dpop=True)`` makes a proof key (seeded from the world
when the world is seeded), sends a proof with every token request and every API request, uses
``Authorization: DPoP``, understands ``token_type`` ``DPoP`` (RFC 6749 §7.1), answers a
``use_dpop_nonce`` challenge once with the nonce from ``DPoP-Nonce`` and keeps the latest nonce
of each server (§8, §9). Without ``dpop=True`` nothing changes.

Everything goes over the wire; what a thief gets is what an attacker really holds — tokens read
from the app's ``localStorage`` (XSS) or off the wire, and a key of their own.
"""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tokenlab import (
    AuthServer,
    Client,
    DPoPKey,
    RegisteredClient,
    Request,
    ResourceServer,
    SimClock,
)
from tokenlab.jose.dpop import access_token_hash
from tokenlab.randomness import RandomSource

from ..authserver.test_dpop_token_endpoint import TOKEN, claims_of, make_key, token_request
from ..conftest import API, ISSUER, PASSWORD

CALLBACK = "https://app.example/callback"
URL = f"{API}/weather"


def proof_of(event: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of the DPoP proof a request on the wire carried."""
    proof = event.headers["DPoP"]
    return jwt.get_unverified_header(proof), jwt.decode(proof, options={"verify_signature": False})


def trail(auth: AuthServer, since: int = 0) -> list[tuple[str, int]]:
    """``(path, status)`` of each message on the wire since message ``since``."""
    return [(e.path, e.status) for e in auth.wire.events[since:]]


@pytest.fixture(autouse=True)
def alice(auth: AuthServer) -> None:
    auth.register_user("alice", PASSWORD)


@pytest.fixture
def dpop_api(auth: AuthServer) -> ResourceServer:
    return ResourceServer(API, auth, dpop="optional")


@pytest.fixture
def spa(auth: AuthServer) -> RegisteredClient:
    return auth.register_client("spa", ["weather:read"], public=True, redirect_uris=[CALLBACK])


def nonce_world(clock: SimClock, seed: int = 1) -> tuple[AuthServer, ResourceServer, RegisteredClient]:
    """A token endpoint and an API that both require their own nonces."""
    auth = AuthServer(ISSUER, clock=clock, seed=seed, require_dpop_nonce=True)
    api = ResourceServer(API, auth, dpop="optional", require_dpop_nonce=True)
    return auth, api, auth.register_client("app", ["weather:read"])


# -- the whole exchange --------------------------------------------------------------------------


def test_rfc9449_a_dpop_client_gets_a_bound_token_and_proves_every_request(
        auth: AuthServer, app: RegisteredClient, dpop_api: ResourceServer) -> None:
    client = Client(auth, app, dpop_api, dpop=True)
    assert client.dpop_key is not None
    assert client.login(), client.last_error
    assert client.token_type == "DPoP" and client.access_token is not None
    assert claims_of(client.access_token)["cnf"] == {"jkt": client.dpop_key.thumbprint}
    assert client.get("/weather").status == 200
    token_event, api_event = auth.wire.events[-2:]
    header, claims = proof_of(token_event)
    assert header["typ"] == "dpop+jwt" and header["jwk"] == client.dpop_key.public_jwk
    assert (claims["htm"], claims["htu"]) == ("POST", TOKEN) and "ath" not in claims
    assert api_event.headers["Authorization"] == f"DPoP {client.access_token}"
    _, claims = proof_of(api_event)
    assert (claims["htm"], claims["htu"]) == ("GET", URL)
    assert claims["ath"] == access_token_hash(client.access_token)
    assert client.post("/weather", {"report": "sunny"}).status == 200  # a proof per request
    assert proof_of(auth.wire.events[-1])[1]["htm"] == "POST"
    assert len({e.headers["DPoP"] for e in auth.wire.events}) == 3


def test_rfc9449_5_a_public_dpop_client_logs_in_and_refreshes_with_its_key(
        auth: AuthServer, spa: RegisteredClient, dpop_api: ResourceServer, clock: SimClock) -> None:
    client = Client(auth, spa, dpop_api, grant="authorization_code", dpop=True)
    assert client.login("alice", PASSWORD), client.last_error
    assert client.dpop_key is not None and client.refresh_token is not None
    first = client.access_token
    clock.advance(auth.access_ttl)  # the app knows the token ran out: it refreshes first
    n = len(auth.wire)
    assert client.get("/weather").status == 200
    assert trail(auth, n) == [("/token", 200), ("/weather", 200)]
    refresh = auth.wire.events[n]
    assert refresh.body is not None and refresh.body["grant_type"] == "refresh_token"
    assert proof_of(refresh)[0]["jwk"] == client.dpop_key.public_jwk
    assert client.access_token != first
    assert claims_of(client.access_token or "")["cnf"] == {"jkt": client.dpop_key.thumbprint}
    assert client.logout()


def test_rfc9449_a_dpop_client_renews_after_invalid_token_in_a_dpop_challenge(
        auth: AuthServer, app: RegisteredClient, dpop_api: ResourceServer) -> None:
    client = Client(auth, app, dpop_api, dpop=True)
    assert client.login()
    old = client.access_token
    assert old is not None and auth.revoke(old, app.client_id, app.client_secret) is None  # type: ignore[func-returns-value]
    n = len(auth.wire)
    assert client.get("/weather").status == 200
    assert trail(auth, n) == [("/weather", 401), ("/token", 200), ("/weather", 200)]
    assert client.access_token != old


# -- nonces ----------------------------------------------------------------------------------------


def test_rfc9449_8_9_the_client_answers_a_nonce_challenge_once_and_keeps_the_nonce(
        clock: SimClock) -> None:
    auth, api, app = nonce_world(clock)
    client = Client(auth, app, api, dpop=True)
    assert client.login(), client.last_error
    assert client.get("/weather").status == 200
    assert trail(auth) == [("/token", 400), ("/token", 200), ("/weather", 401), ("/weather", 200)]
    server_nonces = [e.response_headers["DPoP-Nonce"] for e in auth.wire.events]
    assert server_nonces[0] == server_nonces[1] != server_nonces[2] == server_nonces[3]
    n = len(auth.wire)
    assert client.refresh() and client.get("/weather").status == 200
    assert trail(auth, n) == [("/token", 200), ("/weather", 200)]  # the nonces were kept
    assert proof_of(auth.wire.events[n])[1]["nonce"] == server_nonces[0]  # each server's own
    assert proof_of(auth.wire.events[n + 1])[1]["nonce"] == server_nonces[2]


def test_rfc9449_8_2_the_client_keeps_the_latest_nonce_of_each_server(clock: SimClock) -> None:
    auth, api, app = nonce_world(clock)
    client = Client(auth, app, api, dpop=True)
    assert client.login() and client.get("/weather").status == 200
    old = auth.wire.events[-1].response_headers["DPoP-Nonce"]
    clock.advance(api.dpop_verifier.nonces.lifetime)  # type: ignore[union-attr]
    n = len(auth.wire)
    assert client.get("/weather").status == 200  # the token expired too: refreshed first
    assert trail(auth, n) == [("/token", 200), ("/weather", 200)]  # old nonces still accepted
    new = auth.wire.events[-1].response_headers["DPoP-Nonce"]
    assert new != old
    n = len(auth.wire)
    assert client.get("/weather").status == 200
    assert proof_of(auth.wire.events[n])[1]["nonce"] == new


class _NeverSatisfied:
    """A nonce source that accepts nothing: a server that keeps asking."""

    def __init__(self) -> None:
        self.handed_out = 0

    def current(self) -> str:
        self.handed_out += 1
        return f"nonce-{self.handed_out}"

    def accepts(self, nonce: object) -> bool:
        return False


def test_rfc9449_8_9_the_client_retries_a_nonce_challenge_only_once(clock: SimClock) -> None:
    auth, api, app = nonce_world(clock)
    client = Client(auth, app, api, dpop=True)
    assert client.login()
    api.dpop_verifier.nonces = _NeverSatisfied()
    n = len(auth.wire)
    assert client.get("/weather").status == 401
    assert trail(auth, n) == [("/weather", 401), ("/weather", 401)]
    auth.dpop_verifier.nonces = _NeverSatisfied()
    n = len(auth.wire)
    assert not client.refresh()
    assert trail(auth, n) == [("/token", 400), ("/token", 400)]
    assert client.last_error is not None and client.last_error.startswith("use_dpop_nonce: ")


# -- the key: seeded from the world ---------------------------------------------------------------


def _world(seed: int | None) -> tuple[AuthServer, ResourceServer]:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=seed)
    return auth, ResourceServer(API, auth, dpop="optional")


def test_the_proof_key_is_seeded_from_the_world_and_differs_per_client() -> None:
    traces = []
    for _ in range(2):
        auth, api = _world(1)
        app = auth.register_client("app", ["weather:read"])
        client = Client(auth, app, api, dpop=True)
        assert client.dpop_key is not None and client.dpop_key.demo
        assert client.login() and client.get("/weather").status == 200
        traces.append((client.dpop_key.thumbprint, auth.wire.render(shorten=False)))
    assert traces[0] == traces[1]  # proofs and all, byte for byte
    other = auth.register_client("other app", ["weather:read"])
    assert Client(auth, other, api, dpop=True).dpop_key.thumbprint != traces[0][0]  # type: ignore[union-attr]
    assert Client(auth, app, api, dpop=True, seed=2).dpop_key.thumbprint != traces[0][0]  # type: ignore[union-attr]
    unseeded, api = _world(None)
    app = unseeded.register_client("app", ["weather:read"])
    keys = [Client(unseeded, app, api, dpop=True).dpop_key for _ in range(2)]
    assert keys[0] is not None and keys[1] is not None and not keys[0].demo
    assert keys[0].thumbprint != keys[1].thumbprint


def test_a_client_can_be_given_its_key(auth: AuthServer, app: RegisteredClient,
                                       dpop_api: ResourceServer, clock: SimClock) -> None:
    key = DPoPKey.generate("EdDSA", random=RandomSource(seed="mine"))  # no clock: the world's
    client = Client(auth, app, dpop_api, dpop=key)
    assert client.dpop_key is key
    assert client.login() and client.get("/weather").status == 200
    header, claims = proof_of(auth.wire.events[-1])
    assert header["alg"] == "EdDSA" and claims["iat"] == int(clock.time())
    assert "DPoP" in repr(client) and key.thumbprint in repr(client)
    with pytest.raises(ValueError, match="header"):
        Client(auth, app, dpop_api, dpop=True, token_in="query")


@pytest.mark.parametrize(("dpop", "exc"), [("yes", TypeError), (1, TypeError), ({"alg": "ES256"}, TypeError)])
def test_dpop_must_be_a_flag_or_a_key(auth: AuthServer, app: RegisteredClient,
                                      dpop_api: ResourceServer, dpop: Any, exc: type) -> None:
    with pytest.raises(exc, match="dpop"):
        Client(auth, app, dpop_api, dpop=dpop)


# -- RFC 6749 §7.1, and nothing changes without dpop ----------------------------------------------------


def test_rfc6749_7_1_a_dpop_client_understands_dpop_and_bearer(
        auth: AuthServer, app: RegisteredClient, dpop_api: ResourceServer) -> None:
    client = Client(auth, app, dpop_api, dpop=True)
    assert dict(client.token_types) == {"bearer": "Bearer", "dpop": "DPoP"}
    assert dict(Client.token_types) == {"bearer": "Bearer"}
    assert dict(Client(auth, app, dpop_api).token_types) == {"bearer": "Bearer"}


def test_without_dpop_nothing_changes(auth: AuthServer, app: RegisteredClient,
                                      api: ResourceServer) -> None:
    client = Client(auth, app, api)
    assert client.dpop_key is None
    assert client.login() and client.get("/weather").status == 200
    assert client.token_type == "Bearer" and "cnf" not in claims_of(client.access_token or "")
    assert all("DPoP" not in e.headers for e in auth.wire.events)
    assert auth.wire.events[-1].headers["Authorization"] == f"Bearer {client.access_token}"
    assert repr(client) == ("Client('weather-app', grant='client_credentials', storage='memory', "
                            "token_in='header', logged in)")


# -- the attacker: what they hold --------------------------------------------------------------------


def test_rfc9449_tokens_stolen_from_local_storage_are_useless_without_the_key(
        auth: AuthServer, spa: RegisteredClient, dpop_api: ResourceServer, clock: SimClock) -> None:
    """XSS reads ``localStorage``: the access and the refresh token. The proof key is not there
    (a browser keeps it non-extractable, WebCrypto), so the thief signs with a key of their own:
    the API refuses the access token, the token endpoint the refresh token, and the app carries on."""
    client = Client(auth, spa, dpop_api, grant="authorization_code", dpop=True,
                    storage="localStorage")
    assert client.login("alice", PASSWORD)
    stolen = client.storage.readable_by_script()
    access, refresh = stolen["access_token"], stolen["refresh_token"]
    thief = make_key(clock, "thief")
    as_bearer = dpop_api.handle(Request.get(URL, {"Authorization": f"Bearer {access}"}),
                                sender="attacker")
    own_key = dpop_api.handle(Request.get(URL, {
        "Authorization": f"DPoP {access}", "DPoP": thief.proof("GET", URL, access_token=access)}),
        sender="attacker")
    assert (as_bearer.status, own_key.status) == (401, 401)
    assert own_key.json()["error"] == "invalid_token"
    refreshed = token_request(auth, {"grant_type": "refresh_token", "refresh_token": refresh},
                              client=spa, proof=thief.proof("POST", TOKEN))
    assert refreshed.status == 400 and refreshed.json()["error"] == "invalid_grant"
    assert client.get("/weather").status == 200 and client.refresh()
