"""The client validates the ID token of its code-flow login (OpenID Connect Core 1.0 §3.1.3.7,
and §3.1.3.8 for ``at_hash``), and refuses a bad one with a clear error and no state change.

Each step is broken by itself, in an otherwise valid ID token, with what an attacker really
holds: a genuine ID token or access token they were issued or captured, the public JWKS, their
own keys. Never the authorization server's private key. Two situations cannot be produced with
tokenlab's one server, so a test builds the *provider* that produces them (the provider signs,
not the attacker): a multi-tenant provider whose tenants share one key set and one app
registration (step 2), and a provider that issues one ID token to several audiences (steps 3-5).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tokenlab import (
    AlgorithmNotAllowedError,
    AuthServer,
    Client,
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidHeaderError,
    InvalidIssuerError,
    InvalidSignatureError,
    MissingClaimError,
    NotYetValidError,
    RegisteredClient,
    Request,
    ResourceServer,
    SimClock,
    TokenError,
    TokenResponse,
    UnknownKeyError,
    make_verifier,
    s256_challenge,
)
from tokenlab.jose.idtoken import ID_TOKEN_ERROR, keys_from_jwks, token_hash, validate_id_token
from tokenlab.jose.keys import KeyRing
from tokenlab.net.messages import Response, json_response
from tokenlab.randomness import RandomSource

from ..conftest import API, ISSUER, PASSWORD

CB = "https://web.example/cb"
MALLORY_PASSWORD = "mallory's own password"


@pytest.fixture
def web(auth: AuthServer, api: ResourceServer) -> RegisteredClient:
    auth.register_user("alice", PASSWORD)
    auth.register_user("mallory", MALLORY_PASSWORD)
    return auth.register_client("web", ["openid", "weather:read"], redirect_uris=[CB])


def genuine(auth: AuthServer, client: RegisteredClient, *, nonce: str | None = "n-1",
            user: str = "alice", password: str = PASSWORD) -> TokenResponse:
    """A real code-flow login of ``user`` at ``auth``, with ``openid``."""
    verifier = make_verifier()
    r = auth.authorize(client.client_id, CB, username=user, password=password,
                       scope="openid weather:read", nonce=nonce,
                       code_challenge=s256_challenge(verifier), code_challenge_method="S256")
    assert r.code is not None, r
    t = auth.exchange_code(r.code, client.client_id, client.client_secret, redirect_uri=CB,
                           code_verifier=verifier)
    assert t.id_token is not None
    return t


def check(auth: AuthServer, token: str, *, client_id: str, nonce: str | None = "n-1",
          access_token: str | None, **kw: Any) -> dict[str, Any]:
    """What the client does with the ID token it received (keys: the server's JWKS)."""
    kw.setdefault("now", auth.clock.time())
    return validate_id_token(token, issuer=ISSUER, client_id=client_id,
                             keys=keys_from_jwks(auth.jwks()).get, nonce=nonce,
                             access_token=access_token, **kw)


def b64(data: dict[str, Any]) -> str:
    return jwt.utils.base64url_encode(json.dumps(data).encode()).decode()


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return (json.loads(jwt.utils.base64url_decode(header)),
            json.loads(jwt.utils.base64url_decode(payload)), signature)


def test_a_genuine_id_token_passes_every_step(auth: AuthServer, web: RegisteredClient) -> None:
    t = genuine(auth, web)
    assert t.id_token is not None
    claims = check(auth, t.id_token, client_id=web.client_id, access_token=t.access_token)
    assert (claims["sub"], claims["aud"], claims["nonce"]) == ("alice", web.client_id, "n-1")


# -- step 2: iss ----------------------------------------------------------------------------------


def test_oidc_core_3_1_3_7_step_2_iss_must_match_exactly(clock: SimClock) -> None:
    """A multi-tenant provider signs every tenant's ID tokens with one key set, and a multi-tenant
    app has one client_id in every tenant. Mallory, a user of tenant B, logs in to the app at
    tenant B; the app is configured for tenant A. The signature and the aud are right; only iss
    tells the tenants apart. (The same seed gives both tenants the same keys and the same app
    registration: that is the shared provider, not the attacker.)"""
    def tenant(issuer: str) -> tuple[AuthServer, RegisteredClient]:
        server = AuthServer(issuer=issuer, clock=clock, seed=11)
        ResourceServer(audience=API, auth=server)
        server.register_user("mallory", MALLORY_PASSWORD)
        return server, server.register_client("web", ["openid", "weather:read"],
                                              redirect_uris=[CB])

    a, app_a = tenant(ISSUER)
    b, app_b = tenant("https://auth.example/tenant-b")
    assert app_a.client_id == app_b.client_id and a.jwks() == b.jwks()
    t = genuine(b, app_b, user="mallory", password=MALLORY_PASSWORD)
    assert t.id_token is not None
    with pytest.raises(InvalidIssuerError) as ei:
        check(a, t.id_token, client_id=app_a.client_id, access_token=t.access_token)
    assert ei.value.error == ID_TOKEN_ERROR == "invalid_id_token"
    assert "tenant-b" in ei.value.description and "step 2" in ei.value.description


# -- step 3: aud ----------------------------------------------------------------------------------


def test_oidc_core_3_1_3_7_step_3_aud_must_contain_the_client_id(
        auth: AuthServer, web: RegisteredClient) -> None:
    """Mallory registers her own app at the same server, logs in to it, and injects the real ID
    token she got into the victim app's login."""
    evil = auth.register_client("evil", ["openid", "weather:read"], redirect_uris=[CB])
    t = genuine(auth, evil, user="mallory", password=MALLORY_PASSWORD)
    assert t.id_token is not None
    with pytest.raises(InvalidAudienceError) as ei:
        check(auth, t.id_token, client_id=web.client_id, access_token=t.access_token)
    assert evil.client_id in ei.value.description and web.client_id in ei.value.description
    assert "step 3" in ei.value.description


PARTNER = "https://partner.example"
PROVIDER = "https://id.provider.example"


@pytest.fixture
def provider(clock: SimClock) -> KeyRing:
    """The keys of an OpenID provider that puts several audiences into one ID token."""
    return KeyRing("ES256", RandomSource("provider"), clock)


def provider_id_token(provider: KeyRing, clock: SimClock, **changes: Any) -> str:
    """An ID token *issued by the provider* (to whoever it names in aud and azp)."""
    now = int(clock.time())
    claims: dict[str, Any] = {"iss": PROVIDER, "sub": "alice", "aud": "victim-app", "exp": now + 300,
                              "iat": now, "nonce": "n-1",
                              "at_hash": token_hash("at", "ES256")}
    claims.update(changes)
    return provider.sign({k: v for k, v in claims.items() if v is not None}, typ="JWT")


def check_provider(provider: KeyRing, clock: SimClock, token: str, **kw: Any) -> dict[str, Any]:
    return validate_id_token(token, issuer=PROVIDER, client_id="victim-app",
                             keys=keys_from_jwks(provider.jwks()).get, now=clock.time(),
                             nonce="n-1", access_token="at", **kw)


def test_oidc_core_3_1_3_7_step_3_additional_audiences_must_be_trusted(
        provider: KeyRing, clock: SimClock) -> None:
    token = provider_id_token(provider, clock, aud=["victim-app", "https://stranger.example"],
                              azp="victim-app")
    with pytest.raises(InvalidAudienceError, match="stranger") as ei:
        check_provider(provider, clock, token)
    assert "step 3" in ei.value.description
    claims = check_provider(provider, clock, token,
                            trusted_audiences=("https://stranger.example",))
    assert claims["azp"] == "victim-app"


def test_oidc_core_3_1_3_7_step_4_several_audiences_need_an_azp(
        provider: KeyRing, clock: SimClock) -> None:
    token = provider_id_token(provider, clock, aud=["victim-app", PARTNER])
    with pytest.raises(MissingClaimError) as ei:
        check_provider(provider, clock, token, trusted_audiences=(PARTNER,))
    assert ei.value.claim == "azp" and "step 4" in ei.value.description


def test_oidc_core_3_1_3_7_step_5_azp_must_be_the_client_id(
        provider: KeyRing, clock: SimClock) -> None:
    """The partner was issued this ID token (azp); the victim app is merely one audience. The
    partner presents it to the victim app as if the user had logged in there."""
    for aud in (["victim-app", PARTNER], "victim-app"):
        token = provider_id_token(provider, clock, aud=aud, azp=PARTNER)
        with pytest.raises(InvalidClaimError) as ei:
            check_provider(provider, clock, token, trusted_audiences=(PARTNER,))
        assert ei.value.claim == "azp" and "step 5" in ei.value.description


def test_oidc_core_2_required_claims_must_be_present(provider: KeyRing, clock: SimClock) -> None:
    for claim in ("iss", "sub", "aud", "exp", "iat"):
        token = provider_id_token(provider, clock, **{claim: None})
        with pytest.raises(MissingClaimError) as ei:
            check_provider(provider, clock, token)
        assert ei.value.claim == claim and "§2" in ei.value.description


# -- steps 6-8: signature, alg ---------------------------------------------------------------------


def test_oidc_core_3_1_3_7_step_6_signature_must_verify_under_the_issuers_keys(
        auth: AuthServer, web: RegisteredClient) -> None:
    t = genuine(auth, web)
    assert t.id_token is not None
    header, claims, signature = parts(t.id_token)
    # Mallory edits her ID token (sub) and keeps the server's signature.
    edited = f"{b64(header)}.{b64({**claims, 'sub': 'admin'})}.{signature}"
    with pytest.raises(InvalidSignatureError) as ei:
        check(auth, edited, client_id=web.client_id, access_token=t.access_token)
    assert "step 6" in ei.value.description
    # She signs it with her own Ed25519 key, naming the server's kid.
    own = ed25519.Ed25519PrivateKey.generate()
    resigned = jwt.encode({**claims, "sub": "admin"}, own, algorithm="EdDSA", headers=header)
    with pytest.raises(InvalidSignatureError):
        check(auth, resigned, client_id=web.client_id, access_token=t.access_token)
    # With her own kid, no key of the issuer's JWKS is found.
    with pytest.raises(UnknownKeyError):
        check(auth, jwt.encode(claims, own, algorithm="EdDSA",
                               headers={**header, "kid": "mallory-key"}),
              client_id=web.client_id, access_token=t.access_token)


def test_oidc_core_3_1_3_7_step_6_a_key_in_the_header_is_not_the_issuers_key(
        auth: AuthServer, web: RegisteredClient) -> None:
    t = genuine(auth, web)
    assert t.id_token is not None
    header, claims, _ = parts(t.id_token)
    own = ed25519.Ed25519PrivateKey.generate()
    jwk = jwt.algorithms.OKPAlgorithm.to_jwk(own.public_key(), as_dict=True)
    token = jwt.encode({**claims, "sub": "admin"}, own, algorithm="EdDSA",
                       headers={**header, "jwk": jwk})
    with pytest.raises(InvalidHeaderError) as ei:
        check(auth, token, client_id=web.client_id, access_token=t.access_token)
    assert ei.value.parameter == "jwk" and "MUST use the keys provided by the Issuer" in str(
        ei.value)


def test_oidc_core_3_1_3_7_step_7_alg_must_be_the_expected_one(
        auth: AuthServer, web: RegisteredClient) -> None:
    t = genuine(auth, web)
    assert t.id_token is not None
    header, claims, _ = parts(t.id_token)
    # An unsigned token: alg none, in any spelling.
    for none in ("none", "None", "NONE"):
        unsigned = f"{b64({**header, 'alg': none})}.{b64({**claims, 'sub': 'admin'})}."
        with pytest.raises(AlgorithmNotAllowedError) as ei:
            check(auth, unsigned, client_id=web.client_id, access_token=t.access_token)
        assert "step 7" in ei.value.description
    # Mallory's own ES256 key under the server's kid: that kid is an EdDSA key.
    own = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(AlgorithmNotAllowedError, match="is for EdDSA only"):
        check(auth, jwt.encode(claims, own, algorithm="ES256", headers={**header, "alg": "ES256"}),
              client_id=web.client_id, access_token=t.access_token)


def test_oidc_core_3_1_3_7_step_7_algorithm_confusion_with_the_public_jwk_is_refused(
        auth: AuthServer, web: RegisteredClient) -> None:
    """The public JWKS as the HMAC secret of an HS256 token (RFC 8725 §2.1)."""
    t = genuine(auth, web)
    assert t.id_token is not None
    header, claims, _ = parts(t.id_token)
    (jwk,) = auth.jwks()["keys"]
    secret = jwt.utils.base64url_decode(jwk["x"]).ljust(32, b"\0")
    signing_input = f"{b64({**header, 'alg': 'HS256'})}.{b64({**claims, 'sub': 'admin'})}"
    signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
        signing_input.encode(), secret)
    token = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    with pytest.raises(AlgorithmNotAllowedError, match="HS256"):
        check(auth, token, client_id=web.client_id, access_token=t.access_token)


def test_oidc_core_3_1_3_7_step_8_no_mac_signed_id_token_is_accepted(
        auth: AuthServer, web: RegisteredClient) -> None:
    """Step 8 would check an HS256 ID token with the client_secret; this client registered no
    MAC algorithm, so whoever learns the secret cannot mint ID tokens for it."""
    t = genuine(auth, web)
    assert t.id_token is not None and web.client_secret is not None
    header, claims, _ = parts(t.id_token)
    token = jwt.encode({**claims, "sub": "admin"}, web.client_secret, algorithm="HS256",
                       headers={"kid": header["kid"], "typ": "JWT"})
    with pytest.raises(AlgorithmNotAllowedError) as ei:
        check(auth, token, client_id=web.client_id, access_token=t.access_token)
    assert "step 8" in ei.value.description


def test_rfc8725_3_11_an_access_token_is_not_an_id_token(
        auth: AuthServer, web: RegisteredClient) -> None:
    """Mallory holds an access token of the same server: typ at+jwt (and aud the API)."""
    t = genuine(auth, web)
    with pytest.raises(InvalidHeaderError) as ei:
        check(auth, t.access_token, client_id=web.client_id, access_token=t.access_token)
    assert ei.value.parameter == "typ" and "at+jwt" in ei.value.description


# -- steps 9, 10: exp, iat -------------------------------------------------------------------------


def test_oidc_core_3_1_3_7_step_9_now_must_be_before_exp(
        auth: AuthServer, web: RegisteredClient, clock: SimClock) -> None:
    """A captured ID token replayed later."""
    t = genuine(auth, web)
    assert t.id_token is not None
    exp = parts(t.id_token)[1]["exp"]
    kw: dict[str, Any] = {"client_id": web.client_id, "access_token": t.access_token}
    assert check(auth, t.id_token, now=exp - 1, **kw)["exp"] == exp
    for now in (exp, exp + 1):
        with pytest.raises(ExpiredTokenError) as ei:
            check(auth, t.id_token, now=now, **kw)
        assert ei.value.error == ID_TOKEN_ERROR and "step 9" in ei.value.description
    assert check(auth, t.id_token, now=exp + 4, leeway=5, **kw)
    with pytest.raises(ExpiredTokenError):
        check(auth, t.id_token, now=exp + 5, leeway=5, **kw)


def test_oidc_core_3_1_3_7_step_10_iat_must_not_be_absurd(
        auth: AuthServer, web: RegisteredClient, clock: SimClock) -> None:
    t = genuine(auth, web)
    assert t.id_token is not None
    iat = parts(t.id_token)[1]["iat"]
    kw: dict[str, Any] = {"client_id": web.client_id, "access_token": t.access_token}
    # The client's clock is an hour behind: the token was "issued in the future".
    with pytest.raises(NotYetValidError) as ei:
        check(auth, t.id_token, now=iat - 3600, **kw)
    assert ei.value.claim == "iat" and "step 10" in ei.value.description
    assert check(auth, t.id_token, now=iat - 30, leeway=30, **kw)
    # Issued longer ago than the client accepts (though not expired yet).
    with pytest.raises(InvalidClaimError) as ei2:
        check(auth, t.id_token, now=iat + 61, max_age=60, **kw)
    assert ei2.value.claim == "iat" and "step 10" in ei2.value.description
    assert check(auth, t.id_token, now=iat + 60, max_age=60, **kw)


# -- step 11: nonce; §3.1.3.8: at_hash ---------------------------------------------------------------


def test_oidc_core_3_1_3_7_step_11_nonce_must_be_the_one_sent(
        auth: AuthServer, web: RegisteredClient) -> None:
    """The response of an earlier login (its ID token and access token), replayed into a new one."""
    old = genuine(auth, web, nonce="n-old")
    assert old.id_token is not None
    with pytest.raises(InvalidClaimError) as ei:
        check(auth, old.id_token, client_id=web.client_id, nonce="n-new",
              access_token=old.access_token)
    assert ei.value.claim == "nonce" and "step 11" in ei.value.description
    assert "n-old" not in ei.value.description  # the values are not echoed


def test_oidc_core_3_1_3_7_step_11_a_nonce_sent_must_come_back(
        auth: AuthServer, web: RegisteredClient) -> None:
    without = genuine(auth, web, nonce=None)
    assert without.id_token is not None
    with pytest.raises(MissingClaimError) as ei:
        check(auth, without.id_token, client_id=web.client_id, nonce="n-1",
              access_token=without.access_token)
    assert ei.value.claim == "nonce"
    # No nonce sent: none to check.
    assert check(auth, without.id_token, client_id=web.client_id, nonce=None,
                 access_token=without.access_token)


def test_oidc_core_3_1_3_8_at_hash_must_match_the_access_token(
        auth: AuthServer, web: RegisteredClient) -> None:
    """Mallory swaps the access token of the response for another one she holds (her own)."""
    victim = genuine(auth, web)
    mallory = genuine(auth, web, user="mallory", password=MALLORY_PASSWORD)
    assert victim.id_token is not None
    with pytest.raises(InvalidClaimError) as ei:
        check(auth, victim.id_token, client_id=web.client_id,
              access_token=mallory.access_token)
    assert ei.value.claim == "at_hash" and "§3.1.3.8" in ei.value.description


def test_failures_carry_a_report_of_the_three_steps(auth: AuthServer,
                                                    web: RegisteredClient) -> None:
    t = genuine(auth, web)
    assert t.id_token is not None
    with pytest.raises(InvalidClaimError) as ei:
        check(auth, t.id_token, client_id=web.client_id, nonce="other",
              access_token=t.access_token)
    report = ei.value.report
    assert report is not None
    assert [s.status for s in report.steps] == ["passed", "passed", "failed"]


def test_bad_input_gets_a_clear_error(auth: AuthServer, web: RegisteredClient) -> None:
    for text in ("", "not a jwt", "a.b.c", "é.é.é", "x" * 20000):
        with pytest.raises(TokenError) as ei:
            check(auth, text, client_id=web.client_id, access_token=None)
        assert ei.value.error == ID_TOKEN_ERROR
    with pytest.raises(TypeError):
        check(auth, 42, client_id=web.client_id, access_token=None)  # type: ignore[arg-type]


# -- the app ---------------------------------------------------------------------------------------


def app(auth: AuthServer, reg: RegisteredClient, api: ResourceServer, **kw: Any) -> Client:
    return Client(auth, reg, api, grant="authorization_code", **kw)


def calls(auth: AuthServer, since: int = 0) -> list[tuple[str, str, str, int]]:
    return [(e.sender, e.method, e.path, e.status) for e in auth.wire.events[since:]]


def test_the_app_sends_a_nonce_and_exposes_the_validated_claims(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = app(auth, web, api, scope="openid weather:read")
    assert client.id_token_claims is None
    assert client.login("alice", PASSWORD), client.last_error
    authorize = next(e for e in auth.wire.events if e.path == "/authorize")
    sent = dict(parse_qsl(urlsplit(authorize.url).query))["nonce"]
    claims = client.id_token_claims
    assert claims is not None
    assert (claims["sub"], claims["aud"], claims["nonce"]) == ("alice", web.client_id, sent)
    assert client.id_token is not None and client.id_token.count(".") == 2
    assert [(m, p) for _, m, p, _ in calls(auth)] == [
        ("GET", "/authorize"), ("POST", "/authorize"), ("GET", "/cb"), ("POST", "/token"),
        ("GET", "/jwks.json")]
    assert client.get("/weather").status == 200


def test_the_app_without_openid_sends_no_nonce_and_fetches_no_keys(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = app(auth, web, api, scope="weather:read")
    assert client.login("alice", PASSWORD), client.last_error
    assert not any("nonce" in e.url for e in auth.wire.events)
    assert [(m, p) for _, m, p, _ in calls(auth)] == [
        ("GET", "/authorize"), ("POST", "/authorize"), ("GET", "/cb"), ("POST", "/token")]
    assert client.id_token_claims is None and client.id_token is None
    assert "id_token" not in client.storage.load()


def test_the_app_fetches_the_jwks_again_only_for_an_unknown_kid(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = app(auth, web, api, scope="openid weather:read")
    assert client.login("alice", PASSWORD) and client.login("alice", PASSWORD)
    assert [p for _, _, p, _ in calls(auth)].count("/jwks.json") == 1
    auth.rotate_keys()
    assert client.login("alice", PASSWORD), client.last_error
    assert [p for _, _, p, _ in calls(auth)].count("/jwks.json") == 2


class Tamper:
    """A network attacker between the app and the token endpoint who changes the token response
    (no TLS, or TLS broken): every other call goes to the real server unchanged."""

    def __init__(self, auth: AuthServer, change: Callable[[dict[str, Any]], dict[str, Any]]):
        self._auth = auth
        self._change = change

    def __getattr__(self, name: str) -> Any:
        return getattr(self._auth, name)

    def handle(self, request: Request, sender: str = "client") -> Response:
        response = self._auth.handle(request, sender)
        if request.path == "/token" and response.status == 200:
            return json_response(200, self._change(response.json()), response.headers)
        return response


def test_the_app_refuses_a_replayed_id_token_and_changes_nothing(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    captured = genuine(auth, web, nonce="n-captured")
    tampering = Tamper(auth, lambda body: {**body, "id_token": captured.id_token})
    client = app(tampering, web, api, scope="openid weather:read")  # type: ignore[arg-type]
    assert not client.login("alice", PASSWORD)
    assert client.last_error is not None
    assert client.last_error.startswith("invalid_id_token: ")
    assert "nonce" in client.last_error and "§3.1.3.7 step 11" in client.last_error
    assert not client.logged_in and client.storage.load() == {}
    assert client.id_token_claims is None


def test_a_refused_id_token_leaves_the_previous_login_in_place(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    honest = app(auth, web, api, scope="openid weather:read")
    assert honest.login("alice", PASSWORD)
    held, claims = honest.storage.load(), honest.id_token_claims
    other = genuine(auth, web, nonce="n-other")
    honest.auth = Tamper(auth, lambda body: {**body, "id_token": other.id_token})  # type: ignore[assignment]
    assert not honest.login("alice", PASSWORD)
    assert honest.storage.load() == held and honest.id_token_claims == claims
    assert honest.last_error is not None and "nonce" in honest.last_error


def test_oidc_core_3_1_3_3_an_openid_login_without_id_token_is_refused(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    stripped = Tamper(auth, lambda body: {k: v for k, v in body.items() if k != "id_token"})
    client = app(stripped, web, api, scope="openid weather:read")  # type: ignore[arg-type]
    assert not client.login("alice", PASSWORD)
    assert client.last_error is not None and "no id_token" in client.last_error
    assert not client.logged_in


def test_the_app_refuses_a_substituted_access_token(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    mallory = genuine(auth, web, user="mallory", password=MALLORY_PASSWORD)
    swap = Tamper(auth, lambda body: {**body, "access_token": mallory.access_token})
    client = app(swap, web, api, scope="openid weather:read")  # type: ignore[arg-type]
    assert not client.login("alice", PASSWORD)
    assert client.last_error is not None and "at_hash" in client.last_error


def test_the_claims_survive_a_refresh_and_go_with_logout_or_reload(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer, clock: SimClock) -> None:
    client = app(auth, web, api, scope="openid weather:read")
    assert client.login("alice", PASSWORD)
    claims = client.id_token_claims
    clock.advance(400)
    assert client.refresh(), client.last_error
    assert client.id_token_claims == claims
    client.reload()  # memory storage: the tokens and the identity are gone
    assert client.id_token_claims is None
    assert client.login("alice", PASSWORD)
    assert client.logout() and client.id_token_claims is None


def test_the_app_holds_a_copy_of_the_claims(auth: AuthServer, web: RegisteredClient,
                                            api: ResourceServer) -> None:
    client = app(auth, web, api, scope="openid weather:read")
    assert client.login("alice", PASSWORD)
    claims = client.id_token_claims
    assert claims is not None
    claims["sub"] = "admin"  # type: ignore[index]
    assert client.id_token_claims is not None and client.id_token_claims["sub"] == "alice"


def test_pending_login_repr_is_unchanged_without_openid(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = app(auth, web, api, scope="weather:read")
    client.start_login()
    assert repr(client._pending).startswith("_PendingLogin(state=")
    assert "nonce" not in repr(client._pending)
