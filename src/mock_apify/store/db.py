"""The one SQLite connection: opening it, the schema check, group commit and the checkpointer.

Design: statements run synchronously on the event-loop thread. Every statement is an indexed point
lookup, an indexed page, or a small write, which costs microseconds; a thread hop per statement
(aiosqlite) costs more than the statement itself. A writer thread for the COMMIT alone was measured
too, and lost at c=1 and c=16 (docs/architecture.md, "Serving past aiohttp's router"). WAL with
synchronous=NORMAL makes a commit a single write to the WAL file: it survives the process being
killed (the OS has the data), and only an OS crash or power cut can lose the last commits, which is
acceptable for an emulator. Each write is committed before the HTTP response is sent, so a 201 means
"stored".
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson

from .schema import SCHEMA, SCHEMA_VERSION

MEMORY = ":memory:"
# After a checkpoint the WAL is cut back to this size, so a WAL that grew (large inbox messages,
# checkpoints that could not run on a full disk) shrinks again.
WAL_SIZE_LIMIT = 64 * 1024 * 1024

log = logging.getLogger("mock_apify.storage")


class StaleDatabase(Exception):
    """The database file was written by a build of mock-apify with another schema."""


class StorageError(Exception):
    """The database could not be read or written (a full disk, a removed or read-only file):
    nothing of the failed unit was stored."""


class _Outage:
    """Logs the first failure of a kind of work and its recovery, once each, however many
    requests fail in between (a full disk must not also fill the log)."""

    def __init__(self, what: str) -> None:
        self._what = what
        self.failing = False

    def failed(self, error: BaseException) -> None:
        if not self.failing:
            self.failing = True
            log.error(
                "%s failed: %s; retrying, nothing more is logged until it works again", self._what, error
            )

    def recovered(self) -> None:
        if self.failing:
            self.failing = False
            log.warning("%s works again", self._what)


def dump(record: Any) -> bytes:
    """A record as stored: compact JSON."""
    return orjson.dumps(record)


def _unusable(path: str) -> str | None:
    """Why `path` cannot hold the database, with the way out; None when it looks usable."""
    if path == MEMORY:
        return None
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return "it is a folder (give --db a file path, or :memory:)"
    if not os.path.isdir(folder):
        return f"the folder {folder} does not exist (create it, or give --db another path)"
    if not os.path.exists(path):
        if not os.access(folder, os.W_OK):
            return f"cannot create a file in {folder} (give --db a path in a writable folder)"
        return None
    if not os.access(path, os.R_OK | os.W_OK):
        return "the file is read-only (make it writable, or give --db another path)"
    if not os.access(folder, os.W_OK):
        return f"its folder {folder} is read-only and SQLite writes a -wal file there (make it writable)"
    return None


# Ways out of the SQLite errors that opening can still meet.
_OPEN_HINTS = {
    "file is not a database": "give --db another path; mock-apify does not overwrite other files",
    "unable to open database file": "give --db a path in a writable folder",
}


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _Checkpointer:
    """Moves the WAL into the database file from a thread of its own, every half second.

    SQLite would otherwise checkpoint inside whichever commit crosses 1000 WAL pages, with an
    fsync, stalling that request for milliseconds. A PASSIVE checkpoint on another connection
    never blocks the writer."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._stopping = threading.Event()
        self._outage = _Outage(f"checkpointing the WAL of {path}")
        self._thread = threading.Thread(target=self._run, name="mock-apify-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None)
        connection.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        try:
            while not self._stopping.wait(0.5):
                self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        """One checkpoint; a failure (a full disk) is logged once and retried on the next tick, so
        checkpoints resume by themselves when space returns."""
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:
            self._outage.failed(error)
        else:
            self._outage.recovered()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)


class _Batch:
    """One group commit: done once its COMMIT ran, with the error if it failed."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = False
        self.error: StorageError | None = None


class Database:
    """The connection (`conn`, set by `open()`), its transactions, and the in-memory caches of the
    table modules, which are forgotten whenever a rollback or a wipe may have made them wrong."""

    conn: sqlite3.Connection

    def __init__(self, path: str) -> None:
        self.path = path
        self._depth = 0
        self._batch: _Batch | None = None  # the group commit writes are joining now
        self._forget: list[Callable[[], None]] = []
        self._checkpointer: _Checkpointer | None = None
        self._writes = _Outage(f"writing to {path}")

    def on_forget(self, forget: Callable[[], None]) -> None:
        """Register a cache to clear when stored rows may no longer match it."""
        self._forget.append(forget)

    def forget_caches(self) -> None:
        for forget in self._forget:
            forget()

    def open(self) -> None:
        if problem := _unusable(self.path):
            raise StorageError(f"cannot open the database file {self.path}: {problem}")
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=5000")
            self.conn.execute("PRAGMA wal_autocheckpoint=0")  # see _Checkpointer
            # Once checkpointed, the WAL is cut back to this size; it would keep its largest size
            # (877 MB after twenty 9 MiB inbox messages, when the database held 44 MB).
            self.conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            self._create_schema()
        except sqlite3.Error as error:
            hint = _OPEN_HINTS.get(str(error))
            raise StorageError(
                f"cannot open the database file {self.path}: {error}" + (f" ({hint})" if hint else "")
            ) from None
        if self.path != MEMORY:
            self._checkpointer = _Checkpointer(self.path)

    def _create_schema(self) -> None:
        """Create the tables of a new file; an existing file of this schema is only read, so a
        restart works on a full disk."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        existing = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'users'").fetchone()
        if existing and version == SCHEMA_VERSION:
            return
        if existing:
            self.conn.close()
            raise StaleDatabase(
                f"the database file {self.path} was written by another version of mock-apify (schema"
                f" {version}, this one needs {SCHEMA_VERSION}): delete it, or start with another --db"
            )
        self.conn.executescript(SCHEMA)
        self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Commit what is pending and fold the WAL into the file; a failure here (a full disk) is
        logged, not raised: what was committed is safe in the WAL and is read back at the next start."""
        if self._batch is not None:
            self._commit_batch()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as error:
                log.warning(
                    "the last checkpoint failed (%s); the WAL keeps the data until the next start", error
                )
        self.conn.close()

    def page(
        self, table: str, columns: str, where: str, params: Sequence[Any], offset: int, limit: int, desc: bool
    ) -> tuple[int, list[Any]]:
        """(how many rows of `table` match `where`, a page of their `columns` in `seq` order): the
        query every list endpoint's store makes."""
        total = self.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT {columns} FROM {table} WHERE {where} ORDER BY seq {'DESC' if desc else 'ASC'}"
            " LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return total, rows

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An atomic unit of writes. Nested use joins the outer unit.

        On the event loop, units are group-committed: the first one opens a database transaction
        and schedules its COMMIT for the end of the loop's current pass; every later unit of that
        pass runs inside it as a SAVEPOINT (rolled back alone if it fails; the first one, alone in
        the transaction, rolls the transaction back). Responses wait for the COMMIT (`synced()`),
        so a 201 still means stored, while concurrent requests share one commit. Without a
        running loop (start-up, seeding) each unit commits at once."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            commit, undo = self._begin()
        except sqlite3.OperationalError as error:
            raise self._write_failed(error) from None
        self._depth = 1
        try:
            yield self.conn
            self._depth = 0
            if commit is not None:
                self.conn.execute(commit)
        except BaseException as error:
            self._depth = 0
            self._rollback(undo)
            if isinstance(error, sqlite3.OperationalError):
                raise self._write_failed(error) from None
            raise

    def _begin(self) -> tuple[str | None, str]:
        """Open a unit: (the statement that ends it, or None when the batch's COMMIT does; the
        statement that undoes it)."""
        loop = _running_loop()
        if loop is None:
            self.conn.execute("BEGIN IMMEDIATE")
            return "COMMIT", "ROLLBACK"
        if self._batch is None:
            self._batch = _Batch()
            loop.call_soon(self._commit_batch)
        if self.conn.in_transaction:
            self.conn.execute("SAVEPOINT unit")
            return "RELEASE unit", "ROLLBACK TO unit"
        self.conn.execute("BEGIN IMMEDIATE")
        return None, "ROLLBACK"

    def _write_failed(self, error: sqlite3.Error) -> StorageError:
        self._writes.failed(error)
        return StorageError(f"mock-apify could not write to {self.path}: {error}; nothing was stored")

    def _rollback(self, undo: str) -> None:
        if self.conn.in_transaction:
            self.conn.execute(undo)
            if undo == "ROLLBACK TO unit":
                self.conn.execute("RELEASE unit")
        self.forget_caches()  # they may hold what was just undone

    def _commit_batch(self) -> None:
        batch, self._batch = self._batch, None
        assert batch is not None
        if self.conn.in_transaction:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as failure:
                batch.error = self._write_failed(failure)
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                self.forget_caches()
            else:
                self._writes.recovered()
                self._check_wal()
        batch.done = True

    def _check_wal(self) -> None:
        """If the WAL file was deleted under us, what was just committed sits only in that unlinked
        file, and a crash would lose it: fold it into the database file now and start a new WAL
        (reopening), before any response says "stored". One stat per group commit."""
        if self.path == MEMORY or os.path.exists(self.path + "-wal"):
            return
        log.error(
            "the WAL file %s-wal was deleted while mock-apify was running; folding its data into"
            " %s and starting a new one (never delete the -wal or -shm files of a running emulator)",
            self.path,
            self.path,
        )
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()
        self.open()

    async def synced(self) -> None:
        """Wait until every write made so far is committed.

        The batch's COMMIT was queued when the batch opened, before this call, so after one yield
        the COMMIT has run and the caller goes on in that same loop pass (waiting on a future
        would take one pass more, which a lone request pays in full)."""
        batch = self._batch
        if batch is None:
            return
        while not batch.done:  # noqa: ASYNC110 -- one yield, by design (see above)
            await asyncio.sleep(0)
        if batch.error is not None:
            raise batch.error
