"""What a leak costs over time: real checks against a leaked key and a leaked token."""

from __future__ import annotations

import pytest

from tokenlab import AuthServer, ExpiredTokenError, ResourceServer, SimClock
from tokenlab.course.apikeys import APIKeyStore
from tokenlab.course.exposure import simulate_exposure

from ..conftest import API, ISSUER


def test_key_vs_token_exposure() -> None:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1, access_ttl=300)
    api = ResourceServer(API, auth)
    app = auth.register_client("app", ["weather:read"])
    keys = APIKeyStore(auth.random, clock)
    key = keys.issue("app").key
    token = auth.client_credentials(app.client_id, app.client_secret).access_token
    start = clock.time()
    assert api.verify(token)["client_id"] == app.client_id  # alive before the key's hour

    key_leak = simulate_exposure("API key", clock, lambda: keys.check(key),
                                 duration=3600, every=60)
    assert key_leak.accepted == len(key_leak.tries) == 61 and key_leak.window == 3600
    # The simulation ran on this world's clock: the hour passed for everything in it, so the
    # 5-minute token issued at its start is now refused, on exp — hence a second world below.
    assert clock.time() == start + 3600 + 60  # 61 tries, a minute apart
    with pytest.raises(ExpiredTokenError):
        api.verify(token)

    clock2 = SimClock()
    auth2 = AuthServer(ISSUER, clock=clock2, seed=1, access_ttl=300)
    api2 = ResourceServer(API, auth2)
    app2 = auth2.register_client("app", ["weather:read"])
    token2 = auth2.client_credentials(app2.client_id, app2.client_secret).access_token
    token_leak = simulate_exposure("access token", clock2, lambda: api2.verify(token2),
                                   duration=3600, every=60)
    assert token_leak.accepted == 5 and token_leak.window == 240  # refused at 300 s: on exp
    assert "5 of 61" in str(token_leak)


def test_detection_revokes() -> None:
    clock = SimClock()
    keys = APIKeyStore(AuthServer(ISSUER, clock=clock, seed=1).random, clock)
    issued = keys.issue("app")
    leak = simulate_exposure("key", clock, lambda: keys.check(issued.key), duration=600,
                             every=60, detected_at=120, on_detect=lambda: keys.revoke(issued.key_id))
    assert [ok for _, ok in leak.tries][:4] == [True, True, False, False]
    assert leak.window == 60
