"""A stolen access token used until refused, on one timeline: the lifetime alone ends it at exp,
a denylist at the first request after the revocation, introspection with a cache only when the
cached answer runs out, and a DPoP-bound token is refused from the first try."""

from __future__ import annotations

import dataclasses

import pytest

from tokenlab.client import ATTACKER
from tokenlab.scenarios import (
    ACCESS_DEFENCES,
    STOLEN_ACCESS_TOKEN,
    STOLEN_ACCESS_TOKEN_DENYLIST,
    STOLEN_ACCESS_TOKEN_DPOP,
    STOLEN_ACCESS_TOKEN_INTROSPECTION,
    STOLEN_ACCESS_TOKEN_TTL,
    AttackResult,
    AttackScenario,
    Flow,
    attack_result,
    claims_of,
    compare_stolen_access_token,
    stolen_access_token,
)
from tokenlab.scenarios.theft import CACHE_TTL, INTERVAL

RUNS = {flow.defence: flow.run() for flow in STOLEN_ACCESS_TOKEN}
RESULTS = {defence: attack_result(run, defence=defence) for defence, run in RUNS.items()}


def stolen_exp(defence: str) -> float:
    run = RUNS[defence]
    loot = run.world.memo["attacker"].loot
    token = next(item.value for item in loot if item.kind == "access_token")
    return float(claims_of(token)["exp"])


def test_the_four_defences_are_walkable_attack_scenarios() -> None:
    assert tuple(flow.defence for flow in STOLEN_ACCESS_TOKEN) == ACCESS_DEFENCES
    for flow in STOLEN_ACCESS_TOKEN:
        assert isinstance(flow, AttackScenario) and isinstance(flow, Flow)
        run = flow.run()
        assert run.done and all(step.actor for step in run.steps)


def test_the_theft_is_an_event_on_the_wire_and_every_use_is_sent_by_the_attacker() -> None:
    for defence, run in RUNS.items():
        events = run.world.wire.events
        theft = run.world.memo["attacker"].loot[0].event
        assert theft in events and (theft.sender, theft.receiver) == ("browser", ATTACKER)
        uses = [e for e in events if e.sender == ATTACKER]
        assert len(uses) == RESULTS[defence].attempts > 0
        assert all(e.receiver == "api" and e.time >= theft.time for e in uses)


def test_ttl_alone_the_stolen_token_works_until_its_exp_and_revocation_changes_nothing() -> None:
    result = RESULTS["TTL alone"]
    exp = stolen_exp("TTL alone")
    assert result.revoked_at is not None and result.successes[-1] > result.revoked_at
    assert all(t < exp for t in result.successes)
    assert result.first_refusal is not None and exp <= result.first_refusal < exp + INTERVAL
    assert result.reason is not None and "expired" in result.reason


def test_a_denylist_refuses_the_first_request_after_the_revocation() -> None:
    result = RESULTS["denylist"]
    assert result.revoked_at is not None
    assert all(t < result.revoked_at for t in result.successes)
    assert result.first_refusal == result.revoked_at and result.propagation_delay == 0
    assert result.reason is not None and "denylist" in result.reason


def test_introspection_with_a_cache_keeps_accepting_a_revoked_token_until_the_answer_runs_out(
) -> None:
    result = RESULTS["introspection"]
    assert result.revoked_at is not None and result.first_refusal is not None
    assert any(t >= result.revoked_at for t in result.successes)  # revoked, still accepted
    delay = result.propagation_delay
    assert delay is not None and 0 < delay <= CACHE_TTL
    assert result.first_refusal < stolen_exp("introspection")
    assert result.reason is not None and "introspection" in result.reason


def test_a_dpop_bound_token_is_useless_without_the_key_from_the_first_try() -> None:
    result = RESULTS["DPoP"]
    assert result.useless_from_the_first_try and result.attempts == 1
    assert result.first_refusal == result.theft_time
    assert result.reason is not None and "cnf.jkt" in result.reason
    assert result.propagation_delay is None  # refused before anyone revoked anything


def test_on_one_timeline_each_defence_shortens_the_window() -> None:
    windows = [RESULTS[d].window for d in ("TTL alone", "introspection", "denylist")]
    assert windows == sorted(windows, reverse=True) and windows[0] > windows[1] > windows[2]
    assert RESULTS["DPoP"].window == 0 and not RESULTS["DPoP"].successes


def test_every_story_is_deterministic_under_a_seed() -> None:
    again = compare_stolen_access_token(seed=1)
    assert again == tuple(RESULTS[d] for d in ACCESS_DEFENCES)
    other = compare_stolen_access_token(seed=2)
    assert [r.successes for r in other] == [r.successes for r in again]  # the same timeline
    assert [r.reason for r in other] != [r.reason for r in again]  # other keys and ids
    assert STOLEN_ACCESS_TOKEN_DENYLIST.run().world.wire.render() == \
        RUNS["denylist"].world.wire.render()


def test_going_back_one_step_replays_exactly_what_was_there() -> None:
    for flow in (STOLEN_ACCESS_TOKEN_TTL, STOLEN_ACCESS_TOKEN_INTROSPECTION,
                 STOLEN_ACCESS_TOKEN_DPOP):
        full = [e.render() for e in RUNS[flow.defence].world.wire.events]
        for n in range(len(flow)):
            back = [e.render() for e in flow.run(n).world.wire.events]
            assert back == full[:len(back)]


def test_the_result_states_the_facts_of_the_lesson() -> None:
    text = RESULTS["introspection"].text()
    assert "stolen at t = 0" in text and "Revoked at +1 min" in text
    # The last success is not the end of the window (the next try came 30 s later): the text
    # names the successes and the first refusal, never a "usable for" that reads as a window.
    assert "times below count from the theft" in text and "usable for" not in text
    assert "First refusal at +1 min 30 s" in text
    assert isinstance(STOLEN_ACCESS_TOKEN_DPOP.result(), AttackResult)
    assert "No request of the attacker worked" in str(RESULTS["DPoP"])


def test_a_step_of_the_attacker_says_per_request_whether_it_worked() -> None:
    steps = RUNS["TTL alone"].steps
    again = steps[-1]
    assert again.actor == ATTACKER and len(again.checks) == RESULTS["TTL alone"].attempts - 1
    assert [c.passed for c in again.checks][-1] is False
    assert all(c.passed for c in again.checks[:-1])


def test_an_unknown_defence_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="TTL alone, denylist, introspection, DPoP"):
        stolen_access_token("firewall")


def test_another_seed_is_the_same_story_with_other_keys() -> None:
    flow = dataclasses.replace(STOLEN_ACCESS_TOKEN_DENYLIST, seed=5)
    assert flow.result().successes == RESULTS["denylist"].successes
