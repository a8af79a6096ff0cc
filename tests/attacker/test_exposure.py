"""The exposure Monte Carlo against closed forms, against its own plain-Python loop, and against
the orderings any correct model must keep.

Tolerances. A sample mean of N windows lies within 5 standard errors of its expectation, 5·sd/√N
(sd: the standard deviation of one window), except with probability below 10⁻⁶. When the exact
sd is not at hand, it is bounded by Popoviciu's inequality: a quantity confined to [0, M] has
sd ≤ M/2, so the tolerance used is
5·(M/2)/√N — e.g. 1.68 s on a mean of 150 s for M = TTL = 300 s, N = 200,000. A sample
p-quantile of a density f has standard error √(p(1-p)/N)/f(q); for a uniform window on [0, T],
f = 1/T. The runs are seeded, so each test is deterministic; the tolerance is what makes the
claim true for any seed, not a fudge for this one.
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.attacker import (
    REVOCATION_MODES,
    Exponential,
    ExposureWindows,
    Fixed,
    TheftModel,
    Uniform,
    simulate_thefts,
)

N = 200_000
Z = 5.0  # standard errors


def tolerance(bound: float, n: int = N) -> float:
    """5 standard errors of a mean of ``n`` values confined to [0, bound] (Popoviciu)."""
    return Z * (bound / 2) / math.sqrt(n)


# -- closed forms ---------------------------------------------------------------------------------

@pytest.mark.parametrize("revocation", REVOCATION_MODES)
def test_uniform_theft_never_detected_mean_window_is_half_the_ttl(revocation: str) -> None:
    """Stolen at a uniform age, never detected: the window is the remaining life, U(0, T):
    mean T/2, median T/2, p90 0.9·T, whatever the API's revocation mode."""
    ttl = 300.0
    cache = 60.0 if revocation == "introspect" else 0.0
    w = simulate_thefts(N, ttl=ttl, revocation=revocation, cache_ttl=cache, seed=1)
    stats = w.stats
    assert stats.n == N
    assert abs(stats.mean - ttl / 2) <= Z * (ttl / math.sqrt(12)) / math.sqrt(N)  # exact sd: T/√12
    for p, value in ((0.5, stats.median), (0.9, stats.p90)):
        se = ttl * math.sqrt(p * (1 - p) / N)
        assert abs(value - p * ttl) <= Z * se, (p, value)
    assert stats.zero_share == 0.0
    assert w.seconds.min() > 0 and w.seconds.max() <= ttl


def test_stateless_api_ignores_the_detection() -> None:
    """revocation="none": revoking at the authorization server changes nothing at a stateless
    API, so an immediate detection still leaves the whole remaining life (mean T/2)."""
    ttl = 600.0
    w = simulate_thefts(N, ttl=ttl, detected_after=Fixed(0), revocation="none", seed=2)
    assert abs(w.stats.mean - ttl / 2) <= tolerance(ttl)


def test_immediate_detection_with_a_denylist_leaves_no_window() -> None:
    w = simulate_thefts(N, ttl=3600, detected_after=Fixed(0), revocation="denylist", seed=3)
    assert not w.seconds.any()
    assert (w.stats.mean, w.stats.median, w.stats.p90, w.stats.zero_share) == (0, 0, 0, 1.0)


@pytest.mark.parametrize("age", [60.0, 100.0, 240.0])
def test_introspection_cache_with_immediate_detection_mean_is_half_the_cache(age: float) -> None:
    """Exact form: window = min(R, C - φ) with φ ~ U(0, min(C, A)), A = a + d the token's age at
    the revocation, and R = T - a the remaining life. Stolen at a fixed age a ≥ C with R ≥ C the
    min never binds: window ~ U(0, C], mean C/2."""
    ttl, cache = 300.0, 60.0
    assert ttl - age >= cache and age >= cache
    w = simulate_thefts(N, ttl=ttl, stolen_at=Fixed(age), detected_after=Fixed(0),
                        revocation="introspect", cache_ttl=cache, seed=4)
    assert abs(w.stats.mean - cache / 2) <= Z * (cache / math.sqrt(12)) / math.sqrt(N)
    assert w.seconds.max() <= cache and w.stats.zero_share == 0.0


def test_the_api_cannot_have_asked_before_the_token_existed() -> None:
    """Stolen as it is issued and revoked at once (A = 0): the API's only answer is from that
    moment, so the cached "active" lasts the whole cache time — the window is exactly C."""
    w = simulate_thefts(N, ttl=300, stolen_at=Fixed(0), detected_after=Fixed(0),
                        revocation="introspect", cache_ttl=60, seed=4)
    assert w.seconds.min() == w.seconds.max() == 60


@pytest.mark.parametrize(("ttl", "cache"), [(300.0, 60.0), (300.0, 150.0), (300.0, 300.0),
                                            (900.0, 1800.0), (60.0, 300.0)])
def test_introspection_cache_with_uniform_theft_keeps_the_min_with_the_remaining_life(
        ttl: float, cache: float) -> None:
    """Stolen at a uniform age a, revoked at once: the cached answer was fetched φ ~ U(0, min(C, a))
    before (never before the token's issue), so it lasts X = C - φ more, and the window is
    min(T - a, X). For C ≤ T/2: thefts at a < C give X ~ U(C - a, C], mean C - a/2, never cut
    by R; thefts at a ≥ C give X ~ U(0, C] against R = T - a: ∫ = 3C²/4 + C(T - 2C)/2 + C²/3,
    so the mean is C/2 + C²/(12T). For C ≥ T: X > C - a ≥ T - a = R, the cache always outlives
    the token, and the mean is T/2 — no better than no revocation at all."""
    assert cache <= ttl / 2 or cache >= ttl
    expected = cache / 2 + cache**2 / (12 * ttl) if cache <= ttl / 2 else ttl / 2
    w = simulate_thefts(N, ttl=ttl, detected_after=Fixed(0), revocation="introspect",
                        cache_ttl=cache, seed=5)
    assert abs(w.stats.mean - expected) <= tolerance(min(ttl, cache))


def test_exponential_detection_with_a_denylist_matches_its_closed_form() -> None:
    """R ~ U(0, T), D ~ Exp(mean μ): E[min(R, D)] = ∫₀^T (1 - x/T) e^(-x/μ) dx
    = μ - (μ²/T)(1 - e^(-T/μ))."""
    ttl, mu = 900.0, 300.0
    expected = mu - mu**2 / ttl * (1 - math.exp(-ttl / mu))
    w = simulate_thefts(N, ttl=ttl, detected_after=Exponential(mu), revocation="denylist", seed=6)
    assert abs(w.stats.mean - expected) <= tolerance(ttl)


@pytest.mark.parametrize("revocation", REVOCATION_MODES)
def test_dpop_bound_token_stolen_without_its_key_has_no_window(revocation: str) -> None:
    w = simulate_thefts(10_000, ttl=86400, revocation=revocation,
                        cache_ttl=300 if revocation == "introspect" else 0, dpop=True, seed=7)
    assert not w.seconds.any() and w.stats.zero_share == 1.0


def test_a_token_stolen_after_it_expired_is_worth_nothing() -> None:
    """An exponential age at theft can pass the TTL: those thefts get a window of 0, and the
    share is P(age ≥ T) = e^(-T/mean)."""
    ttl, mean = 300.0, 300.0
    w = simulate_thefts(N, ttl=ttl, stolen_at=Exponential(mean), seed=8)
    p = math.exp(-ttl / mean)
    assert abs(w.stats.zero_share - p) <= Z * math.sqrt(p * (1 - p) / N)


def test_introspection_without_a_cache_is_a_denylist() -> None:
    """C = 0: the API asks on every request, so it sees the revocation at once — the same
    windows, draw for draw, as the denylist."""
    args = {"ttl": 300, "detected_after": Exponential(45)}
    a = simulate_thefts(5_000, revocation="denylist", seed=9, **args)
    b = simulate_thefts(5_000, revocation="introspect", cache_ttl=0, seed=9, **args)
    assert np.array_equal(a.seconds, b.seconds)


# -- the plain-Python loop: the same model ---------------------------------------------------------

LOOP_N = 40_000

LOOP_CASES = [
    (TheftModel(ttl=300), 150.0, 300.0),
    (TheftModel(ttl=900, detected_after=Exponential(300), revocation="denylist"),
     300 - 300**2 / 900 * (1 - math.exp(-3)), 900.0),
    (TheftModel(ttl=300, stolen_at=Fixed(100), detected_after=Fixed(0), revocation="introspect",
                cache_ttl=60), 30.0, 60.0),
    (TheftModel(ttl=300, detected_after=Fixed(0), revocation="introspect", cache_ttl=60),
     30 + 60**2 / (12 * 300), 60.0),
    (TheftModel(ttl=300, stolen_at=Uniform(0, 100), detected_after=Fixed(50),
                revocation="denylist"), 50.0, 50.0),
    (TheftModel(ttl=300, dpop=True), 0.0, 0.0),
]


@pytest.mark.parametrize(("model", "expected", "bound"), LOOP_CASES,
                         ids=[m.label for m, _, _ in LOOP_CASES])
def test_vectorised_and_plain_loop_agree_on_the_expectation(
        model: TheftModel, expected: float, bound: float) -> None:
    """Different random numbers (numpy's generators vs :mod:`random`), the same model: both
    means land within 5 standard errors of the closed form, and of each other."""
    vectorised = model.simulate(N, seed=10).stats.mean
    loop = model.simulate_loop(LOOP_N, seed=10)
    assert len(loop) == LOOP_N and all(isinstance(x, float) for x in loop[:10])
    loop_mean = sum(loop) / LOOP_N
    assert abs(vectorised - expected) <= tolerance(bound)
    assert abs(loop_mean - expected) <= tolerance(bound, LOOP_N)
    assert abs(vectorised - loop_mean) <= math.hypot(tolerance(bound), tolerance(bound, LOOP_N))
    assert min(loop) >= 0 and max(loop) <= model.ttl


def test_one_theft_by_the_formula() -> None:
    """The rule of each mode, on numbers a reader can check: stolen at 100 s of a 300 s token
    (200 s left), detected 50 s later, the API's cached answer fetched 20 s before the
    revocation with a cache of 60 s (so it runs out 40 s after it)."""
    def w(**kw: object) -> float:
        return TheftModel(ttl=300, detected_after=Fixed(50), **kw).window_of(  # type: ignore[arg-type]
            100, 50, 20)

    assert w(revocation="none") == 200
    assert w(revocation="denylist") == 50
    assert w(revocation="introspect", cache_ttl=60) == 90
    assert w(revocation="introspect", cache_ttl=60, dpop=True) == 0
    model = TheftModel(ttl=300, revocation="denylist")
    assert model.window_of(100, None, 0) == 200  # never detected
    assert model.window_of(250, 80, 0) == 50  # expiry comes first
    assert model.window_of(400, 0, 0) == 0  # stolen after expiry


# -- orderings, over any parameters (hypothesis) --------------------------------------------------

seconds = st.floats(min_value=1, max_value=86400, allow_nan=False)
delays = st.one_of(st.none(), st.builds(Fixed, st.floats(0, 7200)),
                   st.builds(Exponential, st.floats(0.5, 7200)))
modes = st.sampled_from(REVOCATION_MODES)
caches = st.floats(0, 3600)
seeds = st.integers(0, 2**32)

SMALL = 2_000


def model_of(ttl: float, delay: object, mode: str, cache: float, dpop: bool = False) -> TheftModel:
    return TheftModel(ttl=ttl, detected_after=delay, revocation=mode,  # type: ignore[arg-type]
                      cache_ttl=cache if mode == "introspect" else 0, dpop=dpop)


@settings(max_examples=60, deadline=None)
@given(seconds, seconds, delays, modes, caches, seeds)
def test_a_longer_ttl_never_shrinks_the_window(t1: float, t2: float, delay: object, mode: str,
                                                cache: float, seed: int) -> None:
    """The same thefts (the same ages, within the shorter life) of a longer-lived token are
    usable at least as long. (Over the whole life the thefts of a longer-lived token happen at
    other ages: an introspecting API's answer may then be older, so its mean window can be a
    little shorter — C/2 + C²/(12T) falls with T.)"""
    short, long = sorted((t1, t2))
    ages = Uniform(0.0, short)
    a = replace(model_of(short, delay, mode, cache), stolen_at=ages).simulate(SMALL, seed=seed)
    b = replace(model_of(long, delay, mode, cache), stolen_at=ages).simulate(SMALL, seed=seed)
    assert (a.seconds <= b.seconds).all()  # theft by theft, hence the mean, median and p90
    assert a.stats.mean <= b.stats.mean and a.stats.p90 <= b.stats.p90


@settings(max_examples=60, deadline=None)
@given(seconds, st.floats(0.5, 7200), st.floats(0.5, 7200), modes, caches, seeds)
def test_a_later_detection_never_shrinks_the_window(ttl: float, m1: float, m2: float, mode: str,
                                                    cache: float, seed: int) -> None:
    early, late = sorted((m1, m2))
    for kind in (Fixed, Exponential):
        a = model_of(ttl, kind(early), mode, cache).simulate(SMALL, seed=seed)
        b = model_of(ttl, kind(late), mode, cache).simulate(SMALL, seed=seed)
        never = model_of(ttl, None, mode, cache).simulate(SMALL, seed=seed)
        assert (a.seconds <= b.seconds).all() and (b.seconds <= never.seconds).all()


@settings(max_examples=60, deadline=None)
@given(seconds, delays, caches, caches, seeds)
def test_a_longer_cache_never_shrinks_the_window(ttl: float, delay: object, c1: float, c2: float,
                                                 seed: int) -> None:
    small, large = sorted((c1, c2))
    a = model_of(ttl, delay, "introspect", small).simulate(SMALL, seed=seed)
    b = model_of(ttl, delay, "introspect", large).simulate(SMALL, seed=seed)
    assert (a.seconds <= b.seconds).all()


@settings(max_examples=60, deadline=None)
@given(seconds, delays, caches, seeds)
def test_denylist_then_introspection_then_nothing_then_dpop(ttl: float, delay: object,
                                                            cache: float, seed: int) -> None:
    """Theft by theft: DPoP (0) ≤ denylist ≤ introspection with a cache ≤ a stateless API."""
    run = {mode: model_of(ttl, delay, mode, cache).simulate(SMALL, seed=seed).seconds
           for mode in REVOCATION_MODES}
    dpop = model_of(ttl, delay, "none", 0, dpop=True).simulate(SMALL, seed=seed).seconds
    assert (dpop == 0).all()
    assert (run["denylist"] <= run["introspect"]).all()
    assert (run["introspect"] <= run["none"]).all()
    assert ((run["none"] >= 0) & (run["none"] <= ttl)).all()


# -- seeds, results, summaries --------------------------------------------------------------------

def test_the_same_seed_gives_the_same_windows_and_another_seed_others() -> None:
    model = TheftModel(ttl=300, detected_after=Exponential(60), revocation="introspect",
                       cache_ttl=30)
    a, b, c = model.simulate(1000, seed=1), model.simulate(1000, seed=1), model.simulate(1000, seed=2)
    assert np.array_equal(a.seconds, b.seconds) and str(a) == str(b)
    assert not np.array_equal(a.seconds, c.seconds)
    assert model.simulate_loop(50, seed=1) == model.simulate_loop(50, seed=1)


def test_the_windows_cannot_be_changed_behind_the_summary() -> None:
    w = simulate_thefts(100, ttl=60, seed=1)
    with pytest.raises(ValueError, match="read-only"):
        w.seconds[0] = 1e9


def test_summary_and_cdf() -> None:
    w = ExposureWindows(TheftModel(ttl=100, revocation="denylist"),
                        np.array([0.0, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0]))
    s = w.stats
    assert (s.n, s.mean, s.median, s.zero_share, s.longest) == (10, 36.0, 35.0, 0.2, 80.0)
    assert s.p90 == pytest.approx(71.0)  # numpy's linear interpolation between 70 and 80
    assert w.cdf(0) == 0.2 and w.cdf(35) == 0.5 and w.cdf(80) == 1.0 and w.cdf(-1) == 0.0
    assert list(w.cdf([0, 80])) == [0.2, 1.0]
    text = str(s)
    assert "mean 36.0 s" in text and "median 35.0 s" in text
    assert "p90 1 min 11 s" in text  # a minute or more: whole seconds
    assert "20.0 % of thefts: no window" in text


def test_what_a_notebook_prints_is_short_and_stable() -> None:
    w = simulate_thefts(10_000, ttl=300, detected_after=Exponential(120), revocation="introspect",
                        cache_ttl=60, seed=1)
    assert repr(w) == f"ExposureWindows(10,000 thefts; {w.model.label})"
    assert w.model.label == ("TTL 5 min; detected after exponential, mean 2 min; "
                             "revocation: introspect, cache 1 min")
    assert str(w).startswith("10,000 thefts (TTL 5 min; ") and "median" in str(w)
    assert TheftModel(ttl=90, dpop=True).label == (
        "TTL 1 min 30 s; never detected; revocation: none; DPoP-bound (token stolen without its key)")
    assert TheftModel(ttl=60, stolen_at=Fixed(0)).label.startswith("TTL 1 min; stolen at age 0 s")


# -- bad parameters: a message a beginner can act on ----------------------------------------------

@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"ttl": 0}, "ttl is the access token's lifetime in seconds"),
    ({"ttl": -5}, "got -5"),
    ({"ttl": float("nan")}, "ttl is the access token's lifetime"),
    ({"ttl": float("inf")}, "ttl is the access token's lifetime"),
    ({"ttl": "300"}, "a number, not str"),
    ({"ttl": True}, "a number, not bool"),
    ({"revocation": "deny"}, "revocation must be one of 'none', 'denylist', 'introspect'"),
    ({"revocation": "Denylist"}, "did you mean 'denylist'"),
    ({"revocation": "denylist", "cache_ttl": 60}, "cache_ttl only applies to revocation='introspect'"),
    ({"revocation": "introspect", "cache_ttl": -1}, "cache_ttl is how long the API keeps"),
    ({"detected_after": 60}, "detected_after=Fixed(60)"),
    ({"detected_after": "1 h"}, "detected_after=Exponential(mean=3600)"),
    ({"stolen_at": Fixed(400)}, "already expired"),
    ({"stolen_at": Uniform(0, 600)}, "already expired"),
    ({"dpop": "yes"}, "dpop is True or False"),
])
def test_bad_parameters_say_what_to_do(kwargs: dict[str, object], fragment: str) -> None:
    args = {"ttl": 300, **kwargs}
    with pytest.raises(ValueError, match=None) as info:
        TheftModel(**args)  # type: ignore[arg-type]
    assert fragment in str(info.value)


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: Fixed(-1), "a delay in seconds, >= 0"),
    (lambda: Exponential(0), "use Fixed(0) for an immediate detection"),
    (lambda: Exponential(-3), "the mean delay in seconds, > 0"),
    (lambda: Uniform(10, 5), "low <= high"),
    (lambda: Uniform(-1, 5), "low <= high"),
    (lambda: Fixed(float("inf")), "a delay in seconds"),
])
def test_bad_distributions_say_what_to_do(make: object, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        make()  # type: ignore[operator]
    assert fragment in str(info.value)


@pytest.mark.parametrize(("n", "fragment"), [
    (0, "n is the number of simulated thefts"), (-1, "got -1"), (2.5, "a whole number"),
    (True, "a whole number"), (10**9, "at most 10,000,000"),
])
def test_bad_number_of_thefts(n: object, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        TheftModel(ttl=300).simulate(n)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    with pytest.raises(ValueError):
        TheftModel(ttl=300).simulate_loop(n)  # type: ignore[arg-type]


def test_bad_seed() -> None:
    with pytest.raises(ValueError, match="seed is a whole number >= 0"):
        TheftModel(ttl=300).simulate(10, seed=-1)
    with pytest.raises(ValueError, match="seed is a whole number >= 0"):
        TheftModel(ttl=300).simulate(10, seed="x")  # type: ignore[arg-type]


def test_the_attacker_package_imports_no_numpy_matplotlib_or_jupyter() -> None:
    """numpy is imported when a simulation runs, not when the package is imported."""
    code = ("import sys, tokenlab.attacker; heavy = [m for m in ('numpy', 'matplotlib', "
            "'ipywidgets', 'IPython') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_larger_run_extends_a_smaller_one_across_chunks() -> None:
    """The same seed draws the same sequence, whatever the size and the chunking: the first
    70,000 windows of a 150,000-theft run are the 70,000-theft run (CHUNK is 65,536)."""
    from tokenlab.attacker.exposure import CHUNK

    assert CHUNK < 70_000
    for model in (TheftModel(ttl=300, detected_after=Exponential(120), revocation="introspect",
                             cache_ttl=60),
                  TheftModel(ttl=300, stolen_at=Uniform(0, 200), detected_after=Fixed(30),
                             revocation="denylist")):
        small, large = model.simulate(70_000, seed=5), model.simulate(150_000, seed=5)
        assert np.array_equal(large.seconds[:70_000], small.seconds)
