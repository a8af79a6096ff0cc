"""The attack lab's engine: every attack runs with every choice; the outcome's facts come from
the wire (the attacker's requests and the first refusal), the mistake that let a forgery through
is the matrix's, and bad choices are refused with a message that lists the good ones."""

from __future__ import annotations

import pytest

from tokenlab.scenarios.forgery import ATTACKS, SWITCHES
from tokenlab.scenarios.lab import FAMILIES, LAB_ATTACKS, lab_attack, run_attack

SINGLE = [(a.name, s) for a in LAB_ATTACKS if not a.several for s in a.settings]


def test_every_family_has_attacks_and_every_matrix_attack_is_in_the_lab() -> None:
    assert {a.family for a in LAB_ATTACKS} == set(FAMILIES)
    assert {a.name for a in LAB_ATTACKS if a.family == "forgery"} == {a.name for a in ATTACKS}


@pytest.mark.parametrize(("name", "setting"), SINGLE)
def test_theft_and_replay_outcomes_agree_with_the_wire(name: str, setting: str) -> None:
    outcome = run_attack(name, [setting])
    attacker = [e for e in outcome.timeline if e.lane == "attacker" and e.sender == "attacker"
                and e.request not in ("GET /log",)]
    ok = [e for e in attacker if 200 <= e.status < 300]
    assert outcome.worked == bool(ok) == bool(outcome.result.successes)
    refused = next((e for e in attacker if e.status >= 400), None)
    assert (outcome.stopped_by is None) == (refused is None)
    if refused is not None:
        assert outcome.stopped_by == refused.outcome
    assert outcome.explanation and outcome.verdict in outcome.text()
    assert (outcome.let_through is not None) == outcome.worked
    offsets = [e.offset for e in outcome.timeline]
    assert offsets == sorted(offsets)
    # Times count from the theft, as the lesson's facts do (AttackResult.text).
    assert outcome.origin == outcome.result.theft_time
    assert offsets[0] <= 0 and 0 in offsets
    assert {e.lane for e in outcome.timeline} >= {"victim", "attacker"}


@pytest.mark.parametrize(("setting", "worked", "window"), [
    ("TTL alone", True, 240.0), ("denylist", True, 0.0), ("introspection", True, 60.0),
    ("DPoP", False, 0.0)])
def test_rfc9449_dpop_stops_a_stolen_access_token_from_the_first_try(
        setting: str, worked: bool, window: float) -> None:
    outcome = run_attack("stolen access token", setting)
    assert outcome.worked is worked
    assert outcome.result.window == window
    if setting == "DPoP":
        assert "RFC 9449" in (outcome.stopped_by or "")


def test_rfc9449_11_1_a_replayed_proof_is_refused_but_a_jti_check_is_not_enough() -> None:
    assert run_attack("captured request replayed", ["jti check"]).worked
    stopped = run_attack("captured request replayed", ["DPoP"])
    assert not stopped.worked and "§11.1" in (stopped.stopped_by or "")


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_rfc8725_forgeries_refused_by_default_and_let_through_by_their_mistake(attack) -> None:
    hardened = run_attack(attack.name)
    assert not hardened.worked and hardened.settings == ()
    assert hardened.stopped_by and hardened.let_through is None
    opened = run_attack(attack.name, attack.opened_by)
    assert opened.worked and opened.stopped_by is None
    assert opened.let_through is not None
    assert all(s in opened.let_through for s in attack.opened_by)
    assert "INSECURE" in next(e.outcome for e in opened.timeline if e.request == "GET /whoami")


def test_an_unrelated_switch_does_not_open_alg_none_and_says_so() -> None:
    outcome = run_attack("alg none", ["insecure_skip_audience"])
    assert not outcome.worked
    assert "do not open this attack" in outcome.explanation
    assert "alg" in (outcome.stopped_by or "")


def test_skipping_the_signature_opens_every_forgery_with_the_matrix_reason() -> None:
    outcome = run_attack("embedded jwk", ["insecure_skip_signature"])
    assert outcome.worked
    assert "skipping the signature opens every forgery" in (outcome.let_through or "")


def test_settings_are_kept_in_the_lab_order() -> None:
    both = run_attack("ID token as access token", ["insecure_skip_typ", "insecure_skip_audience"])
    assert both.settings == tuple(s for s in SWITCHES
                                  if s in ("insecure_skip_typ", "insecure_skip_audience"))
    assert both.worked


@pytest.mark.parametrize(("name", "settings", "error", "match"), [
    ("no such attack", None, ValueError, "choose one of stolen access token"),
    ("stolen access token", ["TTL alone", "DPoP"], ValueError, "exactly one defence"),
    ("stolen access token", [], ValueError, "exactly one defence"),
    ("stolen access token", ["a firewall"], ValueError, "TTL alone, denylist"),
    ("stolen access token", 3, TypeError, "a list with one defence"),
    ("alg none", ["insecure_everything"], ValueError, "unknown switch"),
    ("alg none", "insecure_accept_none", TypeError, "list of switch names"),
])
def test_bad_choices_get_a_clear_error(name: str, settings: object, error: type,
                                       match: str) -> None:
    with pytest.raises(error, match=match):
        run_attack(name, settings)  # type: ignore[arg-type]


def test_lab_attack_lookup() -> None:
    assert lab_attack("captured request replayed").family == "replay"
    with pytest.raises(ValueError, match="no attack"):
        lab_attack("nope")


def test_runs_are_reproducible() -> None:
    assert run_attack("stolen access token", ["introspection"]).text() == \
        run_attack("stolen access token", ["introspection"]).text()


def test_timeline_lines_keep_the_whole_short_answer_and_name_the_sender_once() -> None:
    outcome = run_attack("alg none", ["insecure_accept_none"])
    line = next(e.text() for e in outcome.timeline if e.request == "GET /whoami")
    assert line.endswith("attacker → GET /whoami: 200 OK (INSECURE: insecure_accept_none)")
    assert "attacker attacker" not in outcome.text()


def test_stopped_by_is_the_refusal_without_the_insecure_marker_of_the_api() -> None:
    outcome = run_attack("ID token as access token", ["insecure_skip_typ"])
    assert outcome.stopped_by is not None and "INSECURE" not in outcome.stopped_by
    assert "RFC 7519 §4.1.3" in outcome.stopped_by


def test_summaries_name_what_the_attacker_holds_in_words() -> None:
    from tokenlab.scenarios.lab import lab_attack

    assert lab_attack("alg none").summary == "the attacker holds their own access token"
    assert lab_attack("ID token as access token").summary == "the attacker holds Alice's ID token"


def test_the_verdict_names_the_last_success_and_the_first_refusal_from_the_theft() -> None:
    outcome = run_attack("stolen access token", ["denylist"])
    assert outcome.verdict == ("The attack worked: 1 request of the attacker succeeded, the last "
                               "at +0 s after the theft; refused from +1 min.")
    assert "-30 s" in outcome.text() and "+1 min 30 s" not in outcome.text()


def test_a_forgery_counts_from_the_first_request() -> None:
    outcome = run_attack("alg none")
    assert outcome.origin == outcome.timeline[0].offset + outcome.origin
    assert outcome.timeline[0].offset == 0
