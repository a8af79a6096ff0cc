"""An authorization server on a durable store (tokenlab/authserver/durable.py, SQLiteStore):
revocations, refresh families, codes, the DPoP replay cache and the signing keys survive a
restart and a kill -9; read-check-write sequences stay atomic across threads and processes.

A "restart" is a new AuthServer (and ResourceServer) on the same file, or a real child process
killed with SIGKILL; the HTTP crash test (50 kills of ``tokenlab serve``) is in tests/serving."""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tokenlab import (
    AuthServer,
    InvalidDPoPProofError,
    InvalidGrantError,
    MemoryStore,
    RefreshTokenReuseError,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    make_verifier,
    s256_challenge,
)
from tokenlab.authserver.durable import CURRENT_KEY, SERVER_RUN, signing_key_kind
from tokenlab.jose.keys import SAVE_AHEAD
from tokenlab.sqlite_store import SQLiteStore

from ..conftest import API, ISSUER, PASSWORD, jti
from .test_dpop_token_endpoint import TOKEN, make_key

WEB_CB = "https://web.example/cb"


class World:
    """One run of the servers on ``path``: what a process would build at start-up, in the same
    order each time (the seeded clients and users are configuration, not state)."""

    def __init__(self, path: Path, clock: SimClock, *, seed: int | None = 1, **options: Any):
        self.store = SQLiteStore(path, clock)
        self.auth = AuthServer(ISSUER, clock=clock, seed=seed, store=self.store, **options)
        self.app = self.auth.register_client("weather-app", ["weather:read"])
        self.web = self.auth.register_client("web", ["weather:read"], redirect_uris=[WEB_CB])
        self.api = ResourceServer(API, self.auth, leeway=15)
        self.auth.register_user("alice", PASSWORD)

    def login(self) -> Any:
        return self.auth.password_grant(self.app.client_id, self.app.client_secret, "alice",
                                        PASSWORD)

    def code(self, verifier: str) -> str:
        r = self.auth.authorize(self.web.client_id, username="alice", password=PASSWORD,
                                code_challenge=s256_challenge(verifier),
                                code_challenge_method="S256")
        assert r.code is not None
        return r.code

    def exchange(self, code: str, verifier: str) -> Any:
        return self.auth.exchange_code(code, self.web.client_id, self.web.client_secret,
                                       redirect_uri=WEB_CB, code_verifier=verifier)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "auth.db"


def test_rfc7009_every_revocation_and_spent_token_survives_a_restart(
        path: Path, clock: SimClock) -> None:
    before = World(path, clock)
    revoked = before.login()  # access token revoked (RFC 7009)
    before.auth.revoke(revoked.access_token, before.app.client_id, before.app.client_secret)
    logout = before.login()  # refresh token revoked: the family ends
    before.auth.revoke(logout.refresh_token, before.app.client_id, before.app.client_secret)
    rotated = before.login()  # refreshed once: the first refresh token is spent
    second = before.auth.refresh(rotated.refresh_token, before.app.client_id,
                                 before.app.client_secret)
    live = before.login()  # untouched
    verifier = make_verifier()
    used = before.code(verifier)
    from_code = before.exchange(used, verifier)
    unused = before.code(verifier)
    kid = before.auth.keys.current.kid

    after = World(path, clock)  # the restart: new servers on the same file

    assert after.auth.keys.current.kid == kid and after.auth.jwks() == before.auth.jwks()
    for token in (revoked.access_token, logout.access_token):
        with pytest.raises(RevokedTokenError):
            after.api.verify(token)
    for token in (rotated.access_token, second.access_token, live.access_token,
                  from_code.access_token):
        assert after.api.verify(token)["sub"] == "alice"
    with pytest.raises(InvalidGrantError, match="revoked"):
        after.auth.refresh(logout.refresh_token, after.app.client_id, after.app.client_secret)
    assert after.auth.refresh(live.refresh_token, after.app.client_id, after.app.client_secret)
    # RFC 9700 §4.14.2: the spent refresh token is recognised after the restart, and its reuse
    # revokes the family — the access token refreshed before the restart included.
    with pytest.raises(RefreshTokenReuseError):
        after.auth.refresh(rotated.refresh_token, after.app.client_id, after.app.client_secret)
    with pytest.raises(RevokedTokenError):
        after.api.verify(second.access_token)
    # RFC 6749 §4.1.2: a code is used once, restart or not; the unused one still works.
    with pytest.raises(InvalidGrantError, match="already used"):
        after.exchange(used, verifier)
    with pytest.raises(RevokedTokenError):
        after.api.verify(from_code.access_token)
    assert after.api.verify(after.exchange(unused, verifier).access_token)
    assert after.store.integrity_check() == "ok"


def test_restart_of_a_durable_server_forgets_nothing(path: Path, clock: SimClock) -> None:
    """The lesson of notebook 06 turned round: ``restart()`` empties a MemoryStore only."""
    w = World(path, clock)
    t = w.login()
    w.auth.revoke(t.access_token, w.app.client_id, w.app.client_secret)
    w.auth.restart()
    with pytest.raises(RevokedTokenError):
        w.api.verify(t.access_token)


def test_rfc9449_11_1_a_dpop_proof_is_refused_again_after_a_restart(
        path: Path, clock: SimClock) -> None:
    """RFC 9449 §11.1: the server keeps the jti of the proofs it accepted; the replay cache is in
    the durable store, so a captured proof cannot be replayed across a restart either."""
    key = make_key(clock)
    proof = key.proof("POST", TOKEN)
    World(path, clock).auth.dpop_verifier.verify(proof, "POST", TOKEN)
    with pytest.raises(InvalidDPoPProofError, match="already used"):
        World(path, clock).auth.dpop_verifier.verify(proof, "POST", TOKEN)


def test_signing_keys_are_kept_as_pkcs8_and_rotation_persists(path: Path, clock: SimClock) -> None:
    w = World(path, clock)
    old = w.login()
    first = w.auth.keys.current.kid
    record = w.store.get(signing_key_kind(ISSUER), first)
    assert record["private"].startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8 PEM
    assert w.store.get(CURRENT_KEY, ISSUER) == first
    new = w.auth.rotate_keys()
    clock.advance(10)
    rotated = w.login()

    again = World(path, clock)
    assert again.auth.keys.current.kid == new.kid != first
    assert {k.kid for k in again.auth.keys.published()} == {first, new.kid}
    assert again.api.verify(old.access_token) and again.api.verify(rotated.access_token)
    assert jti(again.login().access_token)  # signs with the rotated key
    assert again.auth.keys.current.kid == new.kid
    # once the old key's last token is over (+ the leeway; + SAVE_AHEAD, as its last exp was
    # kept that far ahead), it is retired for good — from the file too: the next write of the
    # ring drops its private key
    clock.advance(again.auth.access_ttl + 15 + SAVE_AHEAD - 11)
    assert first in {k.kid for k in again.auth.keys.published()}
    clock.advance(1)
    again.auth.rotate_keys()
    assert first not in again.store.keys(signing_key_kind(ISSUER))
    assert first not in {k.kid for k in World(path, clock).auth.keys.published()}


def test_a_key_ring_restarted_and_rotated_still_publishes_the_keys_of_live_tokens(
        path: Path, clock: SimClock) -> None:
    """The current key's last ``exp`` is kept (a little ahead, to spare a write per token): a
    restart followed by a rotation does not retire the key of tokens issued before the restart."""
    t = World(path, clock).login()
    after = World(path, clock)
    after.auth.rotate_keys()
    clock.advance(after.auth.access_ttl - 1)
    assert after.api.verify(t.access_token)["sub"] == "alice"


def test_a_seeded_server_keeps_its_demo_keys_and_draws_new_ids_after_a_restart(
        path: Path, clock: SimClock) -> None:
    """The first run on a fresh file is exactly the seeded server of the lessons; a restart
    keeps the keys and the demo client, but must not draw the jtis and refresh tokens of the
    first run again — the first run's revoked jti would then revoke a new token."""
    memory = AuthServer(ISSUER, clock=clock, seed=1, store=MemoryStore(clock))
    first = World(path, clock)
    assert first.auth.jwks() == memory.jwks()
    t1 = first.login()
    first.auth.revoke(t1.access_token, first.app.client_id, first.app.client_secret)
    second = World(path, clock)
    assert (second.app.client_id, second.app.client_secret) == (first.app.client_id,
                                                                  first.app.client_secret)
    assert second.auth.jwks() == first.auth.jwks()
    assert second.store.get(SERVER_RUN, ISSUER) == 2
    t2 = second.login()
    assert jti(t2.access_token) != jti(t1.access_token)
    assert t2.refresh_token != t1.refresh_token
    assert second.api.verify(t2.access_token)["sub"] == "alice"


def test_a_store_holding_keys_of_another_algorithm_is_refused(path: Path, clock: SimClock) -> None:
    World(path, clock)
    with pytest.raises(ValueError, match=r"EdDSA.*ES256|ES256.*EdDSA"):
        World(path, clock, algorithm="ES256")


# -- atomic across threads and processes ---------------------------------------------------------


def test_rfc9700_4_14_2_two_threads_race_to_refresh_exactly_one_wins(
        path: Path, clock: SimClock) -> None:
    w = World(path, clock)
    tokens = [w.login() for _ in range(100)]
    outcomes = _race_in_threads(w, [t.refresh_token for t in tokens])
    _check_races(w, tokens, outcomes)


def _race_in_threads(w: World, refresh_tokens: list[str]) -> list[list[str]]:
    start = threading.Barrier(2, timeout=30)
    outcomes: list[list[str]] = [[], []]

    def racer(i: int) -> None:
        for token in refresh_tokens:
            start.wait()
            outcomes[i].append(_refresh_outcome(w.auth, w.app.client_id, w.app.client_secret,
                                                token))

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _refresh_outcome(auth: AuthServer, client_id: str, secret: str | None, token: str) -> str:
    try:
        return "won " + auth.refresh(token, client_id, secret).access_token
    except RefreshTokenReuseError:
        return "reuse"
    except InvalidGrantError as exc:
        return f"refused: {exc}"


def _check_races(w: World, tokens: list[Any], outcomes: list[list[str]]) -> None:
    assert len(outcomes[0]) == len(outcomes[1]) == len(tokens)
    for n, pair in enumerate(zip(*outcomes, strict=True)):
        kinds = sorted(o.split(" ", 1)[0] for o in pair)
        assert kinds == ["reuse", "won"], (n, pair)
        winner = next(o for o in pair if o.startswith("won ")).split(" ", 1)[1]
        # the loser's reuse revoked the family: the winner's new access token is denied
        with pytest.raises(RevokedTokenError):
            w.api.verify(winner)
        with pytest.raises(RevokedTokenError):
            w.api.verify(tokens[n].access_token)
    assert w.store.integrity_check() == "ok"


def _process_racer(path: str, seed: int, trials: list[tuple[str, str]], start: Any,
                   results: Any, who: int) -> None:
    """One of two processes: for each trial, wait for the other, then refresh the refresh token
    (or exchange the code) of the trial; report what happened."""
    clock = SimClock()
    w = World(Path(path), clock, seed=seed)
    verifier = "v" * 43
    for kind, value in trials:
        start.wait()
        if kind == "refresh":
            outcome = _refresh_outcome(w.auth, w.app.client_id, w.app.client_secret, value)
        else:
            try:
                outcome = "won " + w.exchange(value, verifier).access_token
            except InvalidGrantError:
                outcome = "reuse"
        results.put((who, outcome))
    w.store.close()


def test_rfc9700_4_14_2_and_rfc6749_4_1_2_two_processes_race_exactly_one_wins(
        path: Path, clock: SimClock) -> None:
    """Two processes on one file refresh the same refresh token (or exchange the same code) at
    the same moment, many times: exactly one wins each time, and the loser's reuse revokes what
    the winner got. The lock is the database's write lock (BEGIN IMMEDIATE), not a thread lock."""
    w = World(path, clock)
    logins = [w.login() for _ in range(60)]
    codes = [w.code("v" * 43) for _ in range(30)]
    trials = [("refresh", t.refresh_token) for t in logins] + [("code", c) for c in codes]
    ctx = multiprocessing.get_context("spawn")  # never fork a process holding SQLite handles
    start, results = ctx.Barrier(2, timeout=60), ctx.Queue()
    procs = [ctx.Process(target=_process_racer, args=(str(path), 1, trials, start, results, i))
             for i in range(2)]
    for p in procs:
        p.start()
    outcomes: list[list[str]] = [[], []]
    for _ in range(2 * len(trials)):
        who, outcome = results.get(timeout=120)
        outcomes[who].append(outcome)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for n, pair in enumerate(zip(*outcomes, strict=True)):
        assert sorted(o.split(" ", 1)[0] for o in pair) == ["reuse", "won"], (trials[n], pair)
        winner = next(o for o in pair if o.startswith("won ")).split(" ", 1)[1]
        with pytest.raises(RevokedTokenError):
            w.api.verify(winner)
    assert w.store.integrity_check() == "ok"


# -- kill -9 ---------------------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import sys
    from tokenlab import AuthServer, ResourceServer
    from tokenlab.sqlite_store import SQLiteStore

    store = SQLiteStore(sys.argv[1])
    auth = AuthServer("https://auth.example", store=store)
    app = auth.register_client("app", ["s"])
    ResourceServer("https://api.example", auth)
    n = 0
    while True:
        token = auth.client_credentials(app.client_id, app.client_secret).access_token
        print("issued", token, flush=True)
        if n % 2 == 0:
            print("revoking", token, flush=True)
            auth.revoke(token, app.client_id, app.client_secret)
            print("revoked", token, flush=True)  # acknowledged: the revocation is committed
        n += 1
""")


@pytest.fixture
def child_lines() -> Iterator[Any]:
    """Start the child on a file; its stdout lines arrive on a queue (read by a thread), then
    ``None`` once the child's end of the pipe is closed."""
    started: list[subprocess.Popen[str]] = []

    def start(db: Path) -> tuple[subprocess.Popen[str], queue.Queue[str | None]]:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE,
                                text=True, env=env)
        started.append(proc)
        lines: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout

        def pump() -> None:
            for line in stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        return proc, lines

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def test_revocations_acknowledged_before_a_kill_9_are_in_force_after_it(
        path: Path, child_lines: Any) -> None:
    """A process issuing and revoking in a loop is killed with SIGKILL at a random moment, five
    times; after each kill every revocation it acknowledged is in force, every token it issued
    and did not revoke still verifies (same keys), and the database is intact."""
    seen: dict[str, set[str]] = {"issued": set(), "revoking": set(), "revoked": set()}
    rounds = Counter[str]()
    for _ in range(5):
        proc, lines = child_lines(path)
        wanted = 5 + int.from_bytes(os.urandom(1), "big") % 40  # acknowledgements before the kill
        while len(seen["revoked"]) < rounds["acknowledged"] + wanted:
            line = lines.get(timeout=60)
            assert line is not None, "the child stopped by itself"
            word, token = line.split()
            seen[word].add(token)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        while (line := lines.get(timeout=60)) is not None:  # printed before the kill: counts
            if not line.endswith("\n"):
                continue  # cut short by the kill: the child never finished saying it
            word, token = line.split()
            seen[word].add(token)
        rounds["kills"] += 1
        rounds["acknowledged"] = len(seen["revoked"])
        revoked = seen["revoked"]
        # A revocation under way at the kill may or may not have been committed: not checked.
        untouched = seen["issued"] - seen["revoking"]

        with SQLiteStore(path) as store:
            assert store.integrity_check() == "ok"
            auth = AuthServer("https://auth.example", store=store)
            api = ResourceServer("https://api.example", auth)
            for token in revoked:
                with pytest.raises(RevokedTokenError):
                    api.verify(token)
            for token in untouched:
                assert api.verify(token)["aud"] == "https://api.example"
    assert rounds["kills"] == 5 and len(revoked) >= 25 and len(untouched) >= 25


def test_rfc9449_11_1_the_apis_replay_cache_is_durable_with_its_servers_store(
        path: Path, clock: SimClock) -> None:
    """An in-process API on a durable authorization server keeps its DPoP replay cache in the
    server's store too: a proof the API accepted is refused after both restart (RFC 9449 §11.1)."""
    url = f"{API}/weather"
    key = make_key(clock)
    proof = key.proof("GET", url)
    first = World(path, clock).api.dpop_verifier
    first.verify(proof, "GET", url)
    with pytest.raises(InvalidDPoPProofError, match="already used"):
        World(path, clock).api.dpop_verifier.verify(proof, "GET", url)
