"""Whatever a client puts in its DPoP header, the verifier answers with a verdict — a
:class:`VerifiedProof` or one of the two DPoP errors — never another exception, and only a proof
that is really valid passes. Also: two copies of one proof sent at once are accepted once.

``TOKENLAB_FUZZ_EXAMPLES`` (``make fuzz``) sets how many examples each property runs.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenlab import InvalidDPoPProofError, MemoryStore, SimClock, UseDPoPNonceError
from tokenlab.jose.dpop_nonce import DPoPNonces
from tokenlab.jose.dpop_verify import REPLAY_KIND, DPoPProofVerifier, VerifiedProof

from ..fuzzing import B64URL, examples, fuzz_settings
from .test_dpop_verify import CLIENT, TOKEN, URL, World, b64, public_jwk, sign

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
#: Header and claim values an attacker may try, beside arbitrary JSON.
HEADER_VALUES = {
    "typ": st.sampled_from(["dpop+jwt", "JWT", "DPOP+JWT", ""]) | JSON,
    "alg": st.sampled_from(["ES256", "EdDSA", "none", "NONE", "HS256", "RS256", "ES384", ""]) | JSON,
    "jwk": st.sampled_from([public_jwk(CLIENT), {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
                            {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
                            {"kty": "RSA", "n": "AAAA", "e": "AQAB"}, {"kty": "oct", "k": "AAAA"},
                            {**public_jwk(CLIENT), "d": "AAAA"}]) | JSON,
    "crit": JSON,
}
CLAIM_VALUES = {
    "jti": st.text(max_size=30) | JSON,
    "htm": st.sampled_from(["GET", "get", "POST"]) | JSON,
    "htu": st.sampled_from([URL, URL.upper(), URL + "/", "https://api.example:443/weather",
                            "https://[::1", "http://%zz/", "https://api.example/weather?x#y"]) | JSON,
    "iat": st.integers(min_value=-(10**20), max_value=10**20) | st.floats() | JSON,
    "ath": st.text(max_size=50) | JSON,
    "nonce": st.text(max_size=30) | JSON,
}


def overrides(values: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of ``values``' keys, each given one of its values, or left out (``None`` here)."""
    return st.fixed_dictionaries({}, optional={k: v | st.none() for k, v in values.items()})


def verdict(world: World, value: Any) -> VerifiedProof | None:
    """The verifier's answer to one DPoP header value: the proof, or ``None`` for a refusal."""
    try:
        return world.verifier.verify({"DPoP": value}, "GET", URL, access_token=TOKEN)
    except (InvalidDPoPProofError, UseDPoPNonceError) as err:
        assert err.description
        return None


def test_rfc9449_4_3_any_text_gets_a_verdict() -> None:
    world, ran = World(), []

    @fuzz_settings(examples(300))
    @given(st.text() | st.text(alphabet=B64URL + ".,= ", max_size=400))
    def check(value: str) -> None:
        ran.append(1)
        assert verdict(world, value) is None

    check()
    assert len(ran) >= examples(300) // 2


def test_rfc9449_4_3_one_changed_character_is_refused() -> None:
    world, ran = World(nonces=None), []
    proof = world.case().text()
    assert verdict(World(nonces=None), proof) is not None  # the original passes elsewhere

    @fuzz_settings(examples(300))
    @given(st.integers(0, len(proof) - 1), st.sampled_from(B64URL + ".=,"))
    def check(at: int, char: str) -> None:
        if proof[at] == char:
            return
        ran.append(1)
        assert verdict(world, proof[:at] + char + proof[at + 1:]) is None

    check()
    assert len(ran) >= examples(300) // 2


def test_rfc9449_4_3_signed_proofs_with_arbitrary_header_and_claims_get_the_rfcs_verdict() -> None:
    """Signed by the client's real key, with any header and claims: accepted only when every
    rule holds (checked here independently of the verifier), refused otherwise, never raised."""
    ran: list[int] = []
    accepted: list[int] = []

    @fuzz_settings(examples(500))
    @given(st.just({}) | overrides(HEADER_VALUES), st.just({}) | overrides(CLAIM_VALUES))
    def check(header_changes: dict[str, Any], claim_changes: dict[str, Any]) -> None:
        ran.append(1)
        world = World(nonces=None)  # a fresh replay cache: hypothesis repeats its jtis
        case = world.case()
        for target, changes in ((case.header, header_changes), (case.claims, claim_changes)):
            for name, value in changes.items():
                if value is None:
                    target.pop(name, None)
                else:
                    target[name] = value
        valid = (case.header.get("typ") in ("dpop+jwt", "DPOP+JWT")
                 and case.header.get("alg") == "ES256" and case.header.get("jwk") == public_jwk(CLIENT)
                 and "crit" not in case.header and case.claims.get("htm") == "GET"
                 and case.claims.get("htu") in (URL, "https://api.example:443/weather",
                                                "https://api.example/weather?x#y")
                 and isinstance(case.claims.get("jti"), str) and case.claims["jti"] != ""
                 and type(case.claims.get("iat")) in (int, float)
                 and world.clock.time() - 60 < case.claims["iat"] <= world.clock.time() + 5
                 and case.claims.get("ath") == world.case().claims["ath"])
        try:
            text = sign(case.header, case.claims, CLIENT)
        except (ValueError, TypeError, KeyError, OverflowError):  # the header names no signer
            text = f"{b64(json.dumps(case.header).encode())}.{b64(json.dumps(case.claims).encode())}.AAAA"
        result = verdict(world, text)
        assert (result is not None) == valid, (case.header, case.claims)
        if result is not None:
            accepted.append(1)

    check()
    assert len(ran) >= examples(500) // 2
    assert len(accepted) >= max(1, len(ran) // 50)  # the property meets valid proofs too


class Lockstep(MemoryStore):
    """A replay cache that holds each thread at its first look-up until all are there, so every
    copy of a proof passes the jti check before any is recorded: the worst interleaving, forced."""

    def __init__(self, clock: SimClock, threads: int) -> None:
        super().__init__(clock)
        self.gate = threading.Barrier(threads)
        self.local = threading.local()

    def contains(self, kind: str, key: str) -> bool:
        if kind != REPLAY_KIND or getattr(self.local, "waited", False):
            return super().contains(kind, key)
        self.local.waited = True
        self.gate.wait(timeout=10)  # all arrive ...
        found = super().contains(kind, key)
        self.gate.wait(timeout=10)  # ... and all have looked before any goes on to record
        return found


def test_rfc9449_11_1_the_same_proof_sent_twice_at_once_is_accepted_once() -> None:
    """The replay check is made again under the store's lock when the proof is recorded: of
    four copies that all passed the first look-up at once, exactly one is accepted."""
    world = World(nonces=None)
    proof = world.case().text()
    store = Lockstep(world.clock, 4)
    verifier = DPoPProofVerifier(world.clock, store=store)
    outcomes: list[str] = []

    def send() -> None:
        try:
            verifier.verify({"DPoP": proof}, "GET", URL, access_token=TOKEN)
            outcomes.append("accepted")
        except InvalidDPoPProofError as err:
            outcomes.append(err.check)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["accepted", "jti", "jti", "jti"]
    assert store.count(REPLAY_KIND) == 1


def test_rfc9449_8_nonce_sources_keep_two_values_whatever_the_traffic() -> None:
    clock = SimClock()
    nonces = DPoPNonces(clock, lifetime=10)
    seen = set()
    for _ in range(1000):
        seen.add(nonces.current())
        clock.advance(3)
    assert len(seen) == 250 and len(nonces._recent) == 2  # a new one every 4th step (12 s)
    with pytest.raises(ValueError, match="seconds"):
        DPoPNonces(clock, lifetime=0)
    assert not nonces.accepts(17) and not nonces.accepts("é")
    verifier = DPoPProofVerifier(clock, nonces=nonces)
    assert "nonces required" in repr(verifier)
