"""A stolen refresh token under rotation with reuse detection (RFC 9700 §4.14.2), in both orders,
bound to a public client's DPoP key (RFC 9449 §5), and on a server that does not rotate (RFC 6749
§6): who is locked out when."""

from __future__ import annotations

import pytest

from tokenlab.client import ATTACKER
from tokenlab.scenarios import (
    STOLEN_REFRESH_ATTACKER_FIRST,
    STOLEN_REFRESH_DPOP,
    STOLEN_REFRESH_TOKEN,
    STOLEN_REFRESH_VICTIM_FIRST,
    AttackScenario,
    attack_result,
    stolen_refresh_token,
)
from tokenlab.scenarios.theft import STOLEN_REFRESH_ROTATION_OFF

RUNS = {flow.name: flow.run() for flow in STOLEN_REFRESH_TOKEN}
RESULTS = {flow.name: attack_result(RUNS[flow.name], defence=flow.defence)
           for flow in STOLEN_REFRESH_TOKEN}


def result(flow: AttackScenario):
    return RESULTS[flow.name]


def attacker_calls(flow: AttackScenario) -> list[tuple[str, int]]:
    return [(e.path, e.status) for e in RUNS[flow.name].world.wire.events if e.sender == ATTACKER]


def test_the_theft_is_a_copy_of_the_devices_storage_on_the_wire() -> None:
    for run in RUNS.values():
        theft = run.world.memo["attacker"].loot[0]
        assert theft.kind == "refresh_token" and theft.channel == "device"
        assert (theft.event.sender, theft.event.receiver) == ("device", ATTACKER)


def test_attacker_first_gets_a_fresh_pair_until_the_apps_refresh_reveals_the_copy() -> None:
    facts = result(STOLEN_REFRESH_ATTACKER_FIRST)
    assert attacker_calls(STOLEN_REFRESH_ATTACKER_FIRST) == [
        ("/token", 200), ("/weather", 200), ("/weather", 401), ("/token", 400)]
    assert facts.theft_time is not None and len(facts.successes) == 2
    # the app is locked out by its own refresh: reuse detected, the family revoked
    assert facts.victim_refused_at is not None and "already exchanged" in str(facts.victim_reason)
    # ... and the attacker's access token dies with the family, at that same moment
    assert facts.first_refusal == facts.victim_refused_at
    assert facts.reason is not None and "denylist" in facts.reason


def test_victim_first_the_spent_copy_is_refused_and_ends_the_login_for_both() -> None:
    facts = result(STOLEN_REFRESH_VICTIM_FIRST)
    assert attacker_calls(STOLEN_REFRESH_VICTIM_FIRST) == [("/token", 400)]
    assert facts.useless_from_the_first_try
    assert facts.reason is not None and "already exchanged" in facts.reason
    # the app refreshed fine, but the family died with the reuse: its next call is refused
    assert facts.victim_refused_at is not None and facts.first_refusal is not None
    assert facts.victim_refused_at >= facts.first_refusal
    assert not RUNS[STOLEN_REFRESH_VICTIM_FIRST.name].world.app.logged_in


def test_a_dpop_bound_refresh_token_is_useless_without_the_key_and_the_victim_keeps_going() -> None:
    facts = result(STOLEN_REFRESH_DPOP)
    assert attacker_calls(STOLEN_REFRESH_DPOP) == [("/token", 400), ("/token", 400)]
    assert facts.useless_from_the_first_try and "RFC 9449 §5" in str(facts.reason)
    assert facts.victim_refused_at is None  # presenting it without the key ended nothing
    run = RUNS[STOLEN_REFRESH_DPOP.name]
    assert run.world.app.logged_in and run.steps[-1].passed


def test_rfc6749_6_without_rotation_the_copy_works_alongside_the_app_until_refresh_ttl() -> None:
    """RFC 6749 §6 makes a new refresh token a MAY: without one, nothing is spent, so RFC 9700
    §4.14.2 has no reuse to detect — the stolen copy and the app's both work, and only the
    login's absolute expiry (refresh_ttl) ends the attacker's window."""
    flow = STOLEN_REFRESH_ROTATION_OFF
    facts, run = result(flow), RUNS[flow.name]
    auth = run.world.auth
    calls = attacker_calls(flow)
    assert calls[:2] == [("/token", 200), ("/weather", 200)]
    assert calls[-1] == ("/token", 400) and all(s == 200 for _, s in calls[:-1])
    assert len(facts.successes) == len(calls) - 1 > 20  # many refreshes with one token
    # the app refreshed after the theft and kept going: nobody noticed the copy
    assert facts.victim_refused_at is None and run.world.app.logged_in
    # the window stays open until the family's absolute expiry, measured from the login
    login = next(e for e in run.world.wire.events if e.path == "/token").time
    assert facts.successes[-1] < login + auth.refresh_ttl <= facts.first_refusal
    assert facts.theft_time is not None
    assert facts.window > auth.refresh_ttl - 2 * 3600
    assert facts.reason is not None and "expired" in facts.reason
    assert "rotation off" in repr(auth) and flow.defence.startswith("no rotation")


def test_the_stories_are_deterministic_under_a_seed() -> None:
    for flow in STOLEN_REFRESH_TOKEN:
        assert flow.result() == result(flow)
        assert [e.render() for e in flow.run().world.wire.events] == [
            e.render() for e in RUNS[flow.name].world.wire.events]


def test_going_back_one_step_is_a_prefix_of_the_story() -> None:
    for flow in STOLEN_REFRESH_TOKEN:
        full = [e.render() for e in RUNS[flow.name].world.wire.events]
        for n in range(len(flow)):
            back = [e.render() for e in flow.run(n).world.wire.events]
            assert back == full[:len(back)]


def test_an_unknown_case_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="attacker first, victim first, DPoP-bound, rotation off"):
        stolen_refresh_token("no rotation")
