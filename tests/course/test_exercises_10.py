"""Notebook 10's exercises, fed right, wrong and garbage answers, and checked against the real
actors: the alg-none goal lab sends the learner's token to the vulnerable and the hardened API;
the cracking lab signs with the typed secret; the prediction (algorithm confusion without a JWKS)
is what two RS256 tokens really give away. The prediction comes before the cells that reveal it."""

from __future__ import annotations

import json
import re

import jwt
import pytest
from jwt.utils import base64url_decode

from tokenlab import AuthServer, Request, SimClock
from tokenlab.attacker.rsa_modulus import public_pem_candidates, recover_rsa_modulus
from tokenlab.attacks import WORDS, crack_hs256, encode
from tokenlab.course.exercises import exercise, for_notebook
from tokenlab.course.exercises.lesson10 import (
    CRACKED_ABOVE,
    LAB_SECRET,
    none_lab,
    weak_secret_lab,
)
from tokenlab.scenarios.forgery import ATTACKS, WEAK_SECRET

from ..notebook_cells import NOTEBOOKS, outputs, source, stored_cells

NOTEBOOK = NOTEBOOKS / "10-jwt-attack-lab.ipynb"
KEYS = ["none-token-lab", "confusion-without-jwks", "crack-the-lab-secret",
        "what-prevents-cracking"]
GARBAGE = [None, "", "   ", 42, True, ["a.b.c"], {"a": 1}, b"x.y.", "not a token",
           "é" * 5000, float("nan")]
WIDER = "weather:read weather:write"


def test_notebook_10_asks_its_exercises_in_order() -> None:
    assert [e.key for e in for_notebook("10")] == KEYS
    assert [e.kind for e in for_notebook("10")] == ["goal lab", "predict", "goal lab", "reason"]


# -- the alg: none goal lab --------------------------------------------------------------------


@pytest.fixture
def lab() -> tuple:
    return none_lab()


def claims_of(token: str) -> dict:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def unsigned(claims: dict, **headers: str) -> str:
    return jwt.encode(claims, None, algorithm="none", headers=headers or None)


def test_rfc8725_3_1_the_none_lab_solution_passes_and_the_hardened_api_refuses(lab: tuple) -> None:
    vulnerable, hardened, token = lab
    names = {"jwt": jwt, "lab_mallory": token}
    code = exercise("none-token-lab").code
    body, _, last = code.rpartition("\n")
    exec(body, names)
    forged = eval(last, names)
    verdict = exercise("none-token-lab").check(forged, vulnerable, hardened)
    assert verdict, verdict.reason
    assert "RFC 8725 §3.1" in verdict.reason and "alg 'none'" in verdict.reason
    # the facts the verdict states, on the APIs themselves
    assert vulnerable.check(forged).ok
    assert hardened.check(forged).failed_step.name == "signature"


def test_the_none_lab_by_hand_base64url_of_json_passes(lab: tuple) -> None:
    vulnerable, hardened, token = lab
    def b64(value: dict) -> str:
        return jwt.utils.base64url_encode(json.dumps(value).encode()).decode()
    forged = (b64({"alg": "none", "typ": "at+jwt"}) + "."
              + b64({**claims_of(token), "sub": "alice", "scope": WIDER}) + ".")
    assert exercise("none-token-lab").check(f"  {forged}\n", vulnerable, hardened)


@pytest.mark.parametrize(("make", "why"), [
    (lambda t: t, "its alg is 'EdDSA'"),  # the token as held: signed, not forged
    (lambda t: unsigned({**claims_of(t), "sub": "alice", "scope": WIDER}),
     "refused this token (401) for another reason: typ is 'JWT'"),
    (lambda t: unsigned({**claims_of(t), "sub": "alice", "scope": WIDER}),
     "keep the header typ 'at+jwt' (RFC 9068 §2.1)"),
    (lambda t: unsigned(claims_of(t), typ="at+jwt"), "but for 'mallory'"),
    (lambda t: unsigned({**claims_of(t), "sub": "alice"}, typ="at+jwt"), "wider scope"),
    (lambda t: unsigned({**claims_of(t), "sub": "alice", "scope": WIDER, "exp": 1},
                        typ="at+jwt"), "expired"),
    (lambda t: encode({**claims_of(t), "sub": "alice", "scope": WIDER}, b"guess", "HS256",
                      headers={"typ": "at+jwt"}), "its alg is 'HS256'"),
])
def test_the_none_lab_says_why_each_real_wrong_attempt_fails(lab: tuple, make, why: str) -> None:
    vulnerable, hardened, token = lab
    verdict = exercise("none-token-lab").check(make(token), vulnerable, hardened)
    assert not verdict and why in verdict.reason, verdict.reason


def test_the_none_lab_refuses_a_hardened_api_in_the_vulnerable_ones_place(lab: tuple) -> None:
    """With the hardened API passed twice the token is refused where the lab wants a 200; with
    the vulnerable one passed twice the check says the second API is no hardened one."""
    vulnerable, hardened, token = lab
    forged = unsigned({**claims_of(token), "sub": "alice", "scope": WIDER}, typ="at+jwt")
    first = exercise("none-token-lab").check(forged, hardened, hardened)
    assert not first and "refused this token" in first.reason
    second = exercise("none-token-lab").check(forged, vulnerable, vulnerable)
    assert not second and "not hardened" in second.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_the_none_lab_garbage_is_wrong_never_an_error(lab: tuple, answer: object) -> None:
    vulnerable, hardened, _ = lab
    verdict = exercise("none-token-lab").check(answer, vulnerable, hardened)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_the_none_lab_answers_on_the_wire(lab: tuple) -> None:
    """The check sends the token as a request, so the learner's attempt is on the wire."""
    vulnerable, hardened, token = lab
    forged = unsigned({**claims_of(token), "sub": "alice", "scope": WIDER}, typ="at+jwt")
    n = len(vulnerable.auth.wire)
    exercise("none-token-lab").check(forged, vulnerable, hardened)
    sent = [e for e in vulnerable.auth.wire.events[n:] if e.path == "/whoami"]
    assert [e.status for e in sent] == [200, 401]


# -- the prediction: algorithm confusion without a JWKS ------------------------------------------

RIGHT = "yes: the signatures of her own tokens give the public key away"


def test_the_confusion_prediction_does_not_tell_how_many_tokens_it_takes() -> None:
    """The question says what any user holds (her own tokens), not the recipe's "two tokens";
    no choice counts them either."""
    e = exercise("confusion-without-jwks")
    assert "two" not in e.prompt.lower()
    assert not any("two" in c.lower() for c in e.choices)


def test_the_confusion_prediction_right_answer() -> None:
    e = exercise("confusion-without-jwks")
    assert e.answer == RIGHT and RIGHT in e.choices
    assert e.check(RIGHT) and "gcd" in e.check(RIGHT).reason


@pytest.mark.parametrize(("answer", "why"), [
    ("no: without the public key she has no HMAC secret to sign with", "not only in the JWKS"),
    ("only with the server's private key", "never uses the private key"),
    ("yes: with alg HS256 any secret will do", "another signature"),
])
def test_the_confusion_prediction_each_wrong_choice_says_why(answer: str, why: str) -> None:
    verdict = exercise("confusion-without-jwks").check(answer)
    assert answer in exercise("confusion-without-jwks").choices
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_the_confusion_prediction_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise("confusion-without-jwks").check(answer)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_the_prediction_holds_two_tokens_give_the_public_key_without_any_jwks() -> None:
    """The right answer, on a real server (e = 3, as in the notebook): the modulus recovered
    from two tokens is the server's, and the PEM the fenced API uses is among the candidates."""
    clock = SimClock()
    auth = AuthServer("https://auth.example", clock=clock, seed=8, algorithm="RS256",
                      rsa_public_exponent=3)
    auth.register_resource("https://api.example")
    app = auth.register_client("weather-app", ["weather:read"])
    tokens = [auth.client_credentials(app.client_id, app.client_secret,
                                      resource="https://api.example").access_token
              for _ in range(2)]
    n = recover_rsa_modulus(*tokens, e=3)
    (jwk,) = auth.handle(Request.get("https://auth.example/jwks.json")).json()["keys"]
    assert n == int.from_bytes(base64url_decode(jwk["n"]), "big")
    assert b"BEGIN PUBLIC KEY" in public_pem_candidates(n, e=3)["spki"]


# -- the weak secret: the cracking lab and the reason ---------------------------------------------


def test_rfc8725_3_5_the_cracking_lab_solution_passes() -> None:
    _, token = weak_secret_lab()
    found = eval(exercise("crack-the-lab-secret").code,
                 {"crack_hs256": crack_hs256, "WORDS": WORDS, "lab_token": token})
    verdict = exercise("crack-the-lab-secret").check(found, token)
    assert verdict and "RFC 8725 §3.5" in verdict.reason
    assert found == LAB_SECRET


def test_the_cracking_lab_signs_a_token_with_the_secret_and_sends_it_to_the_labs_api() -> None:
    """With the lab's API as context, a right secret mints Alice's token with the wider scope
    and the API answers 200 for it, on the wire."""
    api, token = weak_secret_lab()
    n = len(api.auth.wire)
    verdict = exercise("crack-the-lab-secret").check(LAB_SECRET, token, api)
    assert verdict and "the lab's API answered 200 for 'alice'" in verdict.reason, verdict.reason
    assert WIDER in verdict.reason
    assert [e.status for e in api.auth.wire.events[n:] if e.path == "/whoami"] == [200]


def test_the_cracking_lab_says_so_when_the_api_given_refuses_the_minted_token() -> None:
    """The secret makes lab_token's signature, but the API passed is another server's: the
    verdict is wrong and says to pass the lab's API."""
    _, token = weak_secret_lab()
    other, _, _ = none_lab()
    verdict = exercise("crack-the-lab-secret").check(LAB_SECRET, token, other)
    assert not verdict and "pass the lab's API" in verdict.reason, verdict.reason


def test_the_lab_secret_is_not_the_one_cracked_in_front_of_the_learner() -> None:
    assert CRACKED_ABOVE == WEAK_SECRET != LAB_SECRET
    assert {LAB_SECRET, CRACKED_ABOVE} <= set(WORDS)


@pytest.mark.parametrize("answer", [LAB_SECRET, f" {LAB_SECRET} ", f"'{LAB_SECRET}'"])
def test_the_cracking_lab_reads_what_a_person_types(answer: str) -> None:
    _, token = weak_secret_lab()
    assert exercise("crack-the-lab-secret").check(answer, token)


@pytest.mark.parametrize(("answer", "why"), [
    (WEAK_SECRET, "the server cracked above"),
    ("secret", "does not make lab_token's signature"),
    (LAB_SECRET.upper(), "does not make lab_token's signature"),
])
def test_the_cracking_lab_says_why_a_wrong_secret_fails(answer: str, why: str) -> None:
    _, token = weak_secret_lab()
    verdict = exercise("crack-the-lab-secret").check(answer, token)
    assert not verdict and why in verdict.reason


def test_the_cracking_lab_refuses_the_token_itself() -> None:
    _, token = weak_secret_lab()
    verdict = exercise("crack-the-lab-secret").check(token, token)
    assert not verdict and "that is a token" in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_the_cracking_lab_garbage_is_wrong_never_an_error(answer: object) -> None:
    _, token = weak_secret_lab()
    verdict = exercise("crack-the-lab-secret").check(answer, token)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_the_lab_secret_really_signs_the_lab_servers_tokens() -> None:
    """A token forged with the cracked secret is accepted by the lab's API: the secret the
    check accepts is the server's."""
    api, token = weak_secret_lab()
    forged = encode({**claims_of(token), "sub": "alice", "scope": WIDER}, LAB_SECRET.encode(),
                    "HS256", headers={"kid": jwt.get_unverified_header(token)["kid"],
                                      "typ": "at+jwt"})
    assert api.check(forged).ok


PREVENTS = "a random 256-bit key, or an asymmetric algorithm such as EdDSA"


def test_what_prevents_cracking_right_answer_cites_rfc7518_3_2() -> None:
    verdict = exercise("what-prevents-cracking").check(PREVENTS)
    assert verdict and "RFC 7518 §3.2" in verdict.reason


@pytest.mark.parametrize(("answer", "why"), [
    ("a shorter exp, one minute", "writes the exp"),
    ("a jti in every token", "fresh jti"),
    ("a longer passphrase that people can remember", "RFC 8725 §3.5"),
    ("hiding the header, so the attacker does not see HS256", "needs no header"),
])
def test_what_prevents_cracking_each_wrong_choice_says_why(answer: str, why: str) -> None:
    assert answer in exercise("what-prevents-cracking").choices
    verdict = exercise("what-prevents-cracking").check(answer)
    assert not verdict and why in verdict.reason


@pytest.mark.parametrize("answer", GARBAGE, ids=[f"garbage-{i}" for i in range(len(GARBAGE))])
def test_what_prevents_cracking_garbage_is_wrong_never_an_error(answer: object) -> None:
    verdict = exercise("what-prevents-cracking").check(answer)
    assert not verdict and verdict.reason and "Error" not in verdict.reason


def test_a_strong_key_is_not_in_reach_of_the_word_list() -> None:
    """The right answer's first half, on a real server: its own random HS256 key is found by no
    word of the list."""
    auth = AuthServer("https://auth.example", clock=SimClock(), seed=12, algorithm="HS256")
    auth.register_resource("https://api.example")
    app = auth.register_client("weather-app", ["weather:read"])
    token = auth.client_credentials(app.client_id, app.client_secret,
                                    resource="https://api.example").access_token
    assert crack_hs256(token, WORDS) is None


# -- the notebook ------------------------------------------------------------------------------


def cells() -> list[dict]:
    return stored_cells(NOTEBOOK)


def test_the_confusion_is_predicted_before_the_cells_that_reveal_it() -> None:
    """A markdown cell asks for the prediction, the box follows, then the recovery cell; no
    markdown between them gives the answer away, and the prose after refers back to it."""
    all_cells = cells()
    box = [i for i, c in enumerate(all_cells)
           if 'ExerciseBox("confusion-without-jwks")' in source(c)]
    assert len(box) == 1
    i = box[0]
    assert "Before you run it, predict" in source(all_cells[i - 1])
    reveal = next(j for j, c in enumerate(all_cells) if "recover_rsa_modulus(" in source(c))
    assert reveal > i
    for c in all_cells[i + 1:reveal]:
        if c["cell_type"] == "markdown":
            assert not re.search(r"\bgcd\b|gives? .* away|modulus", source(c)), source(c)
    assert "modulus" in outputs(all_cells[reveal])
    prose = next(c for c in all_cells[reveal + 1:] if c["cell_type"] == "markdown")
    assert "predict" in source(prose)


def box_index(key: str) -> int:
    (i,) = [i for i, c in enumerate(cells()) if f'ExerciseBox("{key}"' in source(c)]
    return i


def test_the_none_lab_shows_what_it_needs_before_the_box() -> None:
    """Before the box the learner has seen a token's claims read without a key, the key None
    of algorithm 'none', and that the API wants typ at+jwt (RFC 9068 §2.1)."""
    before = cells()[:box_index("none-token-lab")]
    code = "\n".join(source(c) for c in before if c["cell_type"] == "code")
    prose = "\n".join(source(c) for c in before if c["cell_type"] == "markdown")
    assert '"verify_signature": False' in code
    assert "at+jwt" in prose and "RFC 9068 §2.1" in prose
    assert '`None`' in prose and '"none"' in prose


def test_the_cracking_box_is_given_the_labs_api() -> None:
    assert 'ExerciseBox("crack-the-lab-secret", lab_token, crack_api)' in "".join(
        source(c) for c in cells())


def test_the_confusion_prediction_is_not_given_away_just_before_it() -> None:
    """The cells leading to the box neither name the lab it comes from nor count the tokens."""
    i = box_index("confusion-without-jwks")
    for c in cells()[i - 2:i]:
        assert "PortSwigger" not in source(c) and "two tokens" not in source(c), source(c)


def test_the_pem_forms_are_explained_before_they_are_printed() -> None:
    i = next(i for i, c in enumerate(cells()) if "public_pem_candidates(" in source(c))
    prose = source(cells()[i - 1])
    assert "`spki`" in prose and "`pkcs1`" in prose and "BEGIN RSA PUBLIC KEY" in prose


def test_printed_holdings_read_as_words() -> None:
    text = "".join(outputs(c) for c in cells())
    assert "Mallory holds Alice's ID token" in text
    assert not re.search(r"\balice's\b|holds leaked", text), text


def test_the_attack_lab_prompts_name_what_skipping_the_signature_opens() -> None:
    """Prompt 3 names the forgeries insecure_skip_signature opens (counted from the matrix) and
    the genuine-token attacks it does not; prompt 1 points at the mistake that opens them all."""
    skip = frozenset({"insecure_skip_signature"})
    opened = [a for a in ATTACKS if skip == a.opened_by or skip in a.also_opened_by]
    genuine = [a for a in ATTACKS if a not in opened]
    words = {3: "three", 9: "nine"}
    lab = next(c for c in cells() if source(c).startswith("## 8."))
    text = source(lab)
    assert f"{words[len(opened)]} forgeries" in text
    assert f"{words[len(genuine)]} genuine" in text
    assert "opens every forgery" in text


def test_required_citations() -> None:
    text = "\n".join(source(c) for c in cells() if c["cell_type"] == "markdown")
    for ref in ("RFC 8725 §3.1", "RFC 8725 §3.5", "RFC 7515 §4.1", "RFC 7518 §3.2"):
        assert ref in text, ref


def test_no_secret_but_the_cracked_ones_is_printed() -> None:
    """Printed values: tokens only shortened; no PEM private key; the only secrets shown are
    the cracked ones (the attacker's finds)."""
    for c in cells():
        text = outputs(c)
        assert "PRIVATE KEY" not in text
        assert not re.search(r"eyJ[\w-]{60,}\.", text), text[:200]
