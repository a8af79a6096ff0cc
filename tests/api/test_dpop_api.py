"""DPoP at the resource server (RFC 9449 §7, §9): ``Authorization: DPoP <token>`` plus a ``DPoP``
proof, checked end to end over the wire — every §4.3 item broken alone at the API is
``invalid_dpop_proof`` naming its check; a proof by another key than the token's ``cnf.jkt`` is
``invalid_token`` (§7.1); a bound token sent as ``Bearer`` is refused (§7.2), and so is an
unbound token sent as ``DPoP``; nonces (§9); the challenges of an API that accepts DPoP, Bearer
or both (RFC 9110 §11.6.1); introspection mode takes ``cnf`` from the introspection answer.

The client's key here is a bare cryptography key and its proofs are signed by hand (PyJWT's
algorithm objects, or ``jwt.encode``), never by :class:`~tokenlab.DPoPKey`: the API must accept
any correct proof, not only tokenlab's. The thief holds what travelled on the wire — the token
and the proofs — and keys of their own; never the client's private key.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from tokenlab import (
    AuthServer,
    InvalidClaimError,
    InvalidDPoPProofError,
    RegisteredClient,
    Request,
    ResourceServer,
    SimClock,
    UseDPoPNonceError,
)
from tokenlab.api.http import parse_challenge, parse_challenges
from tokenlab.jose.dpop import access_token_hash
from tokenlab.net.messages import FORM

from ..authserver.test_dpop_token_endpoint import TOKEN, claims_of, make_key, token_request
from ..conftest import API, ISSUER, Forge
from ..jose.test_dpop_verify import public_jwk, sign

URL = f"{API}/weather"
ALGS = "ES256 EdDSA"
#: The client's key (a bare cryptography key) and a key of the thief's own.
CLIENT = ec.derive_private_key(0xC11E_4711, ec.SECP256R1())
THIEF = ec.derive_private_key(0x7419_F00D, ec.SECP256R1())
_jtis = itertools.count()


def hand_proof(clock: SimClock, token: str | None, *, key: Any = CLIENT, header: dict[str, Any] | None = None,
               drop: tuple[str, ...] = (), **claims: Any) -> str:
    """A proof signed by hand for ``GET /weather`` with ``token``'s ath, changed as asked."""
    h: dict[str, Any] = {"typ": "dpop+jwt", "alg": "ES256", **(header or {})}
    h.setdefault("jwk", public_jwk(CLIENT if isinstance(key, bytes) else key))
    c: dict[str, Any] = {"jti": f"hand-{next(_jtis)}", "htm": "GET", "htu": URL,
                         "iat": int(clock.time())}
    if token is not None:
        c["ath"] = access_token_hash(token)
    c.update(claims)
    for name in drop:
        c.pop(name)
    return sign(h, c, key)


def bound_token(auth: AuthServer, client: RegisteredClient, clock: SimClock,
                key: Any = CLIENT) -> str:
    """A token bound to ``key``, got at the token endpoint with a proof made by PyJWT."""
    proof = jwt.encode({"jti": f"token-{next(_jtis)}", "htm": "POST", "htu": TOKEN,
                        "iat": int(clock.time())}, key, algorithm="ES256",
                       headers={"typ": "dpop+jwt", "jwk": public_jwk(key)})
    r = token_request(auth, {"grant_type": "client_credentials", "scope": "weather:read"},
                      client=client, proof=proof)
    assert r.status == 200 and r.json()["token_type"] == "DPoP", r.json()
    token = r.json()["access_token"]
    assert isinstance(token, str)
    return token


def send(api: ResourceServer, token: str | None, proofs: list[str], *, scheme: str = "DPoP",
         method: str = "GET", url: str = URL, body: dict[str, str] | None = None) -> Any:
    fields = [] if token is None else [("Authorization", f"{scheme} {token}")]
    fields += [("DPoP", p) for p in proofs]
    if body is not None:
        fields.append(("Content-Type", FORM))
    return api.handle(Request(method, url, fields, body))


def challenge(response: Any, scheme: str = "DPoP") -> dict[str, str]:
    """The parameters of the ``scheme`` challenge of a response (which must have one)."""
    found = {s: p for s, p in parse_challenges(response.headers["WWW-Authenticate"])}
    assert scheme in found, response.headers["WWW-Authenticate"]
    return found[scheme]


@pytest.fixture
def dpop_api(auth: AuthServer) -> ResourceServer:
    """An API that accepts DPoP-bound and Bearer tokens (RFC 9449 §7.2)."""
    return ResourceServer(API, auth, dpop="optional")


@pytest.fixture
def token(auth: AuthServer, dpop_api: ResourceServer, app: RegisteredClient,
          clock: SimClock) -> str:
    return bound_token(auth, app, clock)


# -- §7.1: the bound token and its proof ------------------------------------------------------------


def test_rfc9449_7_1_a_bound_token_with_its_proof_is_served(
        dpop_api: ResourceServer, token: str, clock: SimClock, auth: AuthServer,
        app: RegisteredClient) -> None:
    r = send(dpop_api, token, [hand_proof(clock, token)])
    assert r.status == 200, r.json()
    assert r.json()["city"] == "Amsterdam"
    me = send(dpop_api, token, [hand_proof(clock, token, htu=f"{API}/me")], url=f"{API}/me?x=1")
    assert me.status == 200 and me.json()["client_id"] == app.client_id
    claims = dpop_api.verify_dpop(token, {"DPoP": hand_proof(clock, token)}, "GET", URL,
                                  scope="weather:read")
    assert claims["cnf"] == {"jkt": claims_of(token)["cnf"]["jkt"]}


#: One §4.3 item broken in an otherwise valid proof, and the check that refuses it.
BREAKS: dict[str, tuple[Callable[[SimClock, str], list[str]], str]] = {
    "no DPoP header": (lambda c, t: [], "one_header"),
    "two DPoP headers": (lambda c, t: [hand_proof(c, t), hand_proof(c, t)], "one_header"),
    "not a JWT": (lambda c, t: ["not.a-jwt"], "well_formed"),
    "typ JWT": (lambda c, t: [hand_proof(c, t, header={"typ": "JWT"})], "typ"),
    "alg none": (lambda c, t: [hand_proof(c, t, header={"alg": "none"})], "alg"),
    "alg HS256": (lambda c, t: [hand_proof(c, t, header={"alg": "HS256"}, key=b"k" * 32)], "alg"),
    "a private key in jwk": (lambda c, t: [hand_proof(c, t, header={
        "jwk": ECAlgorithm.to_jwk(CLIENT, as_dict=True)})], "jwk"),
    "signed by another key than its jwk": (lambda c, t: [hand_proof(
        c, t, key=THIEF, header={"jwk": public_jwk(CLIENT)})], "signature"),
    "no jti": (lambda c, t: [hand_proof(c, t, drop=("jti",))], "claims"),
    "made for POST": (lambda c, t: [hand_proof(c, t, htm="POST")], "htm"),
    "made for another path": (lambda c, t: [hand_proof(c, t, htu=f"{API}/me")], "htu"),
    "made for another API": (lambda c, t: [hand_proof(c, t, htu="https://other.example/weather")],
                             "htu"),
    "a minute old": (lambda c, t: [hand_proof(c, t, iat=int(c.time()) - 60)], "iat"),
    "made for another token": (lambda c, t: [hand_proof(c, t, ath=access_token_hash("other"))],
                               "ath"),
    "no ath": (lambda c, t: [hand_proof(c, t, drop=("ath",))], "ath"),
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_rfc9449_7_1_a_proof_breaking_one_rule_is_401_invalid_dpop_proof(
        dpop_api: ResourceServer, token: str, clock: SimClock, case: str) -> None:
    make, check = BREAKS[case]
    r = send(dpop_api, token, make(clock, token))
    assert r.status == 401, r.json()
    params = challenge(r)
    assert params["error"] == "invalid_dpop_proof" and params["algs"] == ALGS
    assert params["realm"] == API and "RFC 9449" in params["error_description"]
    assert r.json()["error"] == "invalid_dpop_proof"
    with pytest.raises(InvalidDPoPProofError) as caught:  # the same, from Python: which check
        dpop_api.verify_dpop(token, make(clock, token), "GET", URL)
    assert caught.value.check == check and caught.value.status == 401
    assert caught.value.report is not None  # the token's three steps, the failure in the third
    assert send(dpop_api, token, [hand_proof(clock, token)]).status == 200  # the baseline


def test_rfc9449_7_1_a_proof_by_another_key_than_the_tokens_is_invalid_token(
        dpop_api: ResourceServer, token: str, clock: SimClock) -> None:
    """§7.1: a key that is not the one the token is bound to is a fault of the token
    (``invalid_token``, "Invalid DPoP key binding"), not of the proof."""
    thief_proof = hand_proof(clock, token, key=THIEF)
    r = send(dpop_api, token, [thief_proof])
    assert r.status == 401
    params = challenge(r)
    assert params["error"] == "invalid_token" and params["algs"] == ALGS
    assert "cnf.jkt" in params["error_description"]
    with pytest.raises(InvalidDPoPProofError) as caught:
        dpop_api.verify_dpop(token, [hand_proof(clock, token, key=THIEF)], "GET", URL)
    assert caught.value.check == "jkt" and caught.value.error == "invalid_token"


def test_rfc9449_7_1_a_dpop_key_of_the_thiefs_own_is_refused(
        auth: AuthServer, dpop_api: ResourceServer, app: RegisteredClient, clock: SimClock) -> None:
    """The same with tokenlab's own proof key, for a token got by tokenlab's proof key."""
    key, thief = make_key(clock), make_key(clock, "thief")
    r = token_request(auth, {"grant_type": "client_credentials"}, client=app,
                      proof=key.proof("POST", TOKEN))
    stolen = r.json()["access_token"]
    assert send(dpop_api, stolen, [key.proof("GET", URL, access_token=stolen)]).status == 200
    refused = send(dpop_api, stolen, [thief.proof("GET", URL, access_token=stolen)])
    assert refused.status == 401 and challenge(refused)["error"] == "invalid_token"


# -- §7.2, and the other way round ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["off", "optional"])
@pytest.mark.parametrize("where", ["header", "query", "body"])
def test_rfc9449_7_2_a_bound_token_sent_as_a_bearer_token_is_refused(
        auth: AuthServer, app: RegisteredClient, clock: SimClock, mode: str, where: str) -> None:
    """§7.2: a protected resource "MUST reject a DPoP-bound access token received as a bearer
    token". A hardened API refuses it whether or not it speaks DPoP: the token says it is bound."""
    api = ResourceServer(API, auth, dpop=mode)
    token = bound_token(auth, app, clock)
    if where == "header":
        r = send(api, token, [hand_proof(clock, token)], scheme="Bearer")
    elif where == "query":
        r = send(api, None, [], url=f"{URL}?access_token={token}")
    else:
        r = send(api, None, [], method="POST", body={"access_token": token})
    assert r.status == 401, r.json()
    assert challenge(r, "Bearer")["error"] == "invalid_token"
    assert "RFC 9449 §7.2" in r.json()["error_description"]  # the header spells § as 'section'

    with pytest.raises(InvalidClaimError) as caught:
        api.verify(token, scope="weather:read")
    assert caught.value.claim == "cnf" and caught.value.error == "invalid_token"
    assert caught.value.report is not None and caught.value.report.step("signature").status == "passed"


@pytest.mark.parametrize("cnf", [{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"},
                                 [], "jkt", {"jkt": 7}, None, {}])
def test_rfc7800_3_a_token_with_any_confirmation_claim_is_not_a_bearer_token(
        auth: AuthServer, forge: Forge, cnf: Any) -> None:
    """Fail closed: a token bound by a method this API cannot check (an mTLS certificate
    thumbprint, RFC 8705 §3.1) or with a malformed ``cnf`` is not taken as a bearer token either;
    nor can it be used with the DPoP scheme. Signed by the issuer itself, to test the rule alone."""
    api = ResourceServer(API, auth, dpop="optional")
    assert api.verify(forge())["sub"] == "alice"  # the baseline passes
    token = forge(cnf=cnf)
    with pytest.raises(InvalidClaimError) as caught:
        api.verify(token)
    assert caught.value.claim == "cnf" and caught.value.error == "invalid_token"
    with pytest.raises(InvalidClaimError, match="jkt"):
        api.verify_dpop(token, [], "GET", URL)


def test_rfc9449_7_1_an_unbound_token_sent_with_the_dpop_scheme_is_refused(
        auth: AuthServer, dpop_api: ResourceServer, app: RegisteredClient, clock: SimClock) -> None:
    """A Bearer token is not bound to any key: a proof cannot make it a DPoP token."""
    plain = auth.client_credentials(app.client_id, app.client_secret).access_token
    r = send(dpop_api, plain, [hand_proof(clock, plain)])
    assert r.status == 401
    params = challenge(r)
    assert params["error"] == "invalid_token" and "not bound" in params["error_description"]
    assert send(dpop_api, plain, [], scheme="Bearer").status == 200  # as a Bearer token it works


def test_rfc6750_3_1_token_faults_come_before_proof_faults_and_scope(
        auth: AuthServer, dpop_api: ResourceServer, app: RegisteredClient, token: str,
        clock: SimClock) -> None:
    """A revoked or expired bound token is ``invalid_token`` whatever its proof says; a thief's
    proof for a valid token lacking the scope is 401, never 403 (which would tell the thief
    the token's scope)."""
    post = send(dpop_api, token, [hand_proof(clock, token, key=THIEF, htm="POST")], method="POST",
                body={"report": "sunny"})
    assert post.status == 401 and challenge(post)["error"] == "invalid_token"
    lacking = send(dpop_api, token, [hand_proof(clock, token, htm="POST")], method="POST",
                   body={"report": "sunny"})
    assert lacking.status == 403
    params = challenge(lacking)
    assert (params["error"], params["scope"], params["algs"]) == (
        "insufficient_scope", "weather:write", ALGS)
    auth.revoke(token, app.client_id, app.client_secret)
    revoked = send(dpop_api, token, ["garbage"])
    assert revoked.status == 401 and challenge(revoked)["error"] == "invalid_token"
    assert "revoked" in challenge(revoked)["error_description"]
    fresh = bound_token(auth, app, clock)
    clock.advance(auth.access_ttl)
    expired = send(dpop_api, fresh, [hand_proof(clock, fresh)])
    assert expired.status == 401 and "expired" in challenge(expired)["error_description"]


# -- what a thief holds: the wire ---------------------------------------------------------------


def test_rfc9449_7_1_a_stolen_bound_token_and_its_proofs_are_useless_to_the_thief(
        auth: AuthServer, dpop_api: ResourceServer, token: str, clock: SimClock) -> None:
    """The thief reads one request off the wire — the token and its proof — and tries every use:
    the exact replay, the proof for another request, later, the token with their own key, the
    token as Bearer. All refused; the app's next request still works."""
    assert send(dpop_api, token, [hand_proof(clock, token)]).status == 200
    captured = auth.wire.events[-1]
    seen_token = captured.headers["Authorization"].split(" ", 1)[1]
    seen_proof = captured.headers["DPoP"]
    attempts = {
        "replay": send(dpop_api, seen_token, [seen_proof]),
        "another method": send(dpop_api, seen_token, [seen_proof], method="POST", body={"a": "b"}),
        "another path": send(dpop_api, seen_token, [seen_proof], url=f"{API}/me"),
        "own key": send(dpop_api, seen_token, [hand_proof(clock, seen_token, key=THIEF)]),
        "as Bearer": send(dpop_api, seen_token, [], scheme="Bearer"),
    }
    clock.advance(61)
    attempts["a minute later"] = send(dpop_api, seen_token, [seen_proof])
    errors = {name: (r.status, r.json()["error"]) for name, r in attempts.items()}
    assert errors == {"replay": (401, "invalid_dpop_proof"),
                      "another method": (401, "invalid_dpop_proof"),
                      "another path": (401, "invalid_dpop_proof"),
                      "own key": (401, "invalid_token"),
                      "as Bearer": (401, "invalid_token"),
                      "a minute later": (401, "invalid_dpop_proof")}
    assert "already used" in attempts["replay"].json()["error_description"]
    assert send(dpop_api, token, [hand_proof(clock, token)]).status == 200


def test_rfc9449_11_1_a_replayed_proof_is_refused(dpop_api: ResourceServer, token: str,
                                                  clock: SimClock) -> None:
    proof = hand_proof(clock, token)
    assert send(dpop_api, token, [proof]).status == 200
    again = send(dpop_api, token, [proof])
    assert again.status == 401 and challenge(again)["error"] == "invalid_dpop_proof"
    with pytest.raises(InvalidDPoPProofError) as caught:
        dpop_api.verify_dpop(token, [proof], "GET", URL)
    assert caught.value.check == "jti"


# -- §9: nonces at the API ----------------------------------------------------------------------------


def test_rfc9449_9_an_api_requiring_nonces_answers_use_dpop_nonce(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    api = ResourceServer(API, auth, dpop="optional", require_dpop_nonce=True)
    token = bound_token(auth, app, clock)  # the token endpoint requires none: its own option
    r = send(api, token, [hand_proof(clock, token)])
    assert r.status == 401
    params = challenge(r)
    assert params["error"] == "use_dpop_nonce" and params["algs"] == ALGS
    nonce = r.headers["DPoP-Nonce"]
    ok = send(api, token, [hand_proof(clock, token, nonce=nonce)])
    assert ok.status == 200, ok.json()
    assert ok.headers["DPoP-Nonce"] == nonce
    stale = send(api, token, [hand_proof(clock, token, nonce="not-the-servers")])
    assert challenge(stale)["error"] == "use_dpop_nonce" and stale.headers["DPoP-Nonce"] == nonce
    with pytest.raises(UseDPoPNonceError) as caught:
        api.verify_dpop(token, [hand_proof(clock, token)], "GET", URL)
    assert caught.value.nonce == nonce and caught.value.status == 401


def test_rfc9449_9_nonces_at_the_api_are_off_by_default(dpop_api: ResourceServer, token: str,
                                                        clock: SimClock) -> None:
    r = send(dpop_api, token, [hand_proof(clock, token)])
    assert r.status == 200 and "DPoP-Nonce" not in r.headers
    assert dpop_api.dpop_verifier.nonces is None


# -- challenges: which schemes an API offers ------------------------------------------------------------


@pytest.mark.parametrize(("mode", "schemes"), [
    ("off", ["Bearer"]), ("optional", ["Bearer", "DPoP"]), ("required", ["DPoP"]),
])
def test_rfc9449_7_1_the_bare_challenge_lists_every_scheme_the_api_accepts(
        auth: AuthServer, mode: str, schemes: list[str]) -> None:
    """RFC 9110 §11.6.1: one WWW-Authenticate field may carry several challenges; RFC 6750 §3.1:
    a request without credentials gets no error code. The DPoP challenge names its algs."""
    api = ResourceServer(API, auth, dpop=mode)
    r = send(api, None, [])
    assert r.status == 401 and r.body is None
    found = parse_challenges(r.headers["WWW-Authenticate"])
    assert [s for s, _ in found] == schemes
    for scheme, params in found:
        assert params == ({"realm": API} if scheme == "Bearer" else {"realm": API, "algs": ALGS})
    if mode == "off":  # exactly what it always was
        assert r.headers["WWW-Authenticate"] == f'Bearer realm="{API}"'


def test_rfc9449_7_1_an_api_that_accepts_both_names_the_other_scheme_in_each_refusal(
        auth: AuthServer, dpop_api: ResourceServer, app: RegisteredClient, token: str,
        clock: SimClock) -> None:
    plain = auth.client_credentials(app.client_id, app.client_secret).access_token
    bearer_refusal = send(dpop_api, plain + "x", [], scheme="Bearer")
    assert [s for s, _ in parse_challenges(bearer_refusal.headers["WWW-Authenticate"])] == [
        "Bearer", "DPoP"]
    assert parse_challenge(bearer_refusal.headers["WWW-Authenticate"])[1]["error"] == "invalid_token"
    dpop_refusal = send(dpop_api, token, ["x"])
    assert [s for s, _ in parse_challenges(dpop_refusal.headers["WWW-Authenticate"])] == [
        "DPoP", "Bearer"]
    assert challenge(dpop_refusal, "Bearer") == {"realm": API}


def test_rfc9449_7_1_an_api_requiring_dpop_refuses_bearer_tokens(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    api = ResourceServer(API, auth, dpop="required")
    plain = auth.client_credentials(app.client_id, app.client_secret).access_token
    for r in (send(api, plain, [], scheme="Bearer"), send(api, None, [], url=f"{URL}?access_token={plain}")):
        assert r.status == 401
        assert [s for s, _ in parse_challenges(r.headers["WWW-Authenticate"])] == ["DPoP"]
        assert challenge(r)["error"] == "invalid_token" and "DPoP" in challenge(r)["error_description"]
    with pytest.raises(InvalidClaimError):
        api.verify(plain)
    token = bound_token(auth, app, clock)
    assert send(api, token, [hand_proof(clock, token)]).status == 200


def test_an_api_without_dpop_ignores_the_dpop_scheme_as_before(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    """The default API does not speak DPoP: an ``Authorization: DPoP`` header is a scheme it does
    not know, so the request carries no token it can use — the bare Bearer challenge."""
    api = ResourceServer(API, auth)
    token = bound_token(auth, app, clock)
    r = send(api, token, [hand_proof(clock, token)])
    assert r.status == 401 and r.headers["WWW-Authenticate"] == f'Bearer realm="{API}"'
    assert api.dpop == "off" and repr(api).startswith("ResourceServer(") and "dpop" not in repr(api)
    with pytest.raises(ValueError, match="dpop"):
        api.verify_dpop(token, [hand_proof(clock, token)], "GET", URL)


# -- introspection mode, JWKS-only APIs ---------------------------------------------------------------


def test_rfc9449_6_2_an_api_in_introspection_mode_takes_cnf_from_the_answer(
        auth: AuthServer, app: RegisteredClient, clock: SimClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 9449 §6.2: the introspection answer carries the binding. The API asks, and checks the
    proof against the cnf of the answer — shown by an answer that names another key."""
    api = ResourceServer(API, auth, dpop="optional", revocation="introspect")
    token = bound_token(auth, app, clock)
    n = len(auth.wire)
    assert send(api, token, [hand_proof(clock, token)]).status == 200
    assert [e.path for e in auth.wire.events[n:]] == ["/introspect", "/weather"]
    assert auth.wire.events[n].response_body["cnf"] == claims_of(token)["cnf"]  # type: ignore[index]
    thief_jkt = make_key(clock, "thief").thumbprint
    real = auth.introspection.introspect

    def other_binding(*args: Any) -> dict[str, Any]:
        return {**real(*args), "cnf": {"jkt": thief_jkt}}

    monkeypatch.setattr(auth.introspection, "introspect", other_binding)
    r = send(api, token, [hand_proof(clock, token)])
    assert r.status == 401 and challenge(r)["error"] == "invalid_token"
    assert thief_jkt in challenge(r)["error_description"]


def test_rfc9449_7_2_a_binding_in_the_token_stays_when_the_answer_omits_it(
        auth: AuthServer, app: RegisteredClient, clock: SimClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail closed: a JWT whose own signed claims say it is bound is never downgraded to a
    bearer token because an introspection answer (here: one that forgot cnf) is silent."""
    api = ResourceServer(API, auth, dpop="optional", revocation="introspect",
                         introspection_cache_ttl=30)
    token = bound_token(auth, app, clock)
    real = auth.introspection.introspect
    monkeypatch.setattr(auth.introspection, "introspect",
                        lambda *a: {k: v for k, v in real(*a).items() if k != "cnf"})
    assert send(api, token, [hand_proof(clock, token)]).status == 200
    bearer = send(api, token, [], scheme="Bearer")
    assert bearer.status == 401 and "RFC 9449 §7.2" in bearer.json()["error_description"]
    assert send(api, token, [hand_proof(clock, token, key=THIEF)]).status == 401
    assert api.introspection_calls == 1  # cached: one question, one answer


def test_rfc9449_7_1_an_api_knowing_only_the_jwks_checks_dpop_too(
        auth: AuthServer, app: RegisteredClient, clock: SimClock) -> None:
    ResourceServer(API, auth)  # registers the API with the authorization server
    api = ResourceServer(API, issuer=ISSUER, jwks=auth.jwks(), clock=clock, dpop="optional")
    token = bound_token(auth, app, clock)
    assert send(api, token, [hand_proof(clock, token)]).status == 200
    assert send(api, token, [hand_proof(clock, token, key=THIEF)]).status == 401
    assert send(api, token, [], scheme="Bearer").status == 401


# -- interop and the trace ----------------------------------------------------------------------------


def test_rfc9449_7_1_a_proof_made_with_jwt_encode_is_accepted(
        dpop_api: ResourceServer, token: str, clock: SimClock) -> None:
    """Interop: PyJWT's own ``jwt.encode`` makes the proof; the API accepts it."""
    proof = jwt.encode({"jti": "interop-1", "htm": "GET", "htu": URL, "iat": int(clock.time()),
                        "ath": access_token_hash(token)}, CLIENT, algorithm="ES256",
                       headers={"typ": "dpop+jwt", "jwk": public_jwk(CLIENT)})
    r = send(dpop_api, token, [proof])
    assert r.status == 200, r.json()


def test_the_trace_shows_the_dpop_header_shortened_like_a_token(
        auth: AuthServer, dpop_api: ResourceServer, token: str, clock: SimClock) -> None:
    proof = hand_proof(clock, token)
    send(dpop_api, token, [proof])
    event = auth.wire.events[-1]
    assert event.headers["DPoP"] == proof  # the wire keeps the whole truth ...
    shown = event.render()
    assert proof not in shown and f"DPoP: {proof[:12]}…{proof[-4:]}" in shown  # ... views shorten
    assert f"Authorization: DPoP {token[:12]}…{token[-4:]}" in shown
    assert proof in event.render(shorten=False)
    assert proof not in repr(event) and proof not in str(Request("GET", URL, {"DPoP": proof}))


# -- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "exc", "fact"), [
    ({"dpop": "yes"}, ValueError, "dpop"),
    ({"dpop": True}, ValueError, "dpop"),
    ({"require_dpop_nonce": "yes"}, TypeError, "require_dpop_nonce"),
    ({"require_dpop_nonce": True}, ValueError, "dpop"),
])
def test_dpop_options_are_checked_before_anything_changes(
        auth: AuthServer, kwargs: dict[str, Any], exc: type[Exception], fact: str) -> None:
    before = (len(auth.clients), auth.resources)
    with pytest.raises(exc, match=fact):
        ResourceServer("https://new.example", auth, revocation="introspect", **kwargs)
    assert (len(auth.clients), auth.resources) == before


def test_repr_says_how_the_api_takes_dpop(auth: AuthServer) -> None:
    api = ResourceServer(API, auth, dpop="required", require_dpop_nonce=True)
    assert "dpop='required'" in repr(api) and "nonce" in repr(api)
    assert api.dpop_verifier.algs == ALGS


def test_rfc9449_2_dpop_over_plain_http_is_flagged_as_dpop_not_as_bearer() -> None:
    """A DPoP request over http:// is not a bearer token in the clear — the token alone is no use
    to a reader — but the proof and the token still cross the path readable: DPoP "is not ...
    a substitute for a secure transport" (RFC 9449 §2). The wire says which it is."""
    from tokenlab.api.http import NOTE_DPOP_PLAIN_HTTP, NOTE_PLAIN_HTTP
    from tokenlab.scenarios.replay import replay_world

    world = replay_world(3, dpop=True)
    world.app.login(world.username, world.password)
    world.app.get("/weather")
    event = world.wire.last
    assert event is not None and event.status == 200 and event.url.startswith("http://")
    assert NOTE_PLAIN_HTTP not in event.notes
    assert NOTE_DPOP_PLAIN_HTTP in event.notes
