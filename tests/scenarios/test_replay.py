"""A captured request replayed: a bearer token and a jti check on the access token let it through
(the jti names the token, not the request); DPoP's replay cache, nonces and the htm/htu binding
stop it. The DPoP workbench breaks each RFC 9449 §4.3 check alone and shows its refusal on the
wire."""

from __future__ import annotations

import pytest

from tokenlab.client import ATTACKER
from tokenlab.jose.dpop_verify import CHECKS
from tokenlab.scenarios import (
    REPLAY,
    REPLAY_DEFENCES,
    AttackScenario,
    attack_result,
    dpop_workbench,
    replay_captured,
)

RUNS = {flow.defence: flow.run() for flow in REPLAY}
RESULTS = {d: attack_result(run, defence=d) for d, run in RUNS.items()}
ROWS = {row.broken: row for row in dpop_workbench()}


def replays(defence: str) -> list[tuple[str, str, int]]:
    return [(e.method, e.path, e.status) for e in RUNS[defence].world.wire.events
            if e.sender == ATTACKER]


def test_the_replay_stories_are_walkable_attack_scenarios() -> None:
    assert tuple(flow.defence for flow in REPLAY) == REPLAY_DEFENCES
    assert all(isinstance(flow, AttackScenario) and run.done for flow, run in
               zip(REPLAY, RUNS.values(), strict=True))


def test_the_theft_is_the_plain_http_request_itself() -> None:
    for run in RUNS.values():
        loot = run.world.memo["attacker"].loot
        assert len(loot) == 1 and loot[0].channel == "plain HTTP"
        assert loot[0].event.url.startswith("http://") and loot[0].event.sender == run.world.app.name


def test_against_nothing_a_replayed_bearer_request_works() -> None:
    assert replays("nothing") == [("GET", "/weather", 200)]
    assert RESULTS["nothing"].first_refusal is None


def test_a_jti_check_on_the_access_token_does_not_stop_the_replay_of_the_same_token() -> None:
    assert replays("jti check") == [("GET", "/weather", 200)]
    run = RUNS["jti check"]
    assert run.world.api.revocation == "denylist"  # every request's jti is looked up
    # why: the app itself sends the same token, the same jti, again — and must be accepted
    app_calls = [e for e in run.world.wire.events
                 if e.sender == run.world.app.name and e.path == "/weather"]
    tokens = {e.headers["Authorization"] for e in app_calls}
    assert len(app_calls) == 2 and len(tokens) == 1 and all(e.status == 200 for e in app_calls)
    assert run.steps[-1].passed


@pytest.mark.parametrize("defence", ["DPoP", "DPoP + nonce"])
def test_a_dpop_proof_works_once_the_replay_cache_refuses_the_copy(defence: str) -> None:
    assert replays(defence) == [("GET", "/weather", 401)]
    reason = RESULTS[defence].reason
    assert reason is not None and "already used" in reason and "§11.1" in reason
    assert RESULTS[defence].useless_from_the_first_try


def test_with_nonces_the_api_asked_the_app_for_its_nonce_first() -> None:
    events = RUNS["DPoP + nonce"].world.wire.events
    assert any(e.sender != ATTACKER and "use_dpop_nonce" in e.outcome for e in events)
    captured = RUNS["DPoP + nonce"].world.memo["attacker"].loot[0].event
    assert captured.status == 200


@pytest.mark.parametrize(("defence", "method", "path", "item"), [
    ("htm binding", "POST", "/weather", "item 8"), ("htu binding", "GET", "/me", "item 9")])
def test_a_captured_proof_is_bound_to_its_method_and_url(defence: str, method: str, path: str,
                                                         item: str) -> None:
    assert replays(defence) == [(method, path, 401)]
    assert item in str(RESULTS[defence].reason)


def test_the_replay_stories_are_deterministic_under_a_seed() -> None:
    for flow in REPLAY:
        assert [e.render() for e in flow.run().world.wire.events] == [
            e.render() for e in RUNS[flow.defence].world.wire.events]


def test_an_unknown_defence_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="nothing, jti check, DPoP"):
        replay_captured("TLS")


# -- the workbench -----------------------------------------------------------------------------------

#: What each check's refusal cites (RFC 9449 §4.3 items, §11.1 for the replay cache).
CITED = {"one_header": "item 1", "well_formed": "item 2", "typ": "item 4", "alg": "section 4.2",
         "jwk": "private key", "signature": "does not verify", "claims": "item 3",
         "htm": "item 8", "htu": "item 9", "iat": "old", "jti": "11.1", "nonce": "nonce",
         "ath": "ath", "jkt": "cnf.jkt"}


def test_the_workbench_starts_from_a_proof_that_passes() -> None:
    assert list(ROWS) == ["nothing", *CHECKS]
    assert ROWS["nothing"].status == 200 and ROWS["nothing"].error == ""


@pytest.mark.parametrize("check", CHECKS)
def test_the_workbench_breaks_each_check_alone_and_the_api_refuses_it_for_that_check(
        check: str) -> None:
    row = ROWS[check]
    assert row.status == 401 and row.event.sender == "workbench"
    assert CITED[check] in row.description
    expected = {"nonce": "use_dpop_nonce", "jkt": "invalid_token"}.get(check, "invalid_dpop_proof")
    assert row.error == expected


def test_each_refusal_is_a_different_one() -> None:
    descriptions = [ROWS[c].description for c in CHECKS]
    assert len(set(descriptions)) == len(CHECKS)


def test_the_workbench_is_deterministic_under_a_seed() -> None:
    again = dpop_workbench()
    assert [(r.broken, r.error, r.description) for r in again] == [
        (r.broken, r.error, r.description) for r in ROWS.values()]
