"""Fuzz of the DPoP paths over HTTP: whatever ``Authorization`` and ``DPoP`` header fields a
request carries — good proofs, a thief's, replayed, mangled, several, none, random text — an API
that takes DPoP (optional, required, with nonces, in introspection mode) and the token endpoint
answer with a well-formed response, never an exception; and, judged independently of the
verifier, a token bound to a key is served only to a request with one fresh proof by that key,
and the token endpoint binds exactly the key of the one proof it was sent.

``TOKENLAB_FUZZ_EXAMPLES`` (``make fuzz``) sets how many examples each property runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenlab import AuthServer, DPoPKey, Request, ResourceServer, SimClock, jwk_thumbprint
from tokenlab.api.http import parse_challenges
from tokenlab.net.messages import FORM
from tokenlab.randomness import RandomSource

from ..authserver.test_dpop_token_endpoint import basic, claims_of
from ..fuzzing import examples, fuzz_settings
from ..test_fuzz_http import check_exchange

ISSUER = "https://auth.example"
TOKEN = f"{ISSUER}/token"
APIS = {  # audience -> options
    "https://optional.example": {"dpop": "optional"},
    "https://required.example": {"dpop": "required"},
    "https://nonces.example": {"dpop": "optional", "require_dpop_nonce": True},
    "https://introspect.example": {"dpop": "optional", "revocation": "introspect",
                                   "introspection_cache_ttl": 30},
}
NQCHARS = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")  # RFC 9449 §8.1
ERRORS = {"invalid_token", "invalid_dpop_proof", "use_dpop_nonce", "insufficient_scope",
          "invalid_request"}
#: How each proof of a request is made: by the client's key for this request (good), or broken.
PROOF_KINDS = ("good", "good", "good", "thief", "replayed", "for another method",
               "for another url", "stale nonce", "mangled", "text", "no ath")


@dataclass(repr=False)
class DPoPWorld:
    clock: SimClock
    auth: AuthServer
    apis: dict[str, ResourceServer]
    key: DPoPKey
    thief: DPoPKey
    client: tuple[str, str]
    tokens: dict[str, str] = field(default_factory=dict)  # by audience: a token bound to key
    accepted: list[str] = field(default_factory=list)  # proofs of requests that were answered 200

    def __repr__(self) -> str:
        return f"<DPoPWorld at {self.clock.time():.0f}>"


def _bound(auth: AuthServer, client: tuple[str, str], key: DPoPKey, audience: str) -> str:
    r = auth.handle(Request("POST", TOKEN, [("Content-Type", FORM), ("Authorization", basic(*client)),
                                           ("DPoP", key.proof("POST", TOKEN))],
                            {"grant_type": "client_credentials", "resource": audience}))
    assert r.status == 200 and r.json()["token_type"] == "DPoP", r.json()
    token = r.json()["access_token"]
    assert isinstance(token, str)
    return token


@pytest.fixture(scope="module")
def world() -> DPoPWorld:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed="dpop fuzz")
    apis = {aud: ResourceServer(aud, auth, **opts) for aud, opts in APIS.items()}  # type: ignore[arg-type]
    reg = auth.register_client("app", ["weather:read"])
    assert reg.client_secret is not None
    key = DPoPKey.generate(random=RandomSource(seed="fuzz app"), clock=clock)
    thief = DPoPKey.generate("EdDSA", random=RandomSource(seed="fuzz thief"), clock=clock)
    w = DPoPWorld(clock, auth, apis, key, thief, (reg.client_id, reg.client_secret))
    w.tokens = {aud: _bound(auth, w.client, key, aud) for aud in apis}
    return w


def _proof(w: DPoPWorld, kind: str, method: str, url: str, token: str | None,
           nonce: str | None) -> str:
    ath = token if token and token.isascii() else None
    if kind == "replayed":  # a proof that was accepted once (a refused one was never used)
        return w.accepted[-1] if w.accepted else "nothing to replay yet"
    if kind == "text":
        return "not a proof, " * 2
    if kind == "mangled":
        good = w.key.proof(method, url, access_token=ath, nonce=nonce)
        return good[:40] + ("A" if good[40] != "A" else "B") + good[41:]
    key = w.thief if kind == "thief" else w.key
    return key.proof("POST" if kind == "for another method" and method != "POST" else
                     "GET" if kind == "for another method" else method,
                     url + "/other" if kind == "for another url" else url,
                     access_token=None if kind == "no ath" else ath,
                     nonce="stale-nonce" if kind == "stale nonce" else nonce)


@st.composite
def api_requests(draw: st.DrawFn) -> dict[str, Any]:
    """Often a request as the app makes it (so that success is met), else anything."""
    if draw(st.integers(0, 3)) == 0:
        return {"audience": draw(st.sampled_from(sorted(APIS))), "scheme": "DPoP",
                "token": "bound", "proofs": ["good"], "method": "GET",
                "path": draw(st.sampled_from(["/weather", "/me"])), "nonce": True,
                "query_token": False}
    return {
        "audience": draw(st.sampled_from(sorted(APIS))),
        "scheme": draw(st.sampled_from(["DPoP", "DPoP", "Bearer", "dpop", "DPOP", "Basic", ""])),
        "token": draw(st.sampled_from(["bound", "bound", "bearer", "other api's", "tampered", ""])
                      | st.text(max_size=12)),
        "proofs": draw(st.lists(st.sampled_from(PROOF_KINDS), max_size=3)),
        "method": draw(st.sampled_from(["GET", "GET", "POST"])),
        "path": draw(st.sampled_from(["/weather", "/me", "/nowhere"])),
        "nonce": draw(st.booleans()),
        "query_token": draw(st.integers(0, 9)) == 0,
    }


def test_rfc9449_7_dpop_apis_answer_every_request_and_serve_a_bound_token_only_with_its_proof(
        world: DPoPWorld) -> None:
    ran, served = [], []

    @fuzz_settings(examples(400))
    @given(api_requests())
    def run(case: dict[str, Any]) -> None:
        w, audience = world, case["audience"]
        api = w.apis[audience]
        token = {"bound": w.tokens[audience], "other api's": w.tokens[
            next(a for a in APIS if a != audience)], "tampered": w.tokens[audience][:-3] + "AAA",
                 "bearer": w.auth.client_credentials(*w.client, resource=audience).access_token,
                 }.get(case["token"], case["token"])
        url = audience + case["path"]
        nonces = api.dpop_verifier.nonces
        nonce = nonces.current() if case["nonce"] and nonces is not None else None
        proofs = [_proof(w, kind, case["method"], url, token, nonce) for kind in case["proofs"]]
        fields = [("Authorization", f"{case['scheme']} {token}".strip())]
        fields += [("DPoP", p) for p in proofs]
        body = {"report": "x"} if case["method"] == "POST" else None
        if body is not None:
            fields.append(("Content-Type", FORM))
        request = Request(case["method"], url + (f"?access_token={token}" if case["query_token"]
                                                 else ""), fields, body)
        response = api.handle(request)
        if response.status == 200:
            w.accepted.extend(proofs)
        check_exchange(w.auth.wire, "api", request, response)
        assert response.status in (200, 400, 401, 403, 404, 405), response
        if response.status in (400, 401, 403):
            challenges = parse_challenges(response.headers["WWW-Authenticate"])
            offered = {"optional": {"Bearer", "DPoP"}, "required": {"DPoP"}}[api.dpop]
            assert challenges and {s for s, _ in challenges} <= offered, challenges
            first = challenges[0][1]
            assert first.get("error", "invalid_token") in ERRORS
            assert all(p.get("algs") == "ES256 EdDSA" for s, p in challenges if s == "DPoP")
        if "DPoP-Nonce" in response.headers:
            assert NQCHARS.fullmatch(response.headers["DPoP-Nonce"])
        if response.status == 200 and case["token"] in ("bound", "other api's", "tampered"):
            # Independently of the verifier: a bound token needs the DPoP scheme and exactly one
            # proof, made just now by the client's key for this request (never a copy).
            assert case["scheme"].lower() == "dpop" and not case["query_token"], case
            # "stale nonce" is a good proof too where no nonce is asked for (§4.3 item 10).
            fine = ["good"] if nonces is not None else [["good"], ["stale nonce"]]
            assert case["token"] == "bound" and (case["proofs"] == fine or case["proofs"] in fine), case
            assert nonces is None or nonce is not None, case
            claims = jwt.decode(proofs[0], options={"verify_signature": False})
            assert claims["htu"] == url and claims["htm"] == case["method"]
            served.append(1)
        if response.status == 200 and case["token"] == "bearer":  # as a bearer token, only
            scheme = case["scheme"].lower()
            assert api.dpop == "optional" and scheme != "dpop", case
            assert scheme == "bearer" or case["query_token"], case
        ran.append(1)

    run()
    assert len(ran) >= examples(400) // 2
    assert served  # the property also met requests that had to succeed


def test_rfc9449_5_the_token_endpoint_answers_every_dpop_header_and_binds_its_one_proof(
        world: DPoPWorld) -> None:
    ran, bound = [], []
    kinds = ("good", "good", "thief", "replayed", "for another method", "for another url",
             "mangled", "text", "none", "two", "empty")

    @fuzz_settings(examples(300))
    @given(st.sampled_from(kinds), st.text(max_size=30))
    def run(kind: str, text: str) -> None:
        w = world
        if kind == "text":  # any text at all in the header
            proofs: list[str] = [text]
        elif kind == "none":
            proofs: list[str] = []
        elif kind == "empty":
            proofs = [""]
        elif kind == "two":
            proofs = [w.key.proof("POST", TOKEN), w.key.proof("POST", TOKEN)]
        else:
            proofs = [_proof(w, kind, "POST", TOKEN, None, None)]
        fields = [("Content-Type", FORM), ("Authorization", basic(*w.client))]
        fields += [("DPoP", p) for p in proofs]
        request = Request("POST", TOKEN, fields, {"grant_type": "client_credentials",
                                                  "resource": "https://optional.example"})
        response = w.auth.handle(request)
        if response.status == 200:
            w.accepted.extend(proofs)
        check_exchange(w.auth.wire, "auth server", request, response)
        body = response.json()
        if response.status == 200:
            claims = claims_of(body["access_token"])
            if not proofs:
                assert body["token_type"] == "Bearer" and "cnf" not in claims
            else:
                assert len(proofs) == 1 and kind in ("good", "thief"), kind
                jwk = jwt.get_unverified_header(proofs[0])["jwk"]
                assert body["token_type"] == "DPoP"
                assert claims["cnf"] == {"jkt": jwk_thumbprint(jwk)}
                bound.append(1)
        else:
            assert response.status == 400 and body["error"] == "invalid_dpop_proof", body
            assert proofs and kind not in ("good", "thief")
        ran.append(1)

    run()
    assert len(ran) >= examples(300) // 2
    assert bound
