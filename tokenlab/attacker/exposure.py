"""Exposure in numbers: how long a stolen access token stays usable, over many thefts.

A Monte Carlo of N thefts, vectorised with numpy (imported when a simulation runs, never when
this module is imported). Every time is in **seconds**. Per theft:

1. **The token.** It lives ``ttl`` seconds, from issue to ``exp``.
2. **The theft.** It is stolen at age ``a``: uniform over its life, ``[0, ttl)``, unless
   ``stolen_at`` gives another distribution (:class:`Fixed`, :class:`Uniform`,
   :class:`Exponential`). It has ``R = max(ttl - a, 0)`` seconds left: a token stolen after its
   ``exp`` is worth nothing.
3. **The detection.** ``detected_after`` is the delay ``d`` from the theft to the moment the
   defender notices and revokes the token at the authorization server: ``None`` (never), or a
   distribution — :class:`Fixed` (``Fixed(0)``: at once) or :class:`Exponential` with a mean.
4. **What the API makes of the revocation** (``revocation``):

   - ``"none"``: a stateless API checks the signature and ``exp`` only. Revoking changes
     nothing: the window is ``R``.
   - ``"denylist"``: the API reads revocations from a store it shares with the authorization
     server, so the token is refused from the revocation on: ``min(R, d)``.
   - ``"introspect"`` with a cache of ``cache_ttl = C`` seconds: the API asks the authorization
     server (RFC 7662) and keeps an ``active`` answer for C seconds. When the revocation lands,
     the API last asked ``φ`` seconds earlier, so its cached "active" runs out ``C - φ`` seconds
     after the revocation: ``min(R, d + C - φ)``. ``φ`` is uniform on ``[0, min(C, A))``, ``A =
     a + d`` the token's age at the revocation: steady traffic with a phase that has nothing to
     do with the theft, but the API cannot have asked before the token was issued — a token
     revoked younger than C is refused no earlier than C after its issue, and with ``C ≥ ttl``
     the cache outlives every token (no better than ``"none"``). With ``C = 0`` this is the
     denylist.
5. **DPoP** (``dpop=True``, RFC 9449): the token is bound to the client's key, and a request
   with it needs a proof signed by that key. This models the theft of **the token only**: the
   window is 0 for every theft. An attacker who also takes the private key (malware on the
   device) is not modelled — for them the token is a bearer token again.

The attacker uses the token from the moment of the theft until the first refusal, so the
window is the time from theft to refusal (or to ``exp``). :meth:`TheftModel.simulate` returns
the N windows (:class:`ExposureWindows`) with their mean, median, 90th percentile and the share
of thefts with no window at all. Runs are seeded — a numpy ``Generator`` per random quantity,
spawned from one seed — so a notebook's numbers and plots are the same on every run.
:meth:`TheftModel.simulate_loop` is the same model as a plain Python loop over
:meth:`TheftModel.window_of` (the reference; ``make bench`` measures the speed-up over it).

    >>> from tokenlab.attacker import Exponential, simulate_thefts
    >>> w = simulate_thefts(100_000, ttl=300, detected_after=Exponential(120),
    ...                     revocation="introspect", cache_ttl=60, seed=1)
    >>> w.stats.median < w.stats.p90 <= 300
    True
"""

from __future__ import annotations

import difflib
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..clock import format_duration

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

__all__ = ["MAX_THEFTS", "REVOCATION_MODES", "Delay", "Exponential", "ExposureWindows", "Fixed",
           "TheftModel", "Uniform", "WindowStats", "format_window", "simulate_thefts"]

#: How the API learns of a revocation: not at all, from a shared store, or by asking (cached).
REVOCATION_MODES = ("none", "denylist", "introspect")
#: The most thefts one run simulates (8 bytes each, kept in the result).
MAX_THEFTS = 10_000_000
#: Thefts simulated per step of :meth:`TheftModel.simulate` (a few arrays of this size fit in
#: the CPU's cache: a third faster than whole-run arrays, with the same windows).
CHUNK = 1 << 16

_DELAY_HINT = ("e.g. detected_after=Fixed(60) for exactly a minute, or "
               "detected_after=Exponential(mean=3600) for an hour on average")


def _numpy() -> Any:
    try:
        import numpy  # lazily: `import tokenlab.attacker` stays free of numpy
    except ImportError as exc:  # pragma: no cover - the lab extra brings it (with matplotlib)
        raise ImportError("the exposure Monte Carlo needs numpy, which comes with the notebooks' "
                          "extra: pip install 'tokenlab[lab]'") from exc
    return numpy


def _number(value: object, what: str) -> float:
    """``value`` as a finite float, or a ValueError that starts with ``what`` it should be."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: a number, not {type(value).__name__} (got {value!r})")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} (got {value!r})")
    return number


def _duration(seconds: float) -> str:
    """A parameter for people: ``'45 s'``, ``'0.5 s'``, ``'2 min'``, ``'1 h 30 min'``."""
    return f"{seconds:g} s" if seconds < 60 else format_duration(seconds)


def format_window(seconds: float) -> str:
    """A window for people: one decimal under a minute (``'36.0 s'``), else whole seconds
    (``'1 min 11 s'``)."""
    return f"{seconds:.1f} s" if seconds < 60 else format_duration(round(seconds))


# -- distributions of a delay or an age -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Fixed:
    """Always the same number of seconds (``Fixed(0)``: at once)."""

    seconds: float

    def __post_init__(self) -> None:
        value = _number(self.seconds, "Fixed(seconds) takes a delay in seconds, >= 0")
        if value < 0:
            raise ValueError(f"Fixed(seconds) takes a delay in seconds, >= 0 (got {self.seconds!r})")
        object.__setattr__(self, "seconds", value)

    def sample(self, rng: random.Random) -> float:
        return self.seconds

    def fill(self, gen: np.random.Generator, out: NDArray[np.float64]) -> None:
        out.fill(self.seconds)

    @property
    def largest(self) -> float:
        return self.seconds

    def describe(self) -> str:
        return _duration(self.seconds)


@dataclass(frozen=True, slots=True)
class Uniform:
    """Any number of seconds between ``low`` and ``high``, all equally likely."""

    low: float
    high: float

    def __post_init__(self) -> None:
        what = "Uniform(low, high) takes seconds with 0 <= low <= high"
        low, high = _number(self.low, what), _number(self.high, what)
        if not 0 <= low <= high:
            raise ValueError(f"{what} (got low={self.low!r}, high={self.high!r})")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def sample(self, rng: random.Random) -> float:
        return self.low + (self.high - self.low) * rng.random()

    def fill(self, gen: np.random.Generator, out: NDArray[np.float64]) -> None:
        gen.random(out=out)
        out *= self.high - self.low
        out += self.low

    @property
    def largest(self) -> float:
        return self.high

    def describe(self) -> str:
        return f"uniform, {_duration(self.low)} to {_duration(self.high)}"


@dataclass(frozen=True, slots=True)
class Exponential:
    """A random delay with the given ``mean`` in seconds: often short, sometimes long (the
    waiting time of events that come at a steady rate, 1/mean per second)."""

    mean: float

    def __post_init__(self) -> None:
        what = "Exponential(mean) takes the mean delay in seconds, > 0"
        value = _number(self.mean, what)
        if value <= 0:
            raise ValueError(f"{what}; use Fixed(0) for an immediate detection "
                             f"(got mean={self.mean!r})")
        object.__setattr__(self, "mean", value)

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1 / self.mean)

    def fill(self, gen: np.random.Generator, out: NDArray[np.float64]) -> None:
        gen.standard_exponential(out=out)
        out *= self.mean

    @property
    def largest(self) -> float:
        return math.inf

    def describe(self) -> str:
        return f"exponential, mean {_duration(self.mean)}"


#: A distribution of seconds: an age at theft or a detection delay.
Delay = Fixed | Uniform | Exponential


# -- the model ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TheftModel:
    """The parameters of one Monte Carlo (see the module's docstring for the model).

    ``ttl``: the access token's lifetime, s. ``stolen_at``: its age when stolen (``None``:
    uniform over its life). ``detected_after``: delay from theft to revocation (``None``:
    never). ``revocation``: one of :data:`REVOCATION_MODES`. ``cache_ttl``: how long the API
    keeps an introspection answer, s (``"introspect"`` only). ``dpop``: the token is bound to
    a key the attacker does not have. Bad values raise :class:`ValueError` saying what to give.
    """

    ttl: float
    stolen_at: Delay | None = None
    detected_after: Delay | None = None
    revocation: str = "none"
    cache_ttl: float = 0.0
    dpop: bool = False

    def __post_init__(self) -> None:
        ttl = _number(self.ttl, "ttl is the access token's lifetime in seconds, > 0, "
                      "e.g. ttl=300 for 5 minutes")
        if ttl <= 0:
            raise ValueError(f"ttl is the access token's lifetime in seconds, > 0, e.g. ttl=300 "
                             f"for 5 minutes (got {self.ttl!r})")
        object.__setattr__(self, "ttl", ttl)
        for name in ("stolen_at", "detected_after"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Fixed | Uniform | Exponential):
                none, example = (("uniform over its life", "e.g. stolen_at=Fixed(0) for a token "
                                  "stolen as it is issued") if name == "stolen_at"
                                 else ("never detected", _DELAY_HINT))
                raise ValueError(f"{name} is None ({none}) or a distribution of seconds: Fixed, "
                                 f"Uniform or Exponential; {example} (got {value!r})")
        # An exponential age has no upper end: the thefts past exp simply get a window of 0.
        if isinstance(self.stolen_at, Fixed | Uniform) and self.stolen_at.largest > ttl:
            raise ValueError(f"stolen_at={self.stolen_at!r} reaches past the TTL of "
                             f"{_duration(ttl)}: a token that old is already expired and worth "
                             f"nothing; keep the age at theft within 0..ttl")
        if self.revocation not in REVOCATION_MODES:
            close = difflib.get_close_matches(str(self.revocation).lower(), REVOCATION_MODES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"revocation must be one of 'none', 'denylist', 'introspect' "
                             f"(got {self.revocation!r}){hint}")
        what = ("cache_ttl is how long the API keeps an introspection answer, in seconds, >= 0 "
                "(0: it asks on every request)")
        cache = _number(self.cache_ttl, what)
        if cache < 0:
            raise ValueError(f"{what} (got {self.cache_ttl!r})")
        if cache and self.revocation != "introspect":
            raise ValueError(f"cache_ttl only applies to revocation='introspect' (an API that "
                             f"asks the authorization server); with revocation="
                             f"{self.revocation!r} leave it at 0 (got {self.cache_ttl!r})")
        object.__setattr__(self, "cache_ttl", cache)
        if not isinstance(self.dpop, bool):
            raise ValueError(f"dpop is True or False: whether the token is bound to a key the "
                             f"attacker does not have (got {self.dpop!r})")

    @property
    def label(self) -> str:
        """The parameters in words, e.g. ``'TTL 5 min; never detected; revocation: none'``."""
        parts = [f"TTL {_duration(self.ttl)}"]
        if self.stolen_at is not None:
            parts.append(f"stolen at age {self.stolen_at.describe()}")
        parts.append("never detected" if self.detected_after is None
                     else f"detected after {self.detected_after.describe()}")
        mode = f"revocation: {self.revocation}"
        if self.revocation == "introspect":
            mode += f", cache {_duration(self.cache_ttl)}"
        parts.append(mode)
        if self.dpop:
            parts.append("DPoP-bound (token stolen without its key)")
        return "; ".join(parts)

    def window_of(self, age: float, delay: float | None, phase: float) -> float:
        """The usable window of one theft, in seconds: the token stolen at ``age``, revoked
        ``delay`` seconds later (``None``: never), the API's cached introspection answer
        fetched ``phase`` seconds before the revocation (``"introspect"`` only; at most the
        cache time and the token's age at the revocation)."""
        if self.dpop:
            return 0.0  # every request needs a proof signed with the key the attacker lacks
        remaining = max(self.ttl - age, 0.0)
        if delay is None or self.revocation == "none":
            return remaining
        if self.revocation == "denylist":
            return min(remaining, delay)
        return min(remaining, delay + (self.cache_ttl - phase))  # once the cached "active" ends

    def simulate_loop(self, n: int, *, seed: int | None = 0) -> list[float]:
        """The same model as a plain Python loop (:mod:`random`, one theft at a time): the
        reference the vectorised :meth:`simulate` is checked and benchmarked against."""
        n, seed = _check_n(n), _check_seed(seed)
        rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret
        stolen_at = self.stolen_at if self.stolen_at is not None else Uniform(0.0, self.ttl)
        detected = self.detected_after is not None and self.revocation != "none"
        windows = []
        for _ in range(n):
            age = stolen_at.sample(rng)
            delay = self.detected_after.sample(rng) if detected else None  # type: ignore[union-attr]
            phase = (min(self.cache_ttl, age + delay) * rng.random()  # type: ignore[operator]
                     if detected and self.cache_ttl else 0.0)
            windows.append(self.window_of(age, delay, phase))
        return windows

    def simulate(self, n: int, *, seed: int | None = 0) -> ExposureWindows:
        """``n`` thefts at once (numpy): the same model as :meth:`window_of`, one array
        operation per step. ``seed``: the same seed gives the same windows (``None``: fresh
        randomness, not reproducible)."""
        n, seed = _check_n(n), _check_seed(seed)
        np = _numpy()
        # One generator per random quantity, so changing one distribution leaves the others'
        # draws as they were (a longer TTL or cache moves each window, never reshuffles them).
        theft, detection, cache = (np.random.default_rng(s)
                                   for s in np.random.SeedSequence(seed).spawn(3))
        windows = np.zeros(n) if self.dpop else np.empty(n)
        if self.dpop:  # every request needs a proof signed with the key the attacker lacks
            return ExposureWindows(self, windows, _owned=True)
        detected = self.detected_after is not None and self.revocation != "none"
        cached = detected and self.revocation == "introspect" and self.cache_ttl > 0
        size = min(n, CHUNK)
        refused, phase, asked = (np.empty(size), np.empty(size if cached else 0),
                                 np.empty(size if cached else 0))
        # In chunks, so the working arrays stay in the CPU's cache; a generator's draws are the
        # same whether taken at once or in pieces, so the windows do not depend on CHUNK.
        for start in range(0, n, CHUNK):
            window = windows[start:start + CHUNK]
            a = asked[:window.size]  # the age at theft, kept for the cache's phase
            if self.stolen_at is None:  # the default: R = ttl·(1 - u), u uniform on [0, 1)
                theft.random(out=window)
                if cached:
                    np.multiply(window, self.ttl, out=a)
                np.subtract(1.0, window, out=window)
                window *= self.ttl
            else:
                self.stolen_at.fill(theft, window)
                if cached:
                    np.copyto(a, window)
                np.subtract(self.ttl, window, out=window)
                np.maximum(window, 0.0, out=window)
            if not detected:
                continue
            r = refused[:window.size]
            self.detected_after.fill(detection, r)  # type: ignore[union-attr]
            if cached:  # φ = u·min(C, A), A = age + d; the cached "active" ends C - φ later
                c = phase[:window.size]
                cache.random(out=c)
                a += r
                np.minimum(a, self.cache_ttl, out=a)
                c *= a
                np.subtract(self.cache_ttl, c, out=c)
                r += c
            np.minimum(window, r, out=window)
        return ExposureWindows(self, windows, _owned=True)


def simulate_thefts(n: int, *, seed: int | None = 0, **parameters: Any) -> ExposureWindows:
    """``TheftModel(**parameters).simulate(n, seed=seed)``: the usual way in from a notebook."""
    return TheftModel(**parameters).simulate(n, seed=seed)


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_THEFTS:
        raise ValueError(f"n is the number of simulated thefts: a whole number >= 1 and at most "
                         f"{MAX_THEFTS:,}, e.g. n=100_000 (got {n!r})")
    return n


def _check_seed(seed: object) -> int | None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed is a whole number >= 0 (the same seed gives the same thefts), "
                         f"or None for fresh randomness (got {seed!r})")
    return seed


# -- the result ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WindowStats:
    """What a lesson states about the windows: how many thefts, and mean, median, 90th
    percentile and longest window in seconds; ``zero_share`` the share (0..1) of thefts that
    could not use the token at all."""

    n: int
    mean: float
    median: float
    p90: float
    zero_share: float
    longest: float

    def __str__(self) -> str:
        return (f"mean {format_window(self.mean)}, median {format_window(self.median)}, p90 "
                f"{format_window(self.p90)}; {self.zero_share * 100:.1f} % of thefts: no window")


class ExposureWindows:
    """The attacker's usable window of each simulated theft, in seconds (``seconds``: a
    read-only float array), the :class:`TheftModel` that made them, and their :attr:`stats`."""

    __slots__ = ("_sorted", "_stats", "model", "seconds")

    def __init__(self, model: TheftModel, seconds: ArrayLike, *, _owned: bool = False) -> None:
        np = _numpy()
        if not isinstance(model, TheftModel):
            raise ValueError(f"model is the TheftModel that made the windows, not "
                             f"{type(model).__name__}")
        values = np.asarray(seconds, dtype=np.float64) if _owned else np.array(seconds,
                                                                                 dtype=np.float64)
        if values.ndim != 1 or not values.size:
            raise ValueError("seconds is a flat, non-empty sequence of windows in seconds")
        if not _owned and not (np.isfinite(values).all() and (values >= 0).all()):
            raise ValueError("a window is a finite number of seconds >= 0")
        values.setflags(write=False)
        self.model = model
        self.seconds: NDArray[np.float64] = values
        self._stats: WindowStats | None = None
        self._sorted: NDArray[np.float64] | None = None

    @property
    def n(self) -> int:
        return int(self.seconds.size)

    @property
    def stats(self) -> WindowStats:
        """Mean, median, p90 (numpy's default linear interpolation), share with no window."""
        if self._stats is None:
            np = _numpy()
            w = self.seconds
            median, p90 = np.percentile(w, [50, 90])
            self._stats = WindowStats(self.n, float(w.mean()), float(median), float(p90),
                                      (self.n - int(np.count_nonzero(w))) / self.n, float(w.max()))
        return self._stats

    def sorted(self) -> NDArray[np.float64]:
        """The windows in increasing order (computed once, read-only)."""
        if self._sorted is None:
            s = _numpy().sort(self.seconds)
            s.setflags(write=False)
            self._sorted = s
        return self._sorted

    def cdf(self, x: ArrayLike) -> Any:
        """The share of thefts whose window is at most ``x`` seconds (a float for a number, an
        array for an array)."""
        np = _numpy()
        found = np.searchsorted(self.sorted(), x, side="right") / self.n
        return float(found) if np.ndim(found) == 0 else found

    def __str__(self) -> str:
        return f"{self.n:,} thefts ({self.model.label}): {self.stats}"

    def __repr__(self) -> str:
        return f"ExposureWindows({self.n:,} thefts; {self.model.label})"
