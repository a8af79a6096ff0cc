"""Every attack of the attack matrix as a walkable story: refused by the hardened default with the
matrix's error, accepted — and marked INSECURE on the wire — with its own mistake; forged only from
what the attacker holds, and the same under the same seed."""

from __future__ import annotations

import dataclasses

import pytest

from tokenlab.client import ATTACKER
from tokenlab.scenarios import ATTACKS, FORGERIES, AttackScenario, forgery
from tokenlab.scenarios.forgery import Attack, Holdings

RUNS = {flow.name: flow.run() for flow in FORGERIES}


def attempts(flow: AttackScenario) -> list[tuple[str, int, str]]:
    return [(e.path, e.status, e.outcome) for e in RUNS[flow.name].world.wire.events
            if e.sender == ATTACKER and e.path == "/whoami"]


def test_every_attack_of_the_matrix_is_walkable_hardened_and_with_its_mistake() -> None:
    assert len(FORGERIES) == 2 * len(ATTACKS)
    names = {a.name for a in ATTACKS}
    assert {f.title.split(" — ")[0] for f in FORGERIES} == names
    assert all(isinstance(f, AttackScenario) and RUNS[f.name].done for f in FORGERIES)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_rfc8725_the_hardened_default_refuses_the_forgery(attack: Attack) -> None:
    flow = forgery(attack.name)
    ((_path, status, outcome),) = attempts(flow)
    assert status == 401 and "invalid_token" in outcome and "INSECURE" not in outcome
    result = flow.result()
    assert result.useless_from_the_first_try and result.theft_time is None
    if attack.names:
        assert attack.names in str(result.reason)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_its_own_mistake_lets_the_forgery_through_and_the_wire_says_insecure(attack: Attack) -> None:
    flow = forgery(attack.name, mistakes=True)
    ((_path, status, outcome),) = attempts(flow)
    assert status == 200
    event = RUNS[flow.name].world.wire.events[-1]
    assert event.response_body["sub"] == attack.sub  # type: ignore[index]
    for switch in attack.opened_by - {"insecure_hmac_secret"}:
        assert switch in outcome


def test_the_attacker_holds_no_key_of_a_server() -> None:
    fields = {f.name for f in dataclasses.fields(Holdings)}
    assert fields == {"token", "jwks", "internet", "now", "random"}
    for run in RUNS.values():
        held = run.world.memo["holdings"]
        assert all("d" not in key and "k" not in key for key in held.jwks["keys"])


def test_every_forgery_story_is_deterministic_under_a_seed() -> None:
    for flow in FORGERIES:
        again = [e.render(shorten=False) for e in flow.run().world.wire.events]
        assert again == [e.render(shorten=False) for e in RUNS[flow.name].world.wire.events]


def test_an_unknown_attack_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="alg none"):
        forgery("SQL injection")
