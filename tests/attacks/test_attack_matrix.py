"""The attack matrix (issue 11 §4): every attack against the hardened default, against its own
mistake, and against every other mistake, in one table-driven test.

Each attack is forged by the attacker from what they really hold (:class:`~.worlds.Holdings`: a
token, the issuer's public JWKS, the simulated internet, their own keys) with PyJWT and
cryptography — or, where PyJWT refuses to build the token (an empty, PEM-shaped or short HMAC
key; ``alg: nOnE``), with the fence's own PyJWS (:func:`tokenlab.attacks.encode`). Never with a
server's private key.

For every attack the table says:

- the error the hardened default refuses it with (class, the parameter or claim it names, and
  ``invalid_token``);
- the mistake(s) that open it — several only when each one alone still stops it;
- what else opens it ("also opened by"), with the reason: skipping the signature opens every
  forgery; a header-chosen algorithm opens ``alg: none`` too, as in the libraries of 2015 — but
  only the registered, lower-case ``none`` (JOSE compares ``alg`` case-sensitively, RFC 7515
  §4.1.1), so ``nOnE`` needs a verifier that compares case-insensitively.

Every other mistake leaves it refused with the hardened error. The weak HMAC secret is a
setting of an HS256 authorization server, so it is tried against the attacks on HS256 servers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tokenlab import Request, TokenError
from tokenlab.jose.policy import INSECURE_SWITCHES
from tokenlab.scenarios.forgery import (  # the forgeries, shared with the walkable stories
    ATTACKS,
    HMAC_SECRET,
    SKIP,
    SWITCHES,
    WEAK_SECRET,
    Attack,
    escalated,
    held_kid,
    present_as_held,
)

from . import worlds
from .worlds import API

__all__ = ["ATTACKS", "HMAC_SECRET", "Attack", "escalated", "held_kid"]


def configurations(attack: Attack) -> Iterator[tuple[frozenset[str], bool]]:
    """``(mistakes on, accepted?)``: the hardened default, its own mistake(s), what else opens
    it, then every other single mistake."""
    yield frozenset(), False
    yield attack.opened_by, True
    yield from ((c, True) for c in attack.also_opened_by)
    for switch in SWITCHES:
        config = frozenset({switch})
        if config == attack.opened_by or config in attack.also_opened_by:
            continue
        if switch == HMAC_SECRET and attack.world != "HS256":
            continue  # a setting of HS256 servers only
        yield config, False


CASES = [pytest.param(a, c, ok, id=f"{a.name} | {' + '.join(sorted(c)) or 'hardened default'}")
         for a in ATTACKS for c, ok in configurations(a)]


def param_of(err: TokenError) -> str:
    return str(getattr(err, "parameter", None) or getattr(err, "claim", None) or "")


@pytest.mark.parametrize(("attack", "mistakes", "accepted"), CASES)
def test_rfc8725_attack_matrix(attack: Attack, mistakes: frozenset[str], accepted: bool) -> None:
    api, holdings = worlds.build(attack.world, attack.holding,
                                 switches=mistakes - {HMAC_SECRET},
                                 weak_secret=WEAK_SECRET if HMAC_SECRET in mistakes else None)
    token = attack.forge(holdings)
    over_http = Request.get(f"{API}/whoami", {"Authorization": f"Bearer {token}"})
    if accepted:
        claims = api.verify(token, scope=attack.scope)
        assert claims["sub"] == attack.sub
        if attack.scope is not None:
            assert set(attack.scope.split()) <= set(claims.scopes)
        response = api.handle(over_http)
        assert response.status == 200 and response.json()["sub"] == attack.sub
        # Nothing hides the mistake: the API's repr and its answer on the wire say INSECURE.
        for name in mistakes:
            assert f"INSECURE: {name}" in repr(api)
            assert name in api.wire.events[-1].outcome
        assert "[INSECURE: " in api.wire.events[-1].outcome
        return
    expected = attack.refused_with
    if mistakes and mistakes < attack.opened_by:
        (alone,) = mistakes
        expected = attack.alone[alone]
    with pytest.raises(TokenError) as ei:
        api.verify(token, scope=attack.scope)
    err = ei.value
    assert type(err) is expected, f"{type(err).__name__}: {err.description}"
    assert (err.error, err.status) == ("invalid_token", 401)
    if expected is attack.refused_with:
        assert param_of(err) == attack.names
    response = api.handle(over_http)
    assert response.status == 401 and response.json()["error"] == "invalid_token"
    if not mistakes:
        assert "INSECURE" not in repr(api) and "INSECURE" not in str(api.wire)


def test_the_matrix_covers_every_mistake_and_opens_each_attack_only_as_the_table_says() -> None:
    """The table itself: every switch (and the weak secret) opens at least one attack; every
    attack is refused by default and opened by something; the multi-mistake attacks say what
    each mistake alone still raises; the "also opened by" entries give a reason."""
    opened = {s for a in ATTACKS for s in a.opened_by}
    assert opened == set(SWITCHES)
    assert len(INSECURE_SWITCHES) == 9
    for a in ATTACKS:
        assert a.opened_by and a.opened_by <= set(SWITCHES)
        assert all(reason for reason in a.also_opened_by.values())
        assert (len(a.opened_by) > 1) == bool(a.alone)
        assert set(a.alone) <= a.opened_by
    assert len(CASES) >= 12 * 10
    # skipping the signature opens every forgery, and nothing that is not one
    forgeries = {a.name for a in ATTACKS if a.forge is not present_as_held}
    assert {a.name for a in ATTACKS if a.opened_by == SKIP or SKIP in a.also_opened_by} == forgeries
