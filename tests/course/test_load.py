"""The load simulation: counts read off the wire are exact; timings are only ever counted."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from tokenlab.course.load import (
    DEFAULT_MODES,
    LoadMode,
    LoadResult,
    compare_load,
    load_series,
    load_table,
    run_load,
)


@pytest.mark.parametrize("revocation", ["none", "denylist"])
@pytest.mark.parametrize(("requests", "clients"), [(1, 1), (10, 3), (120, 10)])
def test_local_verification_never_calls_the_authorization_server(
        revocation: str, requests: int, clients: int) -> None:
    r = run_load(requests, clients=clients, revocation=revocation)
    assert (r.requests, r.served, r.refused, r.auth_calls) == (requests, requests, 0, 0)
    assert r.load_ratio == 0
    assert r.token_requests == min(requests, clients)  # one token each; no run outlives it


@pytest.mark.parametrize(("requests", "clients"), [(1, 1), (10, 3), (120, 10), (700, 7)])
def test_introspection_without_a_cache_calls_once_per_request(requests: int, clients: int) -> None:
    r = run_load(requests, clients=clients, revocation="introspect")
    assert (r.served, r.refused) == (requests, 0)
    assert r.auth_calls == requests
    assert r.load_ratio == 1


def test_a_cache_cuts_the_calls_to_one_per_token_per_ttl() -> None:
    # 100 requests from 10 apps, one a second: each app calls every 10 s, 10 times in 100 s.
    # With a 60 s cache each token is introspected at t, then 60 s later: 2 calls per app.
    r = run_load(100, clients=10, revocation="introspect", cache_ttl=60)
    assert (r.served, r.auth_calls) == (100, 20)
    assert 0 < r.auth_calls < r.requests and r.load_ratio == pytest.approx(0.2)


def test_a_new_token_is_a_new_cache_entry() -> None:
    # 1000 s with 300 s tokens: each app renews, and the new token is introspected afresh.
    cached = run_load(1000, clients=10, revocation="introspect", cache_ttl=60)
    assert cached.token_requests == 40  # at 0, 300, 600 and 900 s
    assert cached.auth_calls == 170
    assert cached.auth_calls < run_load(1000, clients=10, revocation="introspect").auth_calls


def test_a_cache_does_not_help_when_no_token_comes_back_in_time() -> None:
    # Every app calls once: nothing is asked twice, the cache saves nothing.
    r = run_load(10, clients=10, revocation="introspect", cache_ttl=60)
    assert r.auth_calls == 10


def test_a_cache_longer_than_the_run_asks_once_per_token() -> None:
    r = run_load(50, clients=5, revocation="introspect", cache_ttl=3600)
    assert (r.auth_calls, r.token_requests) == (5, 5)


def test_counts_are_reproducible_and_timings_are_measured() -> None:
    a, b = run_load(30, clients=3, revocation="introspect"), run_load(
        30, clients=3, revocation="introspect")
    assert a == b  # timings are not compared
    assert len(a.verify_ns) == 30 and all(isinstance(t, int) and t > 0 for t in a.verify_ns)
    assert a.median_verify_us == a.median_verify_ns / 1000 > 0
    assert "verify_ns" not in repr(a)
    assert math.isnan(LoadResult(LoadMode("none"), 1, 1, 1, 0, 0, 1, 1.0).median_verify_ns)


def test_the_simulated_time_and_interval() -> None:
    r = run_load(20, clients=2, interval=2.5)
    assert r.duration == 50.0


def test_compare_load_runs_the_grid_in_order() -> None:
    results = compare_load([5, 20], clients=5)
    assert [(r.requests, r.mode) for r in results] == [
        (n, m) for n in (5, 20) for m in DEFAULT_MODES]
    series = load_series(results)
    assert series == {"none": [(5, 0), (20, 0)], "denylist": [(5, 0), (20, 0)],
                      "introspect": [(5, 5), (20, 20)], "introspect, cache 60 s": [(5, 5), (20, 5)]}
    assert compare_load([4], ["introspect", LoadMode("introspect", 10)], clients=2)[1].mode.label \
        == "introspect, cache 10 s"


def test_the_table_shows_counts_only() -> None:
    results = compare_load([10, 100], clients=10)
    table = load_table(results)
    lines = table.splitlines()
    assert lines[0].split() == ["requests", "mode", "served", "calls", "to", "auth", "server",
                                "per", "request", "token", "requests"]
    assert "" in lines  # a blank line between sizes
    row = next(line for line in lines if "cache 60 s" in line and line.strip().startswith("100"))
    assert row.split()[-4:] == ["100", "20", "0.20", "10"]
    assert "µs" not in table and "ns" not in table.replace("requests", "")
    assert load_table(results) == load_table(compare_load([10, 100], clients=10))


def test_modes_and_labels() -> None:
    assert [m.label for m in DEFAULT_MODES] == ["none", "denylist", "introspect",
                                                "introspect, cache 60 s"]
    assert [m.local for m in DEFAULT_MODES] == [True, True, False, False]
    assert str(LoadMode("introspect", 0.5)) == "introspect, cache 0.5 s"


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"requests": 0}, ValueError), ({"requests": -1}, ValueError), ({"requests": 2.0}, TypeError),
    ({"requests": True}, TypeError), ({"requests": "10"}, TypeError),
    ({"requests": 5, "clients": 0}, ValueError), ({"requests": 5, "clients": None}, TypeError),
    ({"requests": 5, "revocation": "cache"}, ValueError),
    ({"requests": 5, "revocation": "none", "cache_ttl": 60}, ValueError),
    ({"requests": 5, "revocation": "introspect", "cache_ttl": -1}, ValueError),
    ({"requests": 5, "revocation": "introspect", "cache_ttl": math.inf}, ValueError),
    ({"requests": 5, "revocation": "introspect", "cache_ttl": True}, ValueError),
    ({"requests": 5, "revocation": LoadMode("introspect"), "cache_ttl": 5}, ValueError),
    ({"requests": 5, "interval": 0}, ValueError), ({"requests": 5, "interval": math.nan}, ValueError),
])
def test_bad_arguments_are_refused(kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        run_load(**kwargs)


def test_bad_grids_are_refused() -> None:
    with pytest.raises(ValueError):
        compare_load([], clients=1)
    with pytest.raises(ValueError):
        compare_load([5], [], clients=1)
    with pytest.raises(TypeError):
        load_series(["not a result"])  # type: ignore[list-item]


def test_the_load_module_stays_light() -> None:
    code = ("import sys, tokenlab.course.load; print(','.join(m for m in ('matplotlib', 'numpy', "
            "'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
