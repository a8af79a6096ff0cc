"""The switchboard of mistakes (issue 11 §3), one switch at a time: off by default, fenced, each
breaking exactly its protection, never silent (repr and wire say INSECURE), never a warning."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import subprocess
import sys
import warnings

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tokenlab import (
    AuthServer,
    ExpiredTokenError,
    InvalidHeaderError,
    InvalidSignatureError,
    Request,
    ResourceServer,
    SimClock,
    TokenError,
    UnknownKeyError,
    VerifierPolicy,
)
from tokenlab.attacks import (
    WORDS,
    FencedVerifier,
    KeyDirectory,
    SimulatedInternet,
    crack_hs256,
    encode,
)
from tokenlab.jose.policy import INSECURE_SWITCHES
from tokenlab.jose.verify import Verifier

from . import worlds
from .test_attack_matrix import ATTACKS, escalated, held_kid
from .worlds import API, ATTACKER_JWKS, ISSUER

#: The names issue 11 §3 gives, exactly.
NAMES = ("insecure_skip_signature", "insecure_accept_none", "insecure_alg_from_header",
         "insecure_trust_jwk_header", "insecure_trust_jku_header", "insecure_kid_as_path",
         "insecure_skip_typ", "insecure_skip_audience", "insecure_exp_optional")


def policy(*switches: str) -> VerifierPolicy:
    return VerifierPolicy(issuer=ISSUER, audience=API, **dict.fromkeys(switches, True))


def api_with(*switches: str, algorithm: str = "EdDSA") -> tuple[ResourceServer, worlds.Holdings]:
    return worlds.build(algorithm, "own access token", switches=frozenset(switches))


# -- off by default, named, fenced ---------------------------------------------------------------

def test_rfc8725_every_switch_is_off_by_default_and_named_for_what_it_breaks() -> None:
    assert tuple(INSECURE_SWITCHES) == NAMES
    fields = [f.name for f in dataclasses.fields(VerifierPolicy) if f.name.startswith("insecure")]
    assert fields == list(NAMES)
    hardened = policy()
    assert hardened.insecure_switches == ()
    assert not any(getattr(hardened, name) for name in NAMES)
    assert all(len(text) > 20 for text in INSECURE_SWITCHES.values())
    assert policy("insecure_skip_typ", "insecure_accept_none").insecure_switches == (
        "insecure_accept_none", "insecure_skip_typ")


@pytest.mark.parametrize("value", ["yes", 1, None, "True"])
def test_a_switch_is_true_or_false_nothing_else(value: object) -> None:
    with pytest.raises(TypeError, match="insecure_accept_none must be True or False"):
        VerifierPolicy(issuer=ISSUER, audience=API, insecure_accept_none=value)  # type: ignore[arg-type]


def test_rfc8725_3_1_the_hardened_verifier_refuses_a_policy_with_a_switch_on() -> None:
    """The fence: only tokenlab.attacks runs a weakened policy, so nothing reaches it by
    accident."""
    with pytest.raises(ValueError, match=r"insecure_accept_none.*tokenlab\.attacks"):
        Verifier(policy("insecure_accept_none"), lambda kid, now: None)
    with pytest.raises(ValueError, match="no switch is on"):
        FencedVerifier(policy(), lambda kid, now: None)


def test_the_api_picks_the_fenced_verifier_only_when_a_switch_is_on() -> None:
    hardened, _ = api_with()
    assert type(hardened._verifier) is Verifier
    for name in NAMES:
        api, _ = api_with(name)
        assert type(api._verifier) is FencedVerifier, name


def test_the_policy_repr_is_unchanged_by_default_and_names_each_switch_on() -> None:
    hardened = repr(policy())
    assert "insecure" not in hardened
    assert hardened.startswith("VerifierPolicy(issuer='https://auth.example', audience=")
    assert hardened.endswith("leeway=0, max_token_bytes=16384)")
    assert repr(policy("insecure_skip_audience")).endswith(
        "max_token_bytes=16384, insecure_skip_audience=True)")


# -- each switch breaks its protection, and nothing else -----------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_with_any_switch_on_a_genuine_token_passes_and_an_expired_one_does_not(name: str) -> None:
    api, held = api_with(name)
    assert api.verify(held.token, scope="weather:read")["sub"] == "mallory"
    api.clock.advance(3600)  # type: ignore[attr-defined]
    with pytest.raises(ExpiredTokenError):
        api.verify(held.token)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_rfc8725_2_1_accept_none_takes_an_unsigned_token_whatever_the_case(alg: str) -> None:
    api, held = api_with("insecure_accept_none")
    token = encode(escalated(held), None, alg, headers={"kid": held_kid(held), "typ": "at+jwt"})
    claims = api.verify(token, scope="weather:write")
    assert claims["sub"] == "alice"
    step = claims.report.step("signature")
    assert "INSECURE" in step.detail and "insecure_accept_none" in step.detail


def test_rfc7519_6_an_unsecured_jwt_has_an_empty_signature_so_none_with_one_is_refused() -> None:
    """RFC 7519 §6: an Unsecured JWT has "the empty string for its JWS Signature value"."""
    api, held = api_with("insecure_accept_none")
    token = encode(escalated(held), None, "none", headers={"kid": held_kid(held), "typ": "at+jwt"})
    with pytest.raises(InvalidSignatureError, match="empty"):
        api.verify(token + "c2ln")


def test_rfc7515_4_1_1_alg_from_header_opens_the_registered_none_only() -> None:
    """The header picks an algorithm from the table by its name, which is case-sensitive
    (RFC 7515 §4.1.1): 'none' is in the table, 'NONE' is not."""
    api, held = api_with("insecure_alg_from_header")
    for alg, accepted in (("none", True), ("NONE", False), ("None", False)):
        token = encode(escalated(held), None, alg,
                       headers={"kid": held_kid(held), "typ": "at+jwt"})
        if accepted:
            assert api.verify(token)["sub"] == "alice"
        else:
            with pytest.raises(TokenError, match="unsigned"):
                api.verify(token)


def test_rfc8725_2_1_alg_from_header_uses_the_stored_pem_trailing_newline_included() -> None:
    """The stored material of an RS256 key is its PEM, SubjectPublicKeyInfo, as cryptography
    writes it: that exact text (with its last newline) is the HMAC secret, and nothing else."""
    api, held = api_with("insecure_alg_from_header", algorithm="RS256")
    kid = held_kid(held)
    public = jwt.PyJWK(next(k for k in held.jwks["keys"] if k["kid"] == kid)).key
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    assert pem.endswith(b"-----END PUBLIC KEY-----\n")
    headers = {"kid": kid, "typ": "at+jwt"}
    assert api.verify(encode(escalated(held), pem, "HS256", headers=headers))["sub"] == "alice"
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    for other in (pem.rstrip(b"\n"), pem + b"\n", der):
        with pytest.raises(InvalidSignatureError, match="stored"):
            api.verify(encode(escalated(held), other, "HS256", headers=headers))


def test_rfc8725_3_10_trust_jwk_header_verifies_with_the_tokens_own_key() -> None:
    attack = next(a for a in ATTACKS if a.name == "embedded jwk")
    api, held = api_with("insecure_trust_jwk_header")
    claims = api.verify(attack.forge(held), scope="weather:write")
    assert "jwk" in claims.report.step("signature").detail
    # a jwk header that is no key at all is refused, not an exception
    broken = jwt.encode(escalated(held), "x" * 32, algorithm="HS256",
                        headers={"typ": "at+jwt", "jwk": {"kty": "EC", "crv": "P-256"}})
    with pytest.raises(InvalidSignatureError):
        api.verify(broken)


def test_rfc8725_3_10_jku_is_fetched_over_the_simulated_wire_never_a_real_network(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a real network request")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    attack = next(a for a in ATTACKS if a.name == "jku to the attacker's JWKS")
    api, held = api_with("insecure_trust_jku_header")
    token = attack.forge(held)
    before = len(api.wire)
    assert api.verify(token, scope="weather:write")["sub"] == "alice"
    (fetch,) = api.wire.events[before:]
    assert (fetch.sender, fetch.receiver, fetch.method, fetch.url) == (
        "api", "attacker.example", "GET", ATTACKER_JWKS)
    assert fetch.status == 200 and any("INSECURE" in n for n in fetch.notes)
    assert fetch.outcome == "200 OK [INSECURE: insecure_trust_jku_header]"


def test_rfc8725_3_10_jku_that_cannot_be_fetched_or_lacks_the_kid_is_refused() -> None:
    api, held = api_with("insecure_trust_jku_header")
    attack = next(a for a in ATTACKS if a.name == "jku to the attacker's JWKS")
    token = attack.forge(held)
    held.internet.host(ATTACKER_JWKS, {"keys": []})
    with pytest.raises(UnknownKeyError, match="mallory-1"):
        api.verify(token)
    elsewhere = jwt.encode(escalated(held), "x" * 32, algorithm="HS256",
                           headers={"typ": "at+jwt", "kid": "k", "jku": "https://nowhere.example/k"})
    with pytest.raises(InvalidHeaderError, match="404") as ei:
        api.verify(elsewhere)
    assert ei.value.parameter == "jku"


def test_the_api_without_an_internet_gets_its_own_on_its_wire() -> None:
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth, policy=policy("insecure_trust_jku_header"))
    assert isinstance(api.internet, SimulatedInternet) and api.internet.wire is api.wire
    hardened = ResourceServer(API, auth)
    assert hardened.internet is None


def test_rfc8725_3_10_kid_as_path_reads_a_file_of_the_simulated_key_directory() -> None:
    api, held = api_with("insecure_kid_as_path", algorithm="HS256")
    directory = KeyDirectory(lambda kid, now: api.auth.keys.find(kid, now))  # type: ignore[union-attr]
    kid = held_kid(held)
    assert directory.path_of(kid) == f"/srv/api/keys/{kid}"
    assert directory.path_of("../../../../../../dev/null") == "/dev/null"
    assert directory.path_of("/dev/null") == "/dev/null"
    assert directory.read("../../../dev/null", 0) == b""
    assert directory.read("nope", 0) is None and directory.read("../../etc/shadow", 0) is None
    assert directory.read(f"../keys/{kid}", 0) == api.auth.keys.find(kid).key  # type: ignore[union-attr]
    # the genuine key file still verifies the genuine token; a missing file is an unknown key
    assert api.verify(held.token)["sub"] == "mallory"
    token = encode(escalated(held), b"", "HS256", headers={"kid": "missing", "typ": "at+jwt"})
    with pytest.raises(UnknownKeyError, match="/srv/api/keys/missing"):
        api.verify(token)


def test_rfc8725_3_11_skip_typ_and_skip_audience_let_an_id_token_through_only_together() -> None:
    attack = next(a for a in ATTACKS if a.name == "ID token as access token")
    api, held = worlds.build("EdDSA", attack.holding,
                             switches=frozenset({"insecure_skip_typ", "insecure_skip_audience"}))
    claims = api.verify(held.token)
    assert claims["sub"] == "alice" and claims.header["typ"] == "JWT"
    detail = claims.report.step("claims").detail
    assert "INSECURE" in detail and "typ not checked" in detail and "aud not checked" in detail


def test_rfc9068_2_2_exp_optional_lets_a_token_without_exp_live_but_an_exp_still_counts() -> None:
    api, held = api_with("insecure_exp_optional")
    api.clock.advance(3600)  # type: ignore[attr-defined]
    with pytest.raises(ExpiredTokenError):
        api.verify(held.token)
    attack = next(a for a in ATTACKS if a.name == "token without exp")
    api, held = worlds.build("EdDSA", attack.holding, switches=attack.opened_by)
    assert "exp" not in jwt.decode(held.token, options={"verify_signature": False})
    assert api.verify(held.token)["sub"] == "nightly-sync"
    assert "exp not required" in api.verify(held.token).report.step("claims").detail


def test_rfc8725_3_3_skip_signature_is_said_in_the_report() -> None:
    api, held = api_with("insecure_skip_signature")
    stripped = held.token.rsplit(".", 1)[0] + "."
    step = api.verify(stripped).report.step("signature")
    assert step.detail.startswith("INSECURE") and "insecure_skip_signature" in step.detail


# -- the weak secret ------------------------------------------------------------------------------

def test_rfc8725_3_5_a_weak_hs256_secret_is_cracked_from_the_course_word_list() -> None:
    """RFC 8725 §3.5: "human-memorizable passwords MUST NOT be directly used as the key to a
    keyed-MAC algorithm such as "HS256"" — one token is enough to find it offline."""
    secret = "weather-app"
    assert secret in WORDS and len(WORDS) == len(set(WORDS)) >= 50
    _, held = worlds.build("HS256", "own access token", weak_secret=secret)
    found = crack_hs256(held.token, WORDS)
    assert found is not None and found.secret == secret
    assert found.tries == WORDS.index(secret) + 1
    _, held = worlds.build("HS256", "own access token")
    assert crack_hs256(held.token, WORDS) is None
    assert crack_hs256("not a token", WORDS) is None


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"algorithm": "EdDSA", "insecure_hmac_secret": "secret"}, ValueError, "algorithm='HS256'"),
    ({"algorithm": "HS256", "insecure_hmac_secret": ""}, ValueError, "empty"),
    ({"algorithm": "HS256", "insecure_hmac_secret": 123}, TypeError, "string"),
])
def test_insecure_hmac_secret_is_an_hs256_secret(kwargs: dict[str, object], error: type,
                                                 match: str) -> None:
    with pytest.raises(error, match=match):
        AuthServer(issuer=ISSUER, clock=SimClock(), seed=1, **kwargs)  # type: ignore[arg-type]


def test_the_weak_secret_shows_in_the_servers_and_the_apis_repr_never_its_value() -> None:
    auth = AuthServer(issuer=ISSUER, clock=SimClock(), seed=1, algorithm="HS256",
                      insecure_hmac_secret="weather-app")
    api = ResourceServer(API, auth)
    for text in (repr(auth), repr(api), repr(auth.keys.current)):
        assert "INSECURE" in text and "insecure_hmac_secret" in text
        assert "weather-app" not in text
    assert api.insecure == ("insecure_hmac_secret",)
    hardened = AuthServer(issuer=ISSUER, clock=SimClock(), seed=1, algorithm="HS256")
    assert "INSECURE" not in repr(hardened) and "INSECURE" not in repr(ResourceServer(API, hardened))


def test_a_seeded_weak_server_stays_reproducible() -> None:
    def token() -> str:
        _, held = worlds.build("HS256", "own access token", weak_secret="weather-app")
        return held.token

    assert token() == token()


# -- never silent, never a warning ---------------------------------------------------------------

def test_an_insecure_api_says_so_in_its_repr_one_line_per_switch() -> None:
    hardened, _ = api_with()
    assert repr(hardened) == ("ResourceServer(audience='https://api.example', "
                              "issuer='https://auth.example', leeway=0, revocation='denylist')")
    api, _ = api_with("insecure_skip_typ", "insecure_accept_none")
    first, *lines = repr(api).splitlines()
    assert first == repr(hardened)
    assert [line.split(" ")[1] for line in lines] == ["insecure_accept_none", "insecure_skip_typ"]
    assert all(line.startswith("INSECURE: ") for line in lines)


@pytest.mark.parametrize("path", ["/whoami", "/weather", "/nowhere"])
def test_every_answer_of_an_insecure_api_is_marked_insecure_on_the_wire(path: str) -> None:
    api, held = api_with("insecure_skip_audience")
    response = api.handle(Request.get(f"{API}{path}",
                                      {"Authorization": f"Bearer {held.token}"}))
    event = api.wire.events[-1]
    assert event.outcome.endswith("[INSECURE: insecure_skip_audience]")
    assert any(n.startswith("INSECURE: insecure_skip_audience") for n in event.notes)
    assert "INSECURE" in event.summary() and "INSECURE" in event.render()
    assert response.status in (200, 404)
    hardened, held = api_with()
    hardened.handle(Request.get(f"{API}{path}", {"Authorization": f"Bearer {held.token}"}))
    assert "INSECURE" not in hardened.wire.events[-1].render()


def test_no_attack_raises_a_python_warning() -> None:
    """pytest turns warnings into errors; here, also none is emitted and swallowed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for attack in ATTACKS:
            for mistakes in (frozenset(), attack.opened_by):
                hmac = "insecure_hmac_secret"
                api, held = worlds.build(attack.world, attack.holding,
                                         switches=mistakes - {hmac},
                                         weak_secret="weather-app" if hmac in mistakes else None)
                with contextlib.suppress(TokenError):
                    api.verify(attack.forge(held), scope=attack.scope)
    assert [str(w.message) for w in caught] == []


def test_import_tokenlab_does_not_load_the_fence() -> None:
    """The fence is loaded only when a mistake is asked for: ``import tokenlab``, a hardened
    server and a hardened API leave it out."""
    code = ("import sys, tokenlab\n"
            "auth = tokenlab.AuthServer('https://auth.example', clock=tokenlab.SimClock(), seed=1)\n"
            "tokenlab.ResourceServer('https://api.example', auth)\n"
            "print(sorted(m for m in sys.modules if m.startswith('tokenlab.attacks')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
