"""One NumericDate check for every module (RFC 7519 §2).

RFC 7519 §2: NumericDate is "A JSON numeric value representing the number of seconds from
1970-01-01T00:00:00Z UTC until the specified UTC date/time". JSON allows integers of any size,
so a server-signed token may carry ``exp: 10**400``: no float holds it, and the old copies of
the check crashed on it (``math.isfinite(10**400)`` raises ``OverflowError``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tokenlab import AuthServer, RegisteredClient, ResourceServer, SimClock, TokenError
from tokenlab.clock import is_numeric_date

from ..conftest import Forge

HUGE = 10**400  # a JSON integer beyond float range


def _short(value: object) -> str:
    """A test id that does not print 400 digits."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**20:
        return f"{'-' if value < 0 else ''}10**{len(str(abs(value))) - 1}"
    return repr(value)


@pytest.mark.parametrize("value", [0, 1, -1, 1_900_000_000, 1.5, -0.0, 2**63, 10**308,
                                   1.7976931348623157e308], ids=_short)
def test_rfc7519_2_numericdate_is_a_finite_json_number(value: float) -> None:
    assert is_numeric_date(value) is True


@pytest.mark.parametrize("value", [True, False, None, "1900000000", b"1", [1], {"t": 1},
                                   float("nan"), float("inf"), float("-inf"), HUGE, -HUGE,
                                   10**309, complex(1, 0)], ids=_short)
def test_rfc7519_2_numericdate_refuses_non_numbers_bools_non_finite_and_beyond_float(
        value: object) -> None:
    assert is_numeric_date(value) is False


TIME_CLAIMS = [{"exp": HUGE}, {"exp": -HUGE}, {"iat": HUGE}, {"iat": -HUGE}, {"nbf": HUGE},
               {"nbf": -HUGE}]


def _name(claims: dict[str, int]) -> str:
    ((name, value),) = claims.items()
    return f"{name}={'' if value > 0 else '-'}10**400"


@pytest.mark.parametrize("claims", TIME_CLAIMS, ids=_name)
def test_rfc7519_2_introspect_a_server_signed_time_beyond_float_range_is_inactive(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, forge: Forge,
        claims: dict[str, Any]) -> None:
    """The authorization server signed it (the scenario: a bug or a hand-made token with the
    issuer's key); introspection must answer, never crash — and the API refuses it too."""
    token = forge(**claims)
    assert auth.introspect(token, app.client_id, app.client_secret) == {"active": False}
    with pytest.raises(TokenError, match="NumericDate"):
        api.verify(token)


@pytest.mark.parametrize("claims", TIME_CLAIMS, ids=_name)
@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token"])
def test_rfc7009_2_2_revoke_a_server_signed_time_beyond_float_range_succeeds_without_storing(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, forge: Forge,
        claims: dict[str, Any], hint: str | None) -> None:
    token = forge(client_id=app.client_id, **claims)
    assert auth.revoke(token, app.client_id, app.client_secret, hint) is None  # type: ignore[func-returns-value]
    assert len(auth.store) == 0


def test_simclock_uses_the_same_numericdate_rule(clock: SimClock) -> None:
    with pytest.raises(ValueError, match="finite"):
        clock.advance(HUGE)
    with pytest.raises(ValueError):
        SimClock(HUGE)


@pytest.mark.parametrize("leeway", [HUGE, float("inf"), float("nan")], ids=_short)
def test_rfc7519_2_a_leeway_beyond_float_range_is_a_value_error_not_an_overflow(
        leeway: float) -> None:
    """Durations added to NumericDates follow the same rule: ``exp + 10**400`` cannot be
    computed, so such a leeway is refused when the policy is made, with a message."""
    from tokenlab import VerifierPolicy

    with pytest.raises(ValueError, match="leeway must be a finite number"):
        VerifierPolicy("https://auth.example", "https://api.example", leeway=leeway)


@pytest.mark.parametrize("ttl", [HUGE, float("inf"), float("nan")], ids=_short)
def test_rfc7662_4_an_introspection_cache_ttl_beyond_float_range_is_refused(
        auth: AuthServer, ttl: float) -> None:
    """``now + ttl`` would raise OverflowError on the first cached answer, inside verify."""
    with pytest.raises(ValueError, match="introspection_cache_ttl"):
        ResourceServer("https://api.example", auth, revocation="introspect",
                       introspection_cache_ttl=ttl)
