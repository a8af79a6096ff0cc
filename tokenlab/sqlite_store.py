"""The durable store: :class:`SQLiteStore` keeps what a :class:`~tokenlab.store.MemoryStore`
keeps — revoked ``jti``s, refresh-token families, codes, replay caches, and an authorization
server's signing keys — in an SQLite file (stdlib :mod:`sqlite3`, WAL): it survives a restart and
a ``kill -9``. Its :attr:`~SQLiteStore.lock` is the database's write lock, so a read-check-write
sequence is atomic across threads *and* processes. It stores JSON, never pickle (reading a
database must not run code); the record types the servers keep register themselves with
:func:`storable`.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from .clock import Clock
from .store import check_clock, check_until

__all__ = ["SCHEMA_VERSION", "SQLiteStore", "storable"]


# -- values as JSON, never pickle ------------------------------------------------------------------

_T = TypeVar("_T")
_RECORDS: dict[str, type] = {}
_NAMES: dict[type, str] = {}
_PLAIN = (str, int, float, bool, type(None))


def storable(name: str) -> Callable[[type[_T]], type[_T]]:
    """Class decorator: a dataclass whose instances a :class:`SQLiteStore` may keep, written as
    ``{"$record": name, "fields": {...}}``. ``name`` is written to the database: never reuse it
    for another class. (Outermost, above ``@dataclass``, so the final class is registered.)"""

    def register(cls: type[_T]) -> type[_T]:
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise TypeError(f"storable records are dataclasses, not {cls!r}")
        taken = _RECORDS.get(name)
        if taken is not None and (taken.__module__, taken.__qualname__) != (
                cls.__module__, cls.__qualname__):
            raise ValueError(f"record name {name!r} is taken by {taken.__qualname__}")
        _RECORDS[name] = cls
        _NAMES[cls] = name
        return cls

    return register


def _encode(value: Any) -> Any:
    """``value`` as JSON data; exact types only, so that reading gives back what was put."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return {"$tuple": [_encode(v) for v in value]}
    if kind is list:
        return [_encode(v) for v in value]
    if kind is bytes:
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise TypeError("SQLiteStore cannot store a dict whose keys are not all str")
        inner = {k: _encode(v) for k, v in value.items()}
        return {"$map": inner} if any(k.startswith("$") for k in value) else inner
    name = _NAMES.get(kind)
    if name is not None:
        return {"$record": name, "fields": {f.name: _encode(getattr(value, f.name))
                                            for f in dataclasses.fields(value)}}
    raise TypeError(
        f"SQLiteStore cannot store a {kind.__qualname__}: it keeps None, bool, int, float, str, "
        "bytes, lists, tuples, dicts with str keys and records registered with @storable — as "
        "JSON, never pickle (reading a database must not run code)")


def _decode(data: Any) -> Any:
    if type(data) is list:
        return [_decode(v) for v in data]
    if type(data) is not dict:
        return data
    if "$tuple" in data:
        return tuple(_decode(v) for v in data["$tuple"])
    if "$bytes" in data:
        return base64.b64decode(data["$bytes"])
    if "$map" in data:
        return {k: _decode(v) for k, v in data["$map"].items()}
    if "$record" in data:
        cls = _RECORDS.get(data["$record"])
        if cls is None:
            raise LookupError(f"the store holds a {data['$record']!r} record, and no class is "
                              "registered under that name (import tokenlab first)")
        return cls(**{k: _decode(v) for k, v in data["fields"].items()})
    return {k: _decode(v) for k, v in data.items()}


def _dumps(value: Any) -> str:
    return json.dumps(_encode(value), separators=(",", ":"), ensure_ascii=False)


def _loads(text: str) -> Any:
    return _decode(json.loads(text))


# -- the durable store ------------------------------------------------------------------------------

#: The layout of the database that :class:`SQLiteStore` reads and writes; a file of another
#: version is refused, never guessed at.
SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE tokenlab_schema (version INTEGER NOT NULL)",
    "CREATE TABLE entries (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
    "until REAL NOT NULL, UNIQUE (kind, key))",
    "CREATE INDEX entries_until ON entries (until)",
)
_SYNCHRONOUS = ("FULL", "EXTRA", "NORMAL")


class _WriteLock:
    """Re-entrant; the outermost ``with`` holds this process's lock and one write transaction
    (``BEGIN IMMEDIATE``: SQLite's RESERVED lock, which other processes wait for), committed
    when it exits — also when it exits by an exception such as a refusal, which may have written
    a revocation first. A ``BaseException`` that is not an ``Exception`` (Ctrl-C) rolls back,
    as a crash would."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._mutex = threading.RLock()
        self._depth = 0
        self._pid = os.getpid()
        self.connection: sqlite3.Connection | None = None
        #: The thread inside the transaction (its reads must see its own writes), or ``None``.
        self.owner: int | None = None

    def __enter__(self) -> sqlite3.Connection:
        self._mutex.acquire()
        try:
            if self._depth == 0:
                if self._pid != os.getpid():  # a forked child never uses its parent's handle
                    self.connection, self._pid = None, os.getpid()
                if self.connection is None:
                    self.connection = self._connect()
                self.connection.execute("BEGIN IMMEDIATE")
                self.owner = threading.get_ident()
        except BaseException:
            self._mutex.release()
            raise
        self._depth += 1
        assert self.connection is not None
        return self.connection

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self._depth -= 1
            if self._depth == 0:
                self.owner = None
                connection = self.connection
                assert connection is not None
                if kind is None or issubclass(kind, Exception):
                    try:
                        connection.execute("COMMIT")
                    except BaseException:
                        if connection.in_transaction:
                            connection.execute("ROLLBACK")
                        raise
                elif connection.in_transaction:
                    connection.execute("ROLLBACK")
        finally:
            self._mutex.release()


class SQLiteStore:
    """A durable :class:`Store` in an SQLite file: what :class:`MemoryStore` offers, kept across
    restarts and crashes, shared by every thread and process that opens the same file.

    - One transaction per state change: each :meth:`put` and :meth:`delete` is committed before
      it returns (``synchronous=FULL`` by default: also through a power cut; ``"NORMAL"``
      survives a crash of the process, not of the machine, and is about ten times faster).
    - :attr:`lock` holds one write transaction for a whole read-check-write sequence (spend a
      refresh token, exchange a code, record a DPoP ``jti``): other threads and processes wait,
      and see all of it or none of it. Reads outside it never wait (WAL) and see what was
      committed.
    - Entries expire as in :class:`MemoryStore`: each write first drops what is over on
      ``clock``, so give it the server's clock.
    - Values are JSON (see :func:`storable`); one that cannot be stored is a ``TypeError`` at
      :meth:`put`, before anything is written.

    **The file is a secret** once an :class:`~tokenlab.AuthServer` keeps its signing keys in it
    (it does on a durable store): a new file is created readable and writable by its owner only
    (0600); keep it so, and out of backups others can read.
    """

    #: Survives a restart (an AuthServer keeps its signing keys here too).
    durable = True

    def __init__(self, path: str | os.PathLike[str], clock: Clock | None = None, *,
                 synchronous: str = "FULL", timeout: float = 30.0) -> None:
        self.clock: Clock = check_clock(clock)
        self.path = os.fspath(path)
        if self.path in ("", ":memory:") or self.path.startswith("file:"):
            raise ValueError(f"SQLiteStore needs a file path, not {self.path!r}; for state kept "
                             "in memory use MemoryStore")
        if synchronous not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(_SYNCHRONOUS)}")
        self._synchronous = synchronous
        self._timeout = float(timeout)
        self._closed = False
        self._pid = os.getpid()
        self._connections: list[sqlite3.Connection] = []
        self._readers: list[sqlite3.Connection] = []
        self._book = threading.Lock()  # guards the two lists
        #: Re-entrant: one write transaction for a read-check-write sequence (see the class).
        self.lock = _WriteLock(self._connect)
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        if self._closed:
            raise ValueError(f"{self!r} is closed")
        connection = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None,
                                     check_same_thread=False)
        connection.execute(f"PRAGMA synchronous={self._synchronous}")
        with self._book:
            self._connections.append(connection)
        return connection

    def _open(self) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            os.close(fd)
        not_ours = f"{self.path!r} is not a tokenlab store"
        try:
            with self.lock as db:  # WAL is kept in the file once set; set it before writing
                pass
            assert self.lock.connection is not None
            self.lock.connection.execute("PRAGMA journal_mode=WAL")
            with self.lock as db:
                tables = {name for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
                if not tables:
                    for statement in _SCHEMA:
                        db.execute(statement)
                    db.execute("INSERT INTO tokenlab_schema VALUES (?)", (SCHEMA_VERSION,))
                    return
                if "tokenlab_schema" not in tables:
                    raise ValueError(f"{not_ours}: it holds other tables ({', '.join(sorted(tables))})")
                versions = [v for (v,) in db.execute("SELECT version FROM tokenlab_schema")]
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{not_ours} ({exc})") from None
        if versions != [SCHEMA_VERSION]:
            shown = ", ".join(map(str, versions)) or "none"
            raise ValueError(
                f"{self.path!r} is a tokenlab store of schema version {shown}; this tokenlab "
                f"reads version {SCHEMA_VERSION} only: use the tokenlab that wrote it, or "
                "another file")

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """Run a read: inside this thread's transaction on its connection (it sees its own
        writes), else on a pooled reader connection (committed data, no waiting)."""
        lock = self.lock
        if lock.owner == threading.get_ident() and lock.connection is not None:
            return lock.connection.execute(sql, params).fetchall()
        if self._pid != os.getpid():
            self._pid, self._readers = os.getpid(), []
        try:
            connection = self._readers.pop()
        except IndexError:
            connection = self._connect()
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            if not self._closed:
                self._readers.append(connection)

    def _check(self, kind: object, key: object) -> None:
        if type(kind) is not str:
            raise TypeError(f"kind must be a str, not {type(kind).__name__}")
        if type(key) is not str:
            raise TypeError(f"key must be a str, not {type(key).__name__}")

    # -- writes: one transaction each (or part of the caller's, under ``lock``) -----------------

    def put(self, kind: str, key: str, value: Any, *, until: float) -> None:
        """Store ``value`` until ``until``, as :meth:`MemoryStore.put` does (an entry never
        shortens; every entry whose time is over is dropped first)."""
        self._check(kind, key)
        check_until(until)
        text = _dumps(value)  # a TypeError here, before anything is written
        with self.lock as db:
            now = self.clock.time()
            db.execute("DELETE FROM entries WHERE until <= ?", (now,))
            if until > now:
                db.execute("INSERT INTO entries (kind, key, value, until) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, "
                           "until = max(until, excluded.until)", (kind, key, text, until))
            else:  # over already: only an entry that outlives it takes the value
                db.execute("UPDATE entries SET value = ? WHERE kind = ? AND key = ?",
                           (text, kind, key))

    def delete(self, kind: str, key: str) -> None:
        with self.lock as db:
            db.execute("DELETE FROM entries WHERE kind = ? AND key = ?", (kind, key))
            db.execute("DELETE FROM entries WHERE until <= ?", (self.clock.time(),))

    def purge(self, now: float) -> int:
        """Drop every entry whose time is over (``until <= now``); returns how many."""
        with self.lock as db:
            return db.execute("DELETE FROM entries WHERE until <= ?", (now,)).rowcount

    def clear(self) -> None:
        """Forget every entry — the signing keys an AuthServer keeps here too."""
        with self.lock as db:
            db.execute("DELETE FROM entries")

    # -- reads: never change the store -------------------------------------------------------------

    def get(self, kind: str, key: str) -> Any | None:
        rows = self._rows("SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, key))
        return _loads(rows[0][0]) if rows else None

    def until(self, kind: str, key: str) -> float | None:
        rows = self._rows("SELECT until FROM entries WHERE kind = ? AND key = ?", (kind, key))
        return rows[0][0] if rows else None

    def contains(self, kind: str, key: str) -> bool:
        return bool(self._rows("SELECT 1 FROM entries WHERE kind = ? AND key = ?", (kind, key)))

    def keys(self, kind: str) -> list[str]:
        """The keys of ``kind``, in the order they were first put."""
        return [k for (k,) in self._rows(
            "SELECT key FROM entries WHERE kind = ? ORDER BY rowid", (kind,))]

    def count(self, kind: str) -> int:
        return int(self._rows("SELECT count(*) FROM entries WHERE kind = ?", (kind,))[0][0])

    def __len__(self) -> int:
        return int(self._rows("SELECT count(*) FROM entries", ())[0][0])

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"``, or what is wrong."""
        return "\n".join(str(r[0]) for r in self._rows("PRAGMA integrity_check", ()))

    # -- life cycle --------------------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection; the file keeps everything committed. Twice is fine."""
        with self.lock._mutex:
            self._closed = True
            with self._book:
                connections, self._connections, self._readers = self._connections, [], []
            self.lock.connection = None
            for connection in connections:
                connection.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._closed:
            return f"SQLiteStore({self.path!r}, closed)"
        sizes = ", ".join(f"{kind}={n}" for kind, n in self._rows(
            "SELECT kind, count(*) FROM entries GROUP BY kind ORDER BY min(rowid)", ()))
        return f"SQLiteStore({self.path!r}, {sizes or 'empty'})"
