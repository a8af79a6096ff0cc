"""The secure-setup checklist (notebook 11): each check fails on the careless setting and passes
on the fix, reading facts from the objects, never a label."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tokenlab import AuthServer, ResourceServer, SimClock, VerifierPolicy
from tokenlab.client.app import Client
from tokenlab.course import attempts
from tokenlab.course.checklist import CHECKS, DAY, Checklist, compare
from tokenlab.course.setups import (
    API,
    CALLBACK,
    ISSUER,
    PASSWORD,
    USERNAME,
    careless,
    hardened,
    is_prepared,
    typical,
)
from tokenlab.sqlite_store import SQLiteStore
from tokenlab.store import MemoryStore

_HERE: dict[str, Path] = {}


@pytest.fixture(autouse=True)
def _store_dir(tmp_path: Path) -> None:
    _HERE["dir"] = tmp_path


def _store(clock: SimClock) -> SQLiteStore:
    """A durable store in this test's directory."""
    return SQLiteStore(str(_HERE["dir"] / f"auth{len(list(_HERE['dir'].iterdir()))}.db"),
                       clock=clock)


def _world(**changes: Any) -> tuple[AuthServer, ResourceServer, Client]:
    """The hardened recipe with ``changes`` (auth_*, api_*, client_* keyword arguments)."""
    clock = SimClock()
    auth_kw = {k[5:]: v for k, v in changes.items() if k.startswith("auth_")}
    api_kw = {k[4:]: v for k, v in changes.items() if k.startswith("api_")}
    client_kw = {k[7:]: v for k, v in changes.items() if k.startswith("client_")}
    auth = AuthServer(ISSUER, clock=clock, seed=3, **{"store": _store(clock), **auth_kw})
    audience = changes.get("audience", API)
    api = ResourceServer(audience, auth, **{"dpop": "required", **api_kw})
    auth.register_user(USERNAME, PASSWORD)
    app = auth.register_client("app", ["weather:read"], redirect_uris=[CALLBACK])
    client = Client(auth, app, api, **{"grant": "authorization_code", "storage": "cookie",
                                       "dpop": True, **client_kw})
    return auth, api, client


def _row(actors: tuple[AuthServer, ResourceServer, Client], name: str) -> Any:
    return Checklist(*actors).run().row(name)


def test_the_hardened_recipe_passes_every_check() -> None:
    result = Checklist(*_world()).run()
    assert [r.name for r in result] == list(CHECKS)
    assert result.passed, result.text()


def test_rfc6750_5_3_plain_http_api_fails_https_localhost_passes() -> None:
    row = _row(_world(audience="http://api.example"), "HTTPS everywhere")
    assert not row.passed and "http://api.example" in row.reason and "https" in row.fix
    assert _row(_world(audience="http://localhost:8000"), "HTTPS everywhere").passed


def test_rfc6750_5_3_access_ttl_over_the_limit_fails_with_the_number() -> None:
    row = _row(_world(auth_access_ttl=3600), "short-lived access tokens")
    assert not row.passed and "3600 s" in row.reason and "access_ttl=300" in row.fix
    assert _row(_world(auth_access_ttl=600), "short-lived access tokens").passed
    assert not _row(_world(auth_access_ttl=601), "short-lived access tokens").passed


def test_rfc9700_4_14_2_refresh_without_rotation_fails() -> None:
    row = _row(_world(auth_rotate_refresh_tokens=False), "refresh rotation with reuse detection")
    assert not row.passed and "rotate_refresh_tokens=True" in row.fix


def test_rfc8725_insecure_switch_or_weak_secret_fails_the_verifier_check() -> None:
    policy = VerifierPolicy(issuer=ISSUER, audience=API, insecure_skip_typ=True)
    row = _row(_world(api_policy=policy), "hardened verifier")
    assert not row.passed and "insecure_skip_typ" in row.reason
    weak = _row(_world(auth_algorithm="HS256", auth_insecure_hmac_secret="changeme"),
                "hardened verifier")
    assert not weak.passed and "weak HMAC secret" in weak.reason
    assert "changeme" not in weak.reason + weak.fix  # the secret is never shown


def test_rfc6750_5_3_token_in_the_url_fails_and_counts_the_requests() -> None:
    auth, api, client = _world(client_token_in="query", client_dpop=False, api_dpop="off")
    client.login(USERNAME, PASSWORD)
    client.get("/weather")
    row = _row((auth, api, client), "tokens never in URLs")
    assert not row.passed and "1 request(s)" in row.reason and "token_in='header'" in row.fix


def test_local_storage_fails_memory_and_cookie_pass_even_before_login() -> None:
    row = _row(_world(client_storage="localStorage"), "storage not readable by script")
    assert not row.passed and "localStorage" in row.reason  # empty storage, judged by a probe
    assert _row(_world(client_storage="memory"), "storage not readable by script").passed


def test_rfc9449_bearer_or_optional_dpop_fails() -> None:
    bearer = _row(_world(client_dpop=False), "sender-constrained tokens")
    assert not bearer.passed and "no DPoP key" in bearer.reason
    optional = _row(_world(api_dpop="optional"), "sender-constrained tokens")
    assert not optional.passed and "'optional'" in optional.reason


def test_rfc7009_api_that_never_asks_fails_revocation() -> None:
    row = _row(_world(api_revocation="none"), "revocation reaches the API")
    assert not row.passed and "revocation='denylist'" in row.fix


def test_memory_store_fails_and_a_store_named_sqlite_is_not_trusted() -> None:
    row = _row(_world(auth_store=None), "durable revocation store")
    assert not row.passed and "MemoryStore" in row.reason

    class SQLiteStore(MemoryStore):  # a label, not the real class
        pass

    assert not _row(_world(auth_store=SQLiteStore()), "durable revocation store").passed


def test_an_old_key_or_a_frozen_jwks_fails_key_rotation() -> None:
    auth, api, client = _world()
    auth.clock.advance(91 * DAY)  # type: ignore[attr-defined]
    row = _row((auth, api, client), "key rotation with an overlap")
    assert not row.passed and "91 d" in row.reason and "rotate_keys" in row.fix
    auth.rotate_keys()
    assert _row((auth, api, client), "key rotation with an overlap").passed


def test_rfc9700_2_4_password_grant_fails() -> None:
    row = _row(_world(client_grant="password"), "no password grant")
    assert not row.passed and "authorization_code" in row.fix


def test_mismatched_actors_are_refused() -> None:
    auth, api, client = _world()
    other_auth, other_api, _ = _world()
    with pytest.raises(ValueError, match="another authorization server"):
        Checklist(other_auth, api, client)
    with pytest.raises(ValueError, match="another API"):
        Checklist(auth, other_api, client)
    with pytest.raises(TypeError, match="must be a Client"):
        Checklist(auth, api, "client")  # type: ignore[arg-type]


def test_the_three_prepared_setups() -> None:
    assert len(careless().checklist().failures) == len(CHECKS)
    assert {r.name for r in typical().checklist().failures} == {
        "short-lived access tokens", "storage not readable by script",
        "sender-constrained tokens", "durable revocation store"}
    ready = hardened(store_path=_HERE["dir"] / "h.db")
    assert ready.checklist().passed and is_prepared(ready.auth)
    assert isinstance(ready.auth.store, SQLiteStore)


def test_attacks_of_08_to_10_work_on_careless_and_fail_on_hardened() -> None:
    tries = (attempts.steal_with_xss, attempts.sniff_plain_http, attempts.replay_leaked_token,
             attempts.forge_with_cracked_secret)
    before, after = careless(), hardened(store_path=_HERE["dir"] / "h.db")
    assert all(t(*before.actors).worked for t in tries)
    outcomes = [t(*after.actors) for t in tries]
    assert not any(o.worked for o in outcomes), [o.text() for o in outcomes]
    assert "bound to a key" in outcomes[2].answer
    assert "'changeme'" in attempts.forge_with_cracked_secret(*before.actors).got


def test_the_table_and_the_text_are_labelled() -> None:
    result = typical().checklist()
    assert result.table().splitlines()[0].startswith("check")
    assert result.text().startswith("Checklist for 'weather-spa'")
    assert "7 of 11 checks pass" in result.text()
    with pytest.raises(KeyError, match="no check"):
        result.row("nothing")


def test_compare_puts_the_setups_side_by_side() -> None:
    ready = hardened(store_path=_HERE["dir"] / "h.db")
    table = compare({"careless": careless().checklist(), "hardened": ready.checklist()})
    lines = table.splitlines()
    assert lines[0].split() == ["check", "careless", "hardened"]
    assert lines[1].split()[-2:] == ["FAIL", "pass"]  # HTTPS everywhere
    assert lines[-1].split()[-2:] == ["0/11", "11/11"]


def test_fixes_lists_each_failure_with_its_fix_and_each_pass() -> None:
    result = careless().checklist()
    text = result.fixes()
    lines = text.splitlines()
    assert lines[0] == "0 of 11 checks pass; under each FAIL, the setting to change:"
    assert sum(line.startswith("FAIL  ") for line in lines) == 11
    assert sum(line.strip().startswith("fix: ") for line in lines) == 11
    assert "access_ttl=300" in text and "why:" not in text  # the fixes, not the reasons
    ready = hardened(store_path=_HERE["dir"] / "h.db").checklist().fixes()
    assert ready.splitlines()[0] == "11 of 11 checks pass: nothing to fix"
    assert "fix:" not in ready and ready.count("\npass  ") == 11


def _copied(fix: str, **names: Any) -> Any:
    """Run the call a fix shows after ``=`` (e.g. ``store=durable_store(clock)``) with the
    notebook's imports: copying a fix must work."""
    import tokenlab.course.setups as setups

    scope = {**{n: getattr(setups, n) for n in setups.__all__}, **names}
    return eval(fix, scope)


def test_the_durable_store_fix_is_a_call_the_notebook_imports() -> None:
    row = _row(_world(auth_store=None), "durable revocation store")
    assert "store=durable_store(clock)" in row.fix
    clock = SimClock()
    store = _copied("durable_store(clock)", clock=clock)
    assert isinstance(store, SQLiteStore)


def test_the_password_grant_fix_says_what_to_put_in_redirect_uris() -> None:
    row = _row(_world(client_grant="password"), "no password grant")
    assert "redirect_uris=[CALLBACK]" in row.fix and "[...]" not in row.fix
    assert _copied("[CALLBACK]") == [CALLBACK]


def test_the_https_fix_names_only_what_is_plain() -> None:
    row = _row(_world(audience="http://api.example"), "HTTPS everywhere")
    assert "ResourceServer('https://api.example'" in row.fix and "issuer" not in row.fix


@pytest.mark.skipif(os.name != "posix", reason="the sweep asks with signal 0, POSIX only")
def test_durable_store_removes_the_folders_of_ended_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel stopped without its exit handlers leaves its store's folder behind; the next
    durable_store() removes the folders of processes that have ended, never a living one's."""
    import subprocess
    import sys
    import tempfile

    from tokenlab.course.setups import durable_store

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    left = tmp_path / f"tokenlab-course-{ended.stdout.strip()}-abc"
    mine = tmp_path / f"tokenlab-course-{os.getpid()}-def"
    other = tmp_path / "tokenlab-something-else"
    for folder in (left, mine, other):
        folder.mkdir()
        (folder / "auth.sqlite").write_bytes(b"")
    store = durable_store(SimClock())
    assert not left.exists() and mine.exists() and other.exists()
    made = [p for p in tmp_path.iterdir() if p not in (mine, other)]
    assert len(made) == 1 and made[0].name.startswith(f"tokenlab-course-{os.getpid()}-")
    del store
