"""The durable store (tokenlab/store.py, :class:`SQLiteStore`): stdlib sqlite3 in WAL mode, a
versioned schema, values kept as JSON (never pickle), one write transaction per state change and
a re-entrant lock that holds one write transaction for a whole read-check-write sequence.

The behaviour it shares with :class:`MemoryStore` (expiry, purge, an entry never shortens) is
tested for both stores in tests/ground/test_store.py."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path

import pytest

from tokenlab import MemoryStore, SimClock, Store, SystemClock
from tokenlab.authserver.authcode import CodeRecord
from tokenlab.authserver.refresh import Family, RefreshRecord
from tokenlab.sqlite_store import SCHEMA_VERSION, SQLiteStore, storable


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def store(path: Path) -> SQLiteStore:
    with SQLiteStore(path, SimClock(start=0)) as s:
        yield s


def raw(path: Path) -> sqlite3.Connection:
    """A connection of someone else (another process, say) to the same file."""
    return sqlite3.connect(path, isolation_level=None, timeout=0)


FAMILY = Family("f1", "app", "alice", ("weather:read", "weather:write"), "https://api.example",
                10.0, 100.0, access_tokens=(("j1", 50.0), ("j2", 60.5)), jkt=None)


def test_sqlite_store_implements_the_store_protocol_and_says_it_is_durable(
        store: SQLiteStore) -> None:
    assert isinstance(store, Store)
    assert store.durable and not MemoryStore().durable
    assert isinstance(SQLiteStore(store.path).clock, SystemClock)
    with pytest.raises(TypeError, match="Clock"):
        SQLiteStore(store.path, clock=1800000000)  # type: ignore[arg-type]
    assert repr(store) == f"SQLiteStore({str(store.path)!r}, empty)"


def test_the_database_is_in_wal_mode_with_schema_version_1(store: SQLiteStore, path: Path) -> None:
    store.put("k", "a", 1, until=10)
    con = raw(path)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert con.execute("SELECT version FROM tokenlab_schema").fetchall() == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION == 1
    assert store.integrity_check() == "ok"


def test_an_unknown_schema_version_is_refused_with_a_clear_error(path: Path) -> None:
    SQLiteStore(path).close()
    con = raw(path)
    con.execute("UPDATE tokenlab_schema SET version = 2")
    con.close()
    with pytest.raises(ValueError, match=r"schema version 2.*reads version 1"):
        SQLiteStore(path)


def test_a_file_that_is_not_a_tokenlab_store_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    con = raw(other)
    con.execute("CREATE TABLE people (name TEXT)")
    con.close()
    with pytest.raises(ValueError, match="not a tokenlab store"):
        SQLiteStore(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a database at all " * 100)
    with pytest.raises(ValueError, match="not a tokenlab store"):
        SQLiteStore(text)
    with pytest.raises(ValueError, match="MemoryStore"):
        SQLiteStore(":memory:")


def test_the_database_file_is_created_readable_by_its_owner_only(path: Path) -> None:
    """It holds the signing keys of a server that keeps them there: a secret."""
    SQLiteStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_entries_and_their_until_survive_closing_and_reopening(path: Path) -> None:
    clock = SimClock(start=0)
    code = CodeRecord("web", "https://web.example/cb", ("s",), "alice", "https://api.example",
                      None, 60.0, 1, nonce="n", auth_time=0.0)
    values = {
        "family": FAMILY, "refresh": RefreshRecord("r1", "f1", "app", 10.0, spent=True),
        "code": code, "flag": True, "iat": 12.5, "count": 3, "none": None, "text": "é",
        "bytes": b"\x00\xff", "nested": {"a": [1, (2, "x")], "$odd": (None,)},
    }
    with SQLiteStore(path, clock) as s:
        for name, value in values.items():
            s.put("kind", name, value, until=1000)
        s.put("forever", "k", "v", until=float("inf"))
    with SQLiteStore(path, clock) as s:
        for name, value in values.items():
            got = s.get("kind", name)
            assert got == value and type(got) is type(value), name
        assert s.until("kind", "family") == 1000 and s.until("forever", "k") == float("inf")
        assert s.count("kind") == len(values) and len(s) == len(values) + 1
        assert s.keys("kind") == list(values)  # in the order they were first put


def test_values_are_stored_as_json_never_pickle(store: SQLiteStore, path: Path) -> None:
    store.put("refresh_family", "f1", FAMILY, until=1000)
    (text,) = raw(path).execute("SELECT value FROM entries WHERE key = 'f1'").fetchone()
    assert isinstance(text, str)
    document = json.loads(text)
    assert document["$record"] == "refresh_family"
    assert document["fields"]["scopes"] == {"$tuple": ["weather:read", "weather:write"]}


Point = namedtuple("Point", "x y")


@dataclass(frozen=True)
class NotRegistered:
    x: int


@pytest.mark.parametrize("value", [object(), {1, 2}, Point(1, 2), NotRegistered(1), {1: "a"},
                                   [1, object()], 1 + 2j], ids=repr)
def test_a_value_that_cannot_be_stored_is_a_type_error_at_put_and_nothing_is_written(
        store: SQLiteStore, value: object) -> None:
    with pytest.raises(TypeError, match="cannot store"):
        store.put("k", "a", value, until=100)
    assert len(store) == 0 and not store.contains("k", "a")


def test_keys_and_kinds_are_strings(store: SQLiteStore) -> None:
    with pytest.raises(TypeError, match="key"):
        store.put("k", 1, "v", until=100)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="kind"):
        store.put(None, "a", "v", until=100)  # type: ignore[arg-type]


def test_a_record_type_is_registered_once_under_its_name() -> None:
    with pytest.raises(TypeError, match="dataclass"):
        storable("plain")(int)
    with pytest.raises(ValueError, match="refresh_family"):
        storable("refresh_family")(NotRegistered)


def test_the_lock_holds_one_write_transaction_for_a_whole_sequence(
        store: SQLiteStore, path: Path) -> None:
    """Re-entrant; inside it nobody else — another thread, another process — can write, nor see
    half of the sequence; the sequence commits as a whole when the outermost lock exits."""
    other = raw(path)
    with store.lock:
        store.put("k", "a", 1, until=100)
        with store.lock:
            store.put("k", "b", 2, until=100)
        assert store.get("k", "b") == 2  # the sequence sees its own writes
        assert other.execute("SELECT count(*) FROM entries").fetchone() == (0,)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        seen: list[object] = []
        reader = threading.Thread(target=lambda: seen.append(store.get("k", "a")))
        reader.start()
        reader.join(timeout=30)
        assert seen == [None]  # another thread reads what was committed, without waiting
    assert other.execute("SELECT count(*) FROM entries").fetchone() == (2,)
    other.execute("BEGIN IMMEDIATE")  # and the file is free again
    other.execute("ROLLBACK")


def test_a_refusal_raised_inside_the_lock_keeps_what_was_written_an_interrupt_does_not(
        store: SQLiteStore, path: Path) -> None:
    """Reuse detection writes the revocation, then raises: the revocation must stay. A
    KeyboardInterrupt half-way is like a crash: the sequence is rolled back."""
    with pytest.raises(LookupError), store.lock:
        store.put("k", "kept", 1, until=100)
        raise LookupError("refused")
    with pytest.raises(KeyboardInterrupt), store.lock:
        store.put("k", "lost", 1, until=100)
        raise KeyboardInterrupt
    with SQLiteStore(path, SimClock(start=0)) as again:
        assert again.keys("k") == ["kept"]


def test_two_stores_on_one_file_see_each_others_writes(path: Path) -> None:
    clock = SimClock(start=0)
    with SQLiteStore(path, clock) as a, SQLiteStore(path, clock) as b:
        a.put("revoked_jti", "j1", True, until=100)
        assert b.contains("revoked_jti", "j1")
        b.delete("revoked_jti", "j1")
        assert not a.contains("revoked_jti", "j1")


def test_many_threads_write_and_read_one_store(store: SQLiteStore) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                store.put("k", f"{n}-{i}", i, until=100)
                assert store.get("k", f"{n}-{i}") == i
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and store.count("k") == 400


def test_a_closed_store_says_so(path: Path) -> None:
    s = SQLiteStore(path)
    s.close()
    with pytest.raises(ValueError, match="closed"):
        s.put("k", "a", 1, until=float("inf"))
    s.close()  # twice is fine
