"""DPoP at the token endpoint (RFC 9449 §5, §6, §8): a token request carrying one proof for
``POST`` to the token endpoint gets an access token bound to the proof's key (``cnf.jkt``) and
``token_type`` ``DPoP``; a public client's refresh token is bound too; an invalid proof is
``invalid_dpop_proof`` and changes nothing; a server requiring nonces answers ``use_dpop_nonce``
with a ``DPoP-Nonce`` header; the metadata and introspection say what they must.

Every request goes over the wire (``auth.handle``). The thief's attempts use what a thief holds:
a refresh token or proof they copied, and a key of their own — never the client's private key.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, ClassVar

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from tokenlab import (
    AuthServer,
    DPoPKey,
    InvalidDPoPProofError,
    RegisteredClient,
    Request,
    ResourceServer,
    SimClock,
    TokenResponse,
    jwk_thumbprint,
)
from tokenlab.authserver.issuance import TokenIssuer
from tokenlab.net.messages import FORM
from tokenlab.randomness import RandomSource

from ..conftest import API, ISSUER, PASSWORD

TOKEN = f"{ISSUER}/token"
INTROSPECT = f"{ISSUER}/introspect"
CALLBACK = "https://app.example/callback"


# -- helpers (the other DPoP tests import them) -------------------------------------------------


def make_key(clock: SimClock, name: str = "app", alg: str = "ES256") -> DPoPKey:
    """A proof key of its own for each party (the app, a thief), seeded by its name (and alg: two
    keys from one seed would draw the same jti values, and a replay cache would say so)."""
    return DPoPKey.generate(alg, random=RandomSource(seed=f"dpop key of {name}, {alg}"),
                            clock=clock)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_request(auth: AuthServer, form: Mapping[str, str], *, client: RegisteredClient,
                  proof: str | list[str] | None, url: str = TOKEN) -> Any:
    """POST ``form`` to the token endpoint as ``client``, with ``proof`` in the DPoP header (a
    list: one header field per proof; ``None``: no DPoP header)."""
    fields: list[tuple[str, str]] = [("Content-Type", FORM)]
    body = dict(form)
    if client.client_secret is None:
        body["client_id"] = client.client_id
    else:
        fields.append(("Authorization", basic(client.client_id, client.client_secret)))
    for p in [proof] if isinstance(proof, str) else proof or []:
        fields.append(("DPoP", p))
    return auth.handle(Request("POST", url, fields, body))


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims, read without verifying (the signature is checked elsewhere)."""
    return dict(jwt.decode(token, options={"verify_signature": False}))


def login_form(**extra: str) -> dict[str, str]:
    return {"grant_type": "password", "username": "alice", "password": PASSWORD, **extra}


def refresh_form(response: Any) -> dict[str, str]:
    refresh = response.json()["refresh_token"]
    assert isinstance(refresh, str)
    return {"grant_type": "refresh_token", "refresh_token": refresh}


@pytest.fixture(autouse=True)
def alice(auth: AuthServer, api: ResourceServer) -> None:
    auth.register_user("alice", PASSWORD)


@pytest.fixture
def spa(auth: AuthServer) -> RegisteredClient:
    """A public client (no secret): its refresh tokens are bound to its DPoP key."""
    return auth.register_client("spa", ["weather:read"], public=True, redirect_uris=[CALLBACK])


@pytest.fixture
def web(auth: AuthServer) -> RegisteredClient:
    """A confidential client: its refresh tokens are bound to it by its secret instead."""
    return auth.register_client("web", ["weather:read"], redirect_uris=[CALLBACK])


# -- §5: the bound access token -----------------------------------------------------------------


def test_rfc9449_5_a_token_request_with_a_proof_gets_a_token_bound_to_its_key(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    key = make_key(clock)
    r = token_request(auth, {"grant_type": "client_credentials"}, client=app,
                      proof=key.proof("POST", TOKEN))
    assert r.status == 200, r.json()
    body = r.json()
    assert body["token_type"] == "DPoP"  # §5: "A token_type of DPoP MUST be included"
    claims = claims_of(body["access_token"])
    assert claims["cnf"] == {"jkt": key.thumbprint}  # §6.1
    assert key.thumbprint == jwk_thumbprint(jwt.get_unverified_header(key.proof("GET", TOKEN))["jwk"])
    assert r.headers["Cache-Control"] == "no-store"
    # The same request without a proof is what it always was: a Bearer token without cnf.
    plain = token_request(auth, {"grant_type": "client_credentials"}, client=app, proof=None)
    assert plain.json()["token_type"] == "Bearer" and "cnf" not in claims_of(plain.json()["access_token"])
    assert set(plain.json()) == set(body)


@pytest.mark.parametrize("grant", ["client_credentials", "password", "authorization_code",
                                   "refresh_token"])
def test_rfc9449_5_every_grant_binds_the_access_token(
        auth: AuthServer, web: RegisteredClient, clock: SimClock, grant: str) -> None:
    """§5: "This is applicable for all access token requests regardless of grant type"."""
    key = make_key(clock)
    if grant == "client_credentials":
        form = {"grant_type": "client_credentials"}
    elif grant == "authorization_code":
        verifier = "v" * 43
        from tokenlab import s256_challenge

        redirect = auth.authorize(web.client_id, CALLBACK, username="alice", password=PASSWORD,
                                  code_challenge=s256_challenge(verifier),
                                  code_challenge_method="S256")
        assert redirect.code is not None
        form = {"grant_type": "authorization_code", "code": redirect.code,
                "redirect_uri": CALLBACK, "code_verifier": verifier}
    else:
        form = login_form()
        if grant == "refresh_token":
            first = token_request(auth, form, client=web, proof=key.proof("POST", TOKEN))
            form = refresh_form(first)
    r = token_request(auth, form, client=web, proof=key.proof("POST", TOKEN))
    assert r.status == 200, r.json()
    assert r.json()["token_type"] == "DPoP"
    assert claims_of(r.json()["access_token"])["cnf"] == {"jkt": key.thumbprint}


def test_rfc9449_5_a_key_of_each_advertised_algorithm_gets_a_bound_token(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    for alg in auth.metadata()["dpop_signing_alg_values_supported"]:
        key = make_key(clock, alg=alg)
        r = token_request(auth, {"grant_type": "client_credentials"}, client=app,
                          proof=key.proof("POST", TOKEN))
        assert claims_of(r.json()["access_token"])["cnf"]["jkt"] == key.thumbprint, alg


def test_rfc9449_5_a_proof_made_by_hand_with_pyjwt_is_accepted(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    """Interop: a proof built with PyJWT and cryptography alone (not DPoPKey)."""
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    proof = jwt.encode({"jti": "hand-made-1", "htm": "POST", "htu": TOKEN,
                        "iat": int(clock.time())}, private, algorithm="ES256",
                       headers={"typ": "dpop+jwt", "jwk": jwk})
    r = token_request(auth, {"grant_type": "client_credentials"}, client=app, proof=proof)
    assert r.status == 200, r.json()
    assert claims_of(r.json()["access_token"])["cnf"] == {"jkt": jwk_thumbprint(jwk)}


# -- §5: refresh tokens ---------------------------------------------------------------------------


def test_rfc9449_5_refresh_tokens_of_public_clients_are_bound_to_the_key(
        auth: AuthServer, spa: RegisteredClient, clock: SimClock) -> None:
    """§5: "the refresh token MUST be bound to the respective public key. The binding MUST be
    validated when the refresh token is later presented": a thief who copied the refresh token
    but not the key is refused, with their own key or with none — and changes nothing."""
    key, thief = make_key(clock), make_key(clock, "thief")
    login = token_request(auth, login_form(), client=spa, proof=key.proof("POST", TOKEN))
    assert login.status == 200 and login.json()["token_type"] == "DPoP"
    stolen = refresh_form(login)
    for proof in (thief.proof("POST", TOKEN), None):
        r = token_request(auth, stolen, client=spa, proof=proof)
        assert r.status == 400 and r.json()["error"] == "invalid_grant", r.json()
        assert "RFC 9449 §5" in r.json()["error_description"]
        assert key.thumbprint not in r.json()["error_description"]  # no hint at the right key
    # Nothing changed: not spent, family not revoked — the app refreshes as before.
    r = token_request(auth, stolen, client=spa, proof=key.proof("POST", TOKEN))
    assert r.status == 200, r.json()
    assert r.json()["token_type"] == "DPoP"
    assert claims_of(r.json()["access_token"])["cnf"] == {"jkt": key.thumbprint}


def test_rfc9449_5_a_refresh_of_a_bound_family_keeps_the_binding(
        auth: AuthServer, spa: RegisteredClient, clock: SimClock) -> None:
    key, thief = make_key(clock), make_key(clock, "thief")
    r = token_request(auth, login_form(), client=spa, proof=key.proof("POST", TOKEN))
    for _ in range(3):  # every rotated refresh token of the family is bound to the same key
        clock.advance(30)
        form = refresh_form(r)
        assert token_request(auth, form, client=spa, proof=thief.proof("POST", TOKEN)).status == 400
        r = token_request(auth, form, client=spa, proof=key.proof("POST", TOKEN))
        assert r.status == 200, r.json()
        assert r.json()["token_type"] == "DPoP"
        assert claims_of(r.json()["access_token"])["cnf"] == {"jkt": key.thumbprint}


def test_rfc9449_5_refresh_tokens_of_confidential_clients_are_not_bound_to_the_key(
        auth: AuthServer, web: RegisteredClient, clock: SimClock) -> None:
    """§5: "Refresh tokens issued to confidential clients ... are not bound to the DPoP proof
    public key because they are already sender-constrained" — by the client's authentication
    (RFC 6749 §6). Each access token is bound to the key of the request that got it."""
    key, other = make_key(clock), make_key(clock, "rotated key")
    r = token_request(auth, login_form(), client=web, proof=key.proof("POST", TOKEN))
    r = token_request(auth, refresh_form(r), client=web, proof=other.proof("POST", TOKEN))
    assert r.status == 200, r.json()
    assert claims_of(r.json()["access_token"])["cnf"] == {"jkt": other.thumbprint}
    r = token_request(auth, refresh_form(r), client=web, proof=None)
    assert r.status == 200 and r.json()["token_type"] == "Bearer"
    assert "cnf" not in claims_of(r.json()["access_token"])


def test_rfc9700_4_14_2_a_bound_refresh_token_reused_with_its_key_still_revokes_the_family(
        auth: AuthServer, spa: RegisteredClient, clock: SimClock) -> None:
    """Reuse detection is unchanged for the key's holder; a thief presenting a spent token with
    their own key is refused for the binding first, so they cannot end the user's session."""
    key, thief = make_key(clock), make_key(clock, "thief")
    first = token_request(auth, login_form(), client=spa, proof=key.proof("POST", TOKEN))
    second = token_request(auth, refresh_form(first), client=spa, proof=key.proof("POST", TOKEN))
    assert second.status == 200
    by_thief = token_request(auth, refresh_form(first), client=spa, proof=thief.proof("POST", TOKEN))
    assert by_thief.json()["error"] == "invalid_grant" and "§5" in by_thief.json()["error_description"]
    third = token_request(auth, refresh_form(second), client=spa, proof=key.proof("POST", TOKEN))
    assert third.status == 200, third.json()  # the thief's attempt revoked nothing
    reused = token_request(auth, refresh_form(first), client=spa, proof=key.proof("POST", TOKEN))
    assert reused.json()["error"] == "invalid_grant" and "already exchanged" in reused.json()[
        "error_description"]
    assert token_request(auth, refresh_form(third), client=spa,
                         proof=key.proof("POST", TOKEN)).json()["error"] == "invalid_grant"


# -- §5: invalid proofs ---------------------------------------------------------------------------


def _two(key: DPoPKey) -> list[str]:
    return [key.proof("POST", TOKEN), key.proof("POST", TOKEN)]


#: Proofs that break one rule, each made by the client's own key; and the check that refuses it.
BROKEN: dict[str, tuple[Any, str]] = {
    "two proofs": (_two, "one_header"),
    "not a JWT": (lambda key: "not-a-jwt", "well_formed"),
    "made for GET": (lambda key: key.proof("GET", TOKEN), "htm"),
    "made for the API": (lambda key: key.proof("POST", f"{API}/weather"), "htu"),
    "made for another server's token endpoint": (
        lambda key: key.proof("POST", "https://other.example/token"), "htu"),
    "made a minute ago": (lambda key: key.proof("POST", TOKEN, now=key.clock.time() - 60), "iat"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_rfc9449_5_an_invalid_proof_is_400_invalid_dpop_proof_and_changes_nothing(
        auth: AuthServer, web: RegisteredClient, clock: SimClock, case: str) -> None:
    """§5: "If the DPoP proof is invalid, the authorization server issues an error response per
    Section 5.2 of [RFC6749] with invalid_dpop_proof". The grant never runs: the code is not
    spent, and the same exchange with a good proof succeeds afterwards."""
    from tokenlab import s256_challenge

    key = make_key(clock)
    make, check = BROKEN[case]
    verifier = "w" * 43
    redirect = auth.authorize(web.client_id, CALLBACK, username="alice", password=PASSWORD,
                              code_challenge=s256_challenge(verifier), code_challenge_method="S256")
    assert redirect.code is not None
    form = {"grant_type": "authorization_code", "code": redirect.code, "redirect_uri": CALLBACK,
            "code_verifier": verifier}
    families = len(auth.store.keys("refresh_family"))
    r = token_request(auth, form, client=web, proof=make(key))
    assert r.status == 400, r.json()
    assert r.json()["error"] == "invalid_dpop_proof"
    assert "RFC 9449" in r.json()["error_description"]
    assert "WWW-Authenticate" not in r.headers and r.headers["Cache-Control"] == "no-store"
    assert len(auth.store.keys("refresh_family")) == families
    with pytest.raises(InvalidDPoPProofError) as caught:  # the check that refused it
        auth.dpop_verifier.verify(_as_headers(make(key)), "POST", TOKEN)
    assert caught.value.check == check
    good = token_request(auth, form, client=web, proof=key.proof("POST", TOKEN))
    assert good.status == 200 and good.json()["token_type"] == "DPoP", good.json()


def _as_headers(proof: str | list[str]) -> list[str]:
    return [proof] if isinstance(proof, str) else proof


def test_rfc9449_11_1_a_proof_is_good_for_one_token_request(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    """A proof copied off the wire and sent again is refused for its jti, at once or later."""
    proof = make_key(clock).proof("POST", TOKEN)
    assert token_request(auth, {"grant_type": "client_credentials"}, client=app,
                         proof=proof).status == 200
    for wait in (0, 30):
        clock.advance(wait)
        r = token_request(auth, {"grant_type": "client_credentials"}, client=app, proof=proof)
        assert r.status == 400 and r.json()["error"] == "invalid_dpop_proof"
        assert "already used" in r.json()["error_description"]


def test_rfc9449_4_3_item_9_the_token_endpoint_compares_htu_with_its_own_url(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    """The simulated wire delivers a request by its path, whatever host it names; the server
    still knows its own URL: a proof made for another host is refused even when the request
    names that host."""
    elsewhere = "https://other.example/token"
    r = token_request(auth, {"grant_type": "client_credentials"}, client=app,
                      proof=make_key(clock).proof("POST", elsewhere), url=elsewhere)
    assert r.status == 400 and r.json()["error"] == "invalid_dpop_proof"
    assert TOKEN in r.json()["error_description"]


def test_rfc9449_5_the_empty_dpop_header_is_an_invalid_proof(
        auth: AuthServer, app: RegisteredClient) -> None:
    r = token_request(auth, {"grant_type": "client_credentials"}, client=app, proof="")
    assert r.status == 400 and r.json()["error"] == "invalid_dpop_proof"


# -- §8: nonces -------------------------------------------------------------------------------------


@pytest.fixture
def strict(clock: SimClock) -> tuple[AuthServer, RegisteredClient]:
    """A server that requires its own nonce in every proof (off by default)."""
    auth = AuthServer(ISSUER, clock=clock, seed=1, require_dpop_nonce=True)
    ResourceServer(API, auth)
    return auth, auth.register_client("app", ["weather:read"])


def test_rfc9449_8_a_server_requiring_nonces_answers_use_dpop_nonce_with_one(
        strict: tuple[AuthServer, RegisteredClient], clock: SimClock) -> None:
    auth, app = strict
    key = make_key(clock)
    form = {"grant_type": "client_credentials"}
    r = token_request(auth, form, client=app, proof=key.proof("POST", TOKEN))
    assert r.status == 400 and r.json()["error"] == "use_dpop_nonce", r.json()
    nonce = r.headers["DPoP-Nonce"]
    assert nonce and r.headers["Cache-Control"] == "no-store"
    wrong = token_request(auth, form, client=app, proof=key.proof("POST", TOKEN, nonce="made-up"))
    assert wrong.json()["error"] == "use_dpop_nonce" and wrong.headers["DPoP-Nonce"] == nonce
    ok = token_request(auth, form, client=app, proof=key.proof("POST", TOKEN, nonce=nonce))
    assert ok.status == 200 and ok.json()["token_type"] == "DPoP", ok.json()
    assert ok.headers["DPoP-Nonce"] == nonce  # §8.2: the nonce to keep using, on success too
    # Nonces concern proofs: a request without one is a Bearer request, as before.
    assert token_request(auth, form, client=app, proof=None).json()["token_type"] == "Bearer"


def test_rfc9449_8_2_a_rotated_nonce_comes_with_the_answer(
        strict: tuple[AuthServer, RegisteredClient], clock: SimClock) -> None:
    auth, app = strict
    key = make_key(clock)
    form = {"grant_type": "client_credentials"}
    nonce = token_request(auth, form, client=app, proof=key.proof("POST", TOKEN)).headers["DPoP-Nonce"]
    clock.advance(auth.dpop_verifier.nonces.lifetime)  # type: ignore[union-attr]
    r = token_request(auth, form, client=app, proof=key.proof("POST", TOKEN, nonce=nonce))
    assert r.status == 200  # the previous nonce is still accepted for a while ...
    assert r.headers["DPoP-Nonce"] != nonce  # ... and the new one is handed out


def test_rfc9449_8_nonces_are_off_by_default(auth: AuthServer, app: RegisteredClient,
                                             clock: SimClock) -> None:
    r = token_request(auth, {"grant_type": "client_credentials"}, client=app,
                      proof=make_key(clock).proof("POST", TOKEN))
    assert r.status == 200 and "DPoP-Nonce" not in r.headers
    assert auth.dpop_verifier.nonces is None


# -- §5.1 metadata, §6.2 introspection ---------------------------------------------------------------


def test_rfc9449_5_1_metadata_lists_dpop_signing_alg_values_supported(auth: AuthServer) -> None:
    meta = auth.metadata()
    assert meta["dpop_signing_alg_values_supported"] == ["ES256", "EdDSA"]
    served = auth.handle(Request.get(f"{ISSUER}/.well-known/oauth-authorization-server")).json()
    assert served["dpop_signing_alg_values_supported"] == ["ES256", "EdDSA"]
    assert all(a not in ("none", "HS256") for a in served["dpop_signing_alg_values_supported"])


def test_rfc9449_6_2_introspection_of_a_bound_token_returns_cnf_and_token_type(
        auth: AuthServer, web: RegisteredClient, spa: RegisteredClient, clock: SimClock) -> None:
    key = make_key(clock)
    bound = token_request(auth, {"grant_type": "client_credentials"}, client=web,
                          proof=key.proof("POST", TOKEN)).json()["access_token"]
    assert web.client_secret is not None
    answer = auth.introspect(bound, web.client_id, web.client_secret)
    assert answer["active"] is True
    assert answer["cnf"] == {"jkt": key.thumbprint} and answer["token_type"] == "DPoP"
    over_http = auth.handle(Request.post(INTROSPECT, {"token": bound}, {
        "Authorization": basic(web.client_id, web.client_secret)})).json()
    assert over_http == answer
    plain = token_request(auth, {"grant_type": "client_credentials"}, client=web,
                          proof=None).json()["access_token"]
    unbound = auth.introspect(plain, web.client_id, web.client_secret)
    assert "cnf" not in unbound and unbound["token_type"] == "Bearer"
    # A public client's bound refresh token says its binding too.
    refresh = token_request(auth, login_form(), client=spa,
                            proof=key.proof("POST", TOKEN)).json()["refresh_token"]
    answer = auth.introspect(refresh, web.client_id, web.client_secret)
    assert answer["cnf"] == {"jkt": key.thumbprint} and answer["token_type"] == "refresh_token"


# -- the seam: binding lives in the issuer, once ---------------------------------------------------


class _TokenExchange:
    """A grant added later (a stand-in for, e.g., RFC 8693 token exchange): it knows nothing of
    DPoP, and its tokens are bound all the same."""

    grant_type: ClassVar[str] = "urn:example:token-exchange"
    wire_note: ClassVar[str | None] = None

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def token_request(self, params: Mapping[str, str], client_id: str,
                      client_secret: str | None) -> TokenResponse:
        client = self.issuer.clients.authenticate(client_id, client_secret)
        return self.issuer.issue(subject=client.client_id, client_id=client.client_id,
                                 audience=self.issuer.audience(None), scopes=client.scopes)


def test_rfc9449_5_a_grant_registered_later_binds_without_knowing_dpop(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    auth.register_grant(_TokenExchange(auth.issuance))
    key = make_key(clock)
    r = token_request(auth, {"grant_type": _TokenExchange.grant_type}, client=app,
                      proof=key.proof("POST", TOKEN))
    assert r.status == 200 and r.json()["token_type"] == "DPoP", r.json()
    assert claims_of(r.json()["access_token"])["cnf"] == {"jkt": key.thumbprint}
    # Outside a DPoP request nothing is bound, and the binding does not leak into later calls.
    assert auth.client_credentials(app.client_id, app.client_secret).token_type == "Bearer"


def test_the_python_grants_issue_bearer_tokens_as_before(auth: AuthServer, app: RegisteredClient,
                                                         spa: RegisteredClient) -> None:
    t = auth.client_credentials(app.client_id, app.client_secret)
    assert t.token_type == "Bearer" and "cnf" not in claims_of(t.access_token)
    u = auth.password_grant(spa.client_id, None, "alice", PASSWORD)
    assert u.refresh_token is not None
    assert auth.refresh(u.refresh_token, spa.client_id).token_type == "Bearer"
