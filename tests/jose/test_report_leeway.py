"""The report of a token accepted only thanks to the leeway says so: after ``exp`` it never reads
"expires in" (the duration would be the time since expiry, shown as if it lay ahead)."""

from __future__ import annotations

from tokenlab import AuthServer, ResourceServer, SimClock

from ..conftest import API, ISSUER


def _token(auth: AuthServer) -> str:
    app = auth.register_client("weather-app", ["weather:read"])
    return auth.client_credentials(app.client_id, app.client_secret).access_token


def test_report_before_exp_says_expires_in() -> None:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth, leeway=30)
    token = _token(auth)
    clock.advance(299)
    assert "expires in 1 s (at 2030-01-01 00:05:00 UTC)" in str(api.check(token))


def test_report_inside_the_leeway_says_expired_and_accepted() -> None:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth, leeway=30)
    token = _token(auth)
    clock.advance(300)  # exactly exp: accepted only because of the leeway
    text = api.verify(token).report.step("claims").detail
    assert "expired 0 s ago, at 2030-01-01 00:05:00 UTC" in text
    assert "accepted within the 30 s leeway (until 2030-01-01 00:05:30 UTC)" in text
    assert "expires in" not in text
    clock.advance(29)  # exp + leeway - 1: the last accepted second
    text = api.verify(token).report.step("claims").detail
    assert "expired 29 s ago" in text and "expires in" not in text
    clock.advance(1)  # exp + leeway: refused, with the refusal's own wording
    report = api.check(token)
    assert not report.ok and "leeway ran out" in report.step("claims").detail


def test_report_of_a_large_leeway_names_it() -> None:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth, leeway=3600)
    token = _token(auth)
    clock.advance(420)
    assert ("expired 2 min ago, at 2030-01-01 00:05:00 UTC, accepted within the 1 h leeway "
            "(until 2030-01-01 01:05:00 UTC)") in str(api.check(token))
