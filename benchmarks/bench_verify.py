"""Verifying an access token: ``ResourceServer.verify`` against bare PyJWT doing the same checks.

For each algorithm a seeded :class:`~tokenlab.AuthServer` issues many distinct tokens (several
clients, several scope sets). Then, in the same process, for R rounds:

- **baseline** — ``jwt.decode_complete(token, key, algorithms=[alg], audience=..., issuer=...,
  leeway=0, options={"require": [the RFC 9068 claims]})`` with all of PyJWT's own checks on
  (signature, exp, nbf, iat, iss, aud, sub, jti), followed by what tokenlab checks and PyJWT
  cannot: ``typ`` is ``at+jwt`` (case-insensitive), the header's ``kid`` names the key in a
  dict of trusted keys, and ``scope`` contains the scope the request needs;
- **tokenlab** — ``api.verify(token, scope="weather:read")``.

Each round times the whole batch of tokens once with each (the order alternates every round),
with the garbage collector off during a batch. Reported: the median per-call time of each and the
median of the per-round ratios tokenlab / baseline.

PyJWT compares ``exp``/``iat``/``nbf`` with the wall clock, while tokenlab uses its injected clock.
So that the baseline can run PyJWT's *full* checks, the :class:`~tokenlab.SimClock` starts an hour
before the real time (not at the course's 2030 epoch, where ``iat`` would be in PyJWT's future and
fail with ``ImmatureSignatureError``), and tokens live six hours: both verifiers see every token as
issued in the past and not yet expired.

Run alone: ``python benchmarks/bench_verify.py [--quick]``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from benchlib import Row, ensure_repo_on_path, format_table, iqr, median

ensure_repo_on_path()

import jwt  # noqa: E402

from tokenlab import AuthServer, ResourceServer, SimClock, TokenError  # noqa: E402

__all__ = ["ALGORITHMS", "TARGETS", "Workload", "make_baseline", "make_workload", "run"]

ALGORITHMS = ("EdDSA", "ES256", "RS256", "HS256")
#: Largest acceptable median ratio tokenlab / baseline, per algorithm.
TARGETS = {"EdDSA": 1.3, "ES256": 1.3, "RS256": 1.5, "HS256": 1.5}

ISSUER = "https://auth.example"
AUDIENCE = "https://api.example"
REQUIRED_SCOPE = "weather:read"
#: RFC 9068 §2.2: what tokenlab requires; the baseline asks PyJWT to require the same.
REQUIRED_CLAIMS = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"]
#: Clients and the scope sets they ask for; every set includes REQUIRED_SCOPE.
CLIENTS: dict[str, list[str]] = {
    "weather-app": ["weather:read", "weather:read weather:write"],
    "dashboard": ["weather:read"],
    "alerts": ["weather:read alerts:write", "alerts:write weather:read"],
    "sync": ["weather:read weather:write history:read", "history:read weather:read"],
}

Verify = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class Workload:
    algorithm: str
    tokens: list[str]
    baseline: Verify
    tokenlab: Verify


def make_baseline(
    trusted: dict[str, Any], key: Any, algorithm: str, required_scope: str
) -> Verify:
    """Bare PyJWT plus the checks PyJWT cannot do, as a careful application would write them."""
    decode_complete = jwt.decode_complete
    algorithms = [algorithm]
    options: Any = {"require": REQUIRED_CLAIMS}

    def verify(token: str) -> dict[str, Any]:
        decoded = decode_complete(
            token, key, algorithms=algorithms, audience=AUDIENCE, issuer=ISSUER, leeway=0,
            options=options,
        )
        header = decoded["header"]
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() != "at+jwt":
            raise jwt.InvalidTokenError("typ is not at+jwt")
        # The key the token names must be the trusted key it was checked with.
        if trusted.get(header.get("kid")) is not key:
            raise jwt.InvalidTokenError("unknown kid")
        claims: dict[str, Any] = decoded["payload"]
        scope = claims.get("scope")
        if not isinstance(scope, str) or required_scope not in scope.split():
            raise jwt.InvalidTokenError("insufficient scope")
        return claims

    return verify


def make_workload(algorithm: str, n_tokens: int) -> Workload:
    """Issue ``n_tokens`` distinct tokens and check that both verifiers accept exactly them."""
    # An hour before now: iat is in the past for PyJWT's wall-clock checks too (see above).
    clock = SimClock(start=float(int(time.time()) - 3600))
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=1, algorithm=algorithm,
                      access_ttl=6 * 3600)
    api = ResourceServer(audience=AUDIENCE, auth=auth)
    requests: list[tuple[str, str | None, str]] = []
    for name, scope_sets in CLIENTS.items():
        allowed = sorted({s for scopes in scope_sets for s in scopes.split()})
        client = auth.register_client(name, scopes=allowed)
        requests += [(client.client_id, client.client_secret, scopes) for scopes in scope_sets]
    tokens = []
    for i in range(n_tokens):
        client_id, secret, scopes = requests[i % len(requests)]
        tokens.append(auth.client_credentials(client_id, secret, scope=scopes,
                                              resource=AUDIENCE).access_token)
        if i % 50 == 49:
            clock.advance(1)  # spread iat/exp over a few dozen seconds
    if len(set(tokens)) != len(tokens):
        raise RuntimeError("the tokens are not distinct")

    signing = auth.keys.current
    key = signing.verification._prepared
    baseline = make_baseline({signing.kid: key}, key, signing.algorithm, REQUIRED_SCOPE)
    contender = partial(api.verify, scope=REQUIRED_SCOPE)
    # Same answers on every token (this also warms both paths up) ...
    for token in tokens:
        if baseline(token) != dict(contender(token)):
            raise RuntimeError(f"{algorithm}: baseline and tokenlab disagree on a token's claims")
    # ... and both reject a token with a broken signature, or without the scope asked for.
    head, _, sig = tokens[0].rpartition(".")
    tampered = f"{head}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}"
    for bad, verifiers in (
        (tampered, (baseline, contender)),
        (tokens[0], (make_baseline({signing.kid: key}, key, signing.algorithm, "admin"),
                     partial(api.verify, scope="admin"))),
    ):
        for verify in verifiers:
            try:
                verify(bad)
            except (jwt.PyJWTError, TokenError):
                continue
            raise RuntimeError(f"{algorithm}: a bad token was accepted")
    return Workload(algorithm, tokens, baseline, contender)


def _time_batch(verify: Verify, tokens: Sequence[str]) -> int:
    """Nanoseconds to verify every token once, with the garbage collector off."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for token in tokens:
            verify(token)
        return time.perf_counter_ns() - start
    finally:
        gc.enable()


def measure(work: Workload, rounds: int) -> Row:
    n = len(work.tokens)
    base_us: list[float] = []
    cont_us: list[float] = []
    ratios: list[float] = []
    for r in range(rounds):
        if r % 2 == 0:
            b = _time_batch(work.baseline, work.tokens)
            c = _time_batch(work.tokenlab, work.tokens)
        else:
            c = _time_batch(work.tokenlab, work.tokens)
            b = _time_batch(work.baseline, work.tokens)
        base_us.append(b / n / 1000)
        cont_us.append(c / n / 1000)
        ratios.append(c / b)
    return Row(
        name=f"verify {work.algorithm}",
        baseline=median(base_us),
        contender=median(cont_us),
        unit="us",
        ratio=median(ratios),
        ratio_iqr=iqr(ratios),
        target=TARGETS[work.algorithm],
        rounds=rounds,
    )


def run(*, quick: bool = False, n_tokens: int | None = None, rounds: int | None = None,
        algorithms: Sequence[str] = ALGORITHMS) -> list[Row]:
    n = n_tokens or (100 if quick else 2000)
    r = rounds or (3 if quick else 15)
    return [measure(make_workload(alg, n), r) for alg in algorithms]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few tokens and rounds (smoke run)")
    parser.add_argument("--tokens", type=int, help="tokens per batch (default 2000; quick 100)")
    parser.add_argument("--rounds", type=int, help="rounds (default 15; quick 3)")
    parser.add_argument("--alg", action="append", choices=ALGORITHMS, help="only these")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick, n_tokens=args.tokens, rounds=args.rounds,
               algorithms=args.alg or ALGORITHMS)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
