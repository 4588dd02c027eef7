"""All SQL of the emulator, over one SQLite connection.

Design: statements run synchronously on the event-loop thread. Every statement here is an indexed
point lookup, an indexed page, or a small write, which costs microseconds; a thread hop per
statement (aiosqlite) costs more than the statement itself. WAL with synchronous=NORMAL makes a
commit a single write to the WAL file: it survives the process being killed (the OS has the data),
and only an OS crash or power cut can lose the last commits, which is acceptable for an emulator.
Each write is committed before the HTTP response is sent, so a 201 means "stored".
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from .rendering import short_head

Doc = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    dispatch_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS actors (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    doc BLOB NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX IF NOT EXISTS actors_by_user ON actors (user_id, seq);
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    doc BLOB NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX IF NOT EXISTS tasks_by_user ON tasks (user_id, seq);
-- Every B-tree is a page written on each create's commit, so a webhook has four beside its table:
-- `target` is the one thing its condition names, as `actorId=…`, `actorTaskId=…` or `actorRunId=…`.
-- `short_head` is its list item, pre-rendered (rendering.short_head).
CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    idempotency_key TEXT,
    target TEXT NOT NULL,
    doc BLOB NOT NULL,
    short_head BLOB NOT NULL,
    last_dispatch BLOB,
    total_dispatches INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS webhooks_by_key ON webhooks (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS webhooks_by_user ON webhooks (user_id, seq);
CREATE INDEX IF NOT EXISTS webhooks_by_target ON webhooks (user_id, target, seq);
-- user_n and webhook_n number a user's and a webhook's dispatches 1, 2, 3...: dispatches are never
-- deleted one by one, so a page at any offset is an index seek, and totals are counters.
CREATE TABLE IF NOT EXISTS dispatches (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    user_n INTEGER NOT NULL,
    webhook_n INTEGER NOT NULL,
    status TEXT NOT NULL,
    doc BLOB NOT NULL,
    calls BLOB NOT NULL,
    delivery BLOB NOT NULL,
    next_attempt_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS dispatches_by_user ON dispatches (user_id, user_n);
CREATE UNIQUE INDEX IF NOT EXISTS dispatches_by_webhook ON dispatches (webhook_id, webhook_n);
CREATE INDEX IF NOT EXISTS dispatches_due ON dispatches (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
-- Actor runs and builds ("jobs"): `plan` lists the status changes still to come, the first due
-- at `next_at`; `log` is the job's log text.
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL,
    act_id TEXT NOT NULL,
    task_id TEXT,
    doc BLOB NOT NULL,
    log TEXT NOT NULL,
    plan BLOB NOT NULL,
    next_at REAL,
    input BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_user ON jobs (user_id, kind, seq);
CREATE INDEX IF NOT EXISTS jobs_by_actor ON jobs (act_id, kind, seq);
CREATE INDEX IF NOT EXISTS jobs_by_task ON jobs (task_id, seq);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (next_at) WHERE next_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    item_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dataset_items (
    dataset_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    item BLOB NOT NULL,
    PRIMARY KEY (dataset_id, n)
);
CREATE TABLE IF NOT EXISTS behaviours (
    actor_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    behaviour BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS inboxes (
    name TEXT PRIMARY KEY,
    behaviour BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS inbox_messages (
    seq INTEGER PRIMARY KEY,
    inbox TEXT NOT NULL,
    message BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_messages_by_inbox ON inbox_messages (inbox, seq);
"""

# Bumped whenever _SCHEMA changes in a way an existing file cannot follow.
SCHEMA_VERSION = 3

# Tables holding per-user documents, in the order a user's records are wiped.
_USER_TABLES = ("dispatches", "webhooks", "jobs", "behaviours", "tasks", "actors")


@dataclass(frozen=True)
class User:
    id: str
    username: str
    token: str


@dataclass(frozen=True)
class Page:
    total: int
    items: list[Any]


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
        self._thread = threading.Thread(target=self._run, name="mock-apify-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None)
        try:
            while not self._stopping.wait(0.5):
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)


class _Batch:
    """One group commit: done once its COMMIT ran, with the error if it failed."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = False
        self.error: sqlite3.Error | None = None


class StaleDatabase(Exception):
    """The database file was written by a build of mock-apify with another schema."""


class WebhookLimitReached(Exception):
    """The user already has the maximum number of webhooks."""


class IdempotencyKeyTaken(Exception):
    """Another webhook of the user already has this idempotency key."""


def _dump(doc: Any) -> bytes:
    return orjson.dumps(doc)


def _target(condition: dict[str, str]) -> str:
    """The `target` column of a webhook with this condition, which names one Actor, task or run."""
    ((key, value),) = condition.items()
    return f"{key}={value}"


class Storage:
    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._depth = 0
        self._batch: _Batch | None = None  # the group commit writes are joining now
        self._users: dict[str, User] = {}  # by token; users change rarely and are read on every request
        # Webhooks per user, counted once per process and then kept here: the create path checks
        # the limit and lists show the total without touching (and writing) another row.
        self._webhook_counts: dict[str, int] = {}
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("PRAGMA wal_autocheckpoint=0")  # see _Checkpointer
        self._create_schema(path)
        self._checkpointer = _Checkpointer(path) if path != ":memory:" else None

    def _create_schema(self, path: str) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        existing = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'users'").fetchone()
        if existing and version != SCHEMA_VERSION:
            self._db.close()
            raise StaleDatabase(
                f"the database file {path} was written by another version of mock-apify (schema"
                f" {version}, this one needs {SCHEMA_VERSION}): delete it, or start with another --db"
            )
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        if self._batch is not None:
            self._commit_batch()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()

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
                yield self._db
            finally:
                self._depth -= 1
            return
        commit: str | None
        loop = _running_loop()
        if loop is None:
            self._db.execute("BEGIN IMMEDIATE")
            commit, undo = "COMMIT", "ROLLBACK"
        else:
            if self._batch is None:
                self._batch = _Batch()
                loop.call_soon(self._commit_batch)
            if self._db.in_transaction:
                self._db.execute("SAVEPOINT unit")
                commit, undo = "RELEASE unit", "ROLLBACK TO unit"
            else:
                self._db.execute("BEGIN IMMEDIATE")
                commit, undo = None, "ROLLBACK"
        self._depth = 1
        try:
            yield self._db
        except BaseException:
            self._depth = 0
            self._rollback(undo)
            raise
        self._depth = 0
        if commit is not None:
            self._db.execute(commit)

    def _rollback(self, undo: str) -> None:
        self._db.execute(undo)
        if undo == "ROLLBACK TO unit":
            self._db.execute("RELEASE unit")
        self._webhook_counts.clear()  # they may have counted what was just undone

    def _commit_batch(self) -> None:
        batch, self._batch = self._batch, None
        assert batch is not None
        if self._db.in_transaction:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as failure:
                batch.error = failure
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                self._webhook_counts.clear()
        batch.done = True

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

    _write = transaction

    # --- users -------------------------------------------------------------------------------

    def add_user(self, user: User, created_at: str) -> bool:
        """Insert a user; False when the id, username or token is already taken."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO users (id, username, token, created_at) VALUES (?, ?, ?, ?)",
                (user.id, user.username, user.token, created_at),
            )
        return cursor.rowcount == 1

    def user_by_token(self, token: str) -> User | None:
        user = self._users.get(token)
        if user is None:
            row = self._db.execute(
                "SELECT id, username, token FROM users WHERE token = ?", (token,)
            ).fetchone()
            if row is None:
                return None
            user = self._users[token] = User(*row)
        return user

    def user_by_id(self, user_id: str) -> User | None:
        row = self._db.execute("SELECT id, username, token FROM users WHERE id = ?", (user_id,)).fetchone()
        return User(*row) if row else None

    def wipe_all(self) -> None:
        self._users.clear()
        self._webhook_counts.clear()
        with self._write() as db:
            for table in (*_USER_TABLES, "datasets", "dataset_items", "users", "inboxes", "inbox_messages"):
                db.execute(f"DELETE FROM {table}")

    def wipe_user(self, user_id: str) -> None:
        """Delete a user's records; the user and its token stay valid."""
        with self._write() as db:
            db.execute(
                "DELETE FROM dataset_items WHERE dataset_id IN (SELECT id FROM datasets WHERE user_id = ?)",
                (user_id,),
            )
            for table in (*_USER_TABLES, "datasets"):
                db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            db.execute("UPDATE users SET dispatch_count = 0 WHERE id = ?", (user_id,))
        self._webhook_counts[user_id] = 0

    # --- documents shared by actors and tasks -------------------------------------------------

    def _get(self, table: str, user_id: str, record_id: str) -> Doc | None:
        row = self._db.execute(
            f"SELECT doc FROM {table} WHERE id = ? AND user_id = ?", (record_id, user_id)
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def _get_by_name(self, table: str, user_id: str, name: str) -> Doc | None:
        row = self._db.execute(
            f"SELECT doc FROM {table} WHERE user_id = ? AND name = ?", (user_id, name)
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def _page(self, table: str, user_id: str, offset: int, limit: int, desc: bool) -> Page:
        total = self._db.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,)).fetchone()[0]
        order = "DESC" if desc else "ASC"
        rows = self._db.execute(
            f"SELECT doc FROM {table} WHERE user_id = ? ORDER BY seq {order} LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        ).fetchall()
        return Page(total, [orjson.loads(row[0]) for row in rows])

    def _exists(self, table: str, user_id: str, record_id: str) -> bool:
        row = self._db.execute(f"SELECT 1 FROM {table} WHERE id = ? AND user_id = ?", (record_id, user_id))
        return row.fetchone() is not None

    def _delete(self, table: str, user_id: str, record_id: str) -> bool:
        with self._write() as db:
            cursor = db.execute(f"DELETE FROM {table} WHERE id = ? AND user_id = ?", (record_id, user_id))
        return cursor.rowcount == 1

    def _insert_named(self, table: str, doc: Doc) -> bool:
        """Insert a named document; False when the user already has one with that name."""
        with self._write() as db:
            cursor = db.execute(
                f"INSERT OR IGNORE INTO {table} (id, user_id, name, doc) VALUES (?, ?, ?, ?)",
                (doc["id"], doc["userId"], doc["name"], _dump(doc)),
            )
        return cursor.rowcount == 1

    # --- actors ------------------------------------------------------------------------------

    def insert_actor(self, actor: Doc) -> bool:
        return self._insert_named("actors", actor)

    def get_actor(self, user_id: str, actor_id: str) -> Doc | None:
        return self._get("actors", user_id, actor_id)

    def actor_exists(self, user_id: str, actor_id: str) -> bool:
        return self._exists("actors", user_id, actor_id)

    def task_exists(self, user_id: str, task_id: str) -> bool:
        return self._exists("tasks", user_id, task_id)

    def actor_by_id(self, actor_id: str) -> Doc | None:
        """Any user's Actor (for the unauthenticated emulator-control endpoints)."""
        row = self._db.execute("SELECT doc FROM actors WHERE id = ?", (actor_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def get_actor_by_name(self, user_id: str, name: str) -> Doc | None:
        return self._get_by_name("actors", user_id, name)

    def list_actors(self, user_id: str, offset: int, limit: int, desc: bool) -> Page:
        return self._page("actors", user_id, offset, limit, desc)

    def delete_actor(self, user_id: str, actor_id: str) -> bool:
        return self._delete("actors", user_id, actor_id)

    # --- tasks -------------------------------------------------------------------------------

    def insert_task(self, task: Doc) -> bool:
        return self._insert_named("tasks", task)

    def get_task(self, user_id: str, task_id: str) -> Doc | None:
        return self._get("tasks", user_id, task_id)

    def get_task_by_name(self, user_id: str, name: str) -> Doc | None:
        return self._get_by_name("tasks", user_id, name)

    def list_tasks(self, user_id: str, offset: int, limit: int, desc: bool) -> Page:
        return self._page("tasks", user_id, offset, limit, desc)

    def delete_task(self, user_id: str, task_id: str) -> bool:
        return self._delete("tasks", user_id, task_id)

    # --- webhooks ----------------------------------------------------------------------------

    _WEBHOOK_COLUMNS = "doc, last_dispatch, total_dispatches"

    @staticmethod
    def _webhook(row: tuple[bytes, bytes | None, int]) -> Doc:
        doc: Doc = orjson.loads(row[0])
        doc["lastDispatch"] = orjson.loads(row[1]) if row[1] else None
        doc["stats"] = {"totalDispatches": row[2]}
        return doc

    def webhook_count(self, user_id: str) -> int:
        count = self._webhook_counts.get(user_id)
        if count is None:
            row = self._db.execute("SELECT COUNT(*) FROM webhooks WHERE user_id = ?", (user_id,)).fetchone()
            count = self._webhook_counts[user_id] = row[0]
        return count

    def insert_webhook(self, webhook: Doc, *, max_per_user: int) -> tuple[Doc, bool]:
        """Store a new webhook, or return the user's webhook with the same idempotency key.

        The unique index on (user_id, idempotency_key) is what makes a key create at most one
        webhook: the insert yields to an existing one, which is then read. Returns (webhook, created).
        """
        user_id, key = webhook["userId"], webhook.get("idempotencyKey")
        with self._write() as db:
            count = self.webhook_count(user_id)
            if count >= max_per_user:
                existing = self._webhook_by_key(user_id, key) if key is not None else None
                if existing is not None:
                    return existing, False
                raise WebhookLimitReached
            cursor = db.execute(
                "INSERT INTO webhooks (id, user_id, idempotency_key, target, doc, short_head)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING",
                (
                    webhook["id"],
                    user_id,
                    key,
                    _target(webhook["condition"]),
                    _dump(webhook),
                    short_head(webhook),
                ),
            )
            if cursor.rowcount == 0:
                existing = self._webhook_by_key(user_id, key) if key is not None else None
                assert existing is not None, "only the idempotency key can conflict"
                return existing, False
            self._webhook_counts[user_id] = count + 1
        return {**webhook, "lastDispatch": None, "stats": {"totalDispatches": 0}}, True

    def _webhook_by_key(self, user_id: str, key: str) -> Doc | None:
        row = self._db.execute(
            f"SELECT {self._WEBHOOK_COLUMNS} FROM webhooks WHERE user_id = ? AND idempotency_key = ?",
            (user_id, key),
        ).fetchone()
        return self._webhook(row) if row else None

    def get_webhook(self, user_id: str, webhook_id: str) -> Doc | None:
        row = self._db.execute(
            f"SELECT {self._WEBHOOK_COLUMNS} FROM webhooks WHERE id = ? AND user_id = ?",
            (webhook_id, user_id),
        ).fetchone()
        return self._webhook(row) if row else None

    def update_webhook(self, webhook: Doc) -> bool:
        """Replace a webhook's client-set fields; False when it no longer exists."""
        stored = {k: v for k, v in webhook.items() if k not in ("lastDispatch", "stats")}
        with self._write() as db:
            try:
                cursor = db.execute(
                    "UPDATE webhooks SET doc = ?, short_head = ?, idempotency_key = ?, target = ?"
                    " WHERE id = ? AND user_id = ?",
                    (
                        _dump(stored),
                        short_head(stored),
                        webhook.get("idempotencyKey"),
                        _target(webhook["condition"]),
                        webhook["id"],
                        webhook["userId"],
                    ),
                )
            except sqlite3.IntegrityError:  # UNIQUE (user_id, idempotency_key)
                raise IdempotencyKeyTaken from None
        return cursor.rowcount == 1

    def delete_webhook(self, user_id: str, webhook_id: str, removal: Doc) -> bool:
        """Delete a webhook and end its pending dispatches as FAILED, with the `removal` call
        saying why; its dispatch history stays."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM webhooks WHERE id = ? AND user_id = ?", (webhook_id, user_id))
            if cursor.rowcount == 0:
                return False
            if user_id in self._webhook_counts:  # else the first count will see the delete
                self._webhook_counts[user_id] -= 1
            db.execute(
                "UPDATE dispatches SET calls = json_insert(calls, '$[#]', json(?)), status = 'FAILED',"
                " next_attempt_at = NULL WHERE webhook_id = ? AND status = 'ACTIVE'",
                (_dump(removal), webhook_id),
            )
        return True

    def list_webhooks(
        self, user_id: str, offset: int, limit: int, desc: bool, *, condition: dict[str, str] | None = None
    ) -> Page:
        """A page of the user's webhooks; with `condition`, only those whose condition is that one
        (`{"actorId": …}` or `{"actorTaskId": …}`)."""
        total, rows = self._webhook_rows(self._WEBHOOK_COLUMNS, user_id, offset, limit, desc, condition)
        return Page(total, [self._webhook(row) for row in rows])

    def list_webhook_items(
        self, user_id: str, offset: int, limit: int, desc: bool, *, condition: dict[str, str] | None = None
    ) -> Page:
        """As list_webhooks, but each item is (short_head, last_dispatch, total_dispatches): the
        pieces of its list form (rendering.short_item)."""
        columns = "short_head, last_dispatch, total_dispatches"
        return Page(*self._webhook_rows(columns, user_id, offset, limit, desc, condition))

    def _webhook_rows(
        self,
        columns: str,
        user_id: str,
        offset: int,
        limit: int,
        desc: bool,
        condition: dict[str, str] | None,
    ) -> tuple[int, list[Any]]:
        order = "DESC" if desc else "ASC"
        params: tuple[str, ...]
        if condition is None:
            total = self.webhook_count(user_id)
            where, params = "user_id = ?", (user_id,)
        else:
            where, params = "user_id = ? AND target = ?", (user_id, _target(condition))
            total = self._db.execute(f"SELECT COUNT(*) FROM webhooks WHERE {where}", params).fetchone()[0]
        rows = self._db.execute(
            f"SELECT {columns} FROM webhooks WHERE {where} ORDER BY seq {order} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
        return total, rows

    # --- dispatches --------------------------------------------------------------------------

    def insert_dispatch(self, dispatch: Doc, delivery: Doc, due_at: float) -> None:
        """Store a new ACTIVE dispatch, due at `due_at`, and count it on its user and webhook."""
        last_dispatch = _dump({"status": "ACTIVE", "finishedAt": None, "removedAt": None})
        with self._write() as db:
            user_n = db.execute(
                "UPDATE users SET dispatch_count = dispatch_count + 1 WHERE id = ? RETURNING dispatch_count",
                (dispatch["userId"],),
            ).fetchone()[0]
            webhook_n = db.execute(
                "UPDATE webhooks SET total_dispatches = total_dispatches + 1, last_dispatch = ?"
                " WHERE id = ? RETURNING total_dispatches",
                (last_dispatch, dispatch["webhookId"]),
            ).fetchone()[0]
            db.execute(
                "INSERT INTO dispatches (id, user_id, webhook_id, user_n, webhook_n, status, doc, calls,"
                " delivery, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, '[]', ?, ?)",
                (
                    dispatch["id"],
                    dispatch["userId"],
                    dispatch["webhookId"],
                    user_n,
                    webhook_n,
                    _dump(dispatch),
                    _dump(delivery),
                    due_at,
                ),
            )

    @staticmethod
    def _dispatch(row: tuple[bytes, str, bytes]) -> Doc:
        doc: Doc = orjson.loads(row[0])
        doc["status"] = row[1]
        doc["calls"] = orjson.loads(row[2])
        return doc

    def get_dispatch(self, user_id: str, dispatch_id: str) -> Doc | None:
        row = self._db.execute(
            "SELECT doc, status, calls FROM dispatches WHERE id = ? AND user_id = ?", (dispatch_id, user_id)
        ).fetchone()
        return self._dispatch(row) if row else None

    def _ordinal_page(
        self,
        total: int,
        where: str,
        column: str,
        params: tuple[str, ...],
        offset: int,
        limit: int,
        desc: bool,
    ) -> Page:
        """A page over dense ordinals 1..total: a seek on the index, whatever the offset."""
        if desc:
            bound, order = ("<= ?", total - offset), "DESC"
        else:
            bound, order = ("> ?", offset), "ASC"
        rows = self._db.execute(
            f"SELECT doc, status, calls FROM dispatches WHERE {where} AND {column} {bound[0]}"
            f" ORDER BY {column} {order} LIMIT ?",
            (*params, bound[1], limit),
        ).fetchall()
        return Page(total, [self._dispatch(row) for row in rows])

    def list_dispatches(self, user_id: str, offset: int, limit: int, desc: bool) -> Page:
        row = self._db.execute("SELECT dispatch_count FROM users WHERE id = ?", (user_id,)).fetchone()
        total = row[0] if row else 0
        return self._ordinal_page(total, "user_id = ?", "user_n", (user_id,), offset, limit, desc)

    def list_webhook_dispatches(self, webhook: Doc, offset: int, limit: int, desc: bool) -> Page:
        total = webhook["stats"]["totalDispatches"]
        return self._ordinal_page(total, "webhook_id = ?", "webhook_n", (webhook["id"],), offset, limit, desc)

    def upcoming_dispatches(self, limit: int) -> list[tuple[str, float, Doc, int]]:
        """The ACTIVE dispatches soonest due: (id, next attempt time, delivery, attempts made)."""
        rows = self._db.execute(
            "SELECT id, next_attempt_at, delivery, json_array_length(calls) FROM dispatches"
            " WHERE next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT ?",
            (limit,),
        ).fetchall()
        return [(row[0], row[1], orjson.loads(row[2]), row[3]) for row in rows]

    def next_due_time(self) -> float | None:
        row = self._db.execute(
            "SELECT MIN(next_attempt_at) FROM dispatches WHERE next_attempt_at IS NOT NULL"
        ).fetchone()
        return row[0] if row else None

    def active_dispatch_count(self) -> int:
        return int(
            self._db.execute("SELECT COUNT(*) FROM dispatches WHERE next_attempt_at IS NOT NULL").fetchone()[
                0
            ]
        )

    def record_attempt(self, dispatch_id: str, call: Doc, status: str, next_attempt_at: float | None) -> bool:
        """Append an attempt's call and move the dispatch on; False if it had already ended
        (its webhook was deleted meanwhile), in which case nothing changes."""
        with self._write() as db:
            row = db.execute(
                "SELECT webhook_id FROM dispatches WHERE id = ? AND status = 'ACTIVE'", (dispatch_id,)
            ).fetchone()
            if row is None:
                return False
            db.execute(
                "UPDATE dispatches SET calls = json_insert(calls, '$[#]', json(?)), status = ?,"
                " next_attempt_at = ? WHERE id = ?",
                (_dump(call), status, next_attempt_at, dispatch_id),
            )
            if status != "ACTIVE":
                last = {"status": status, "finishedAt": call["finishedAt"], "removedAt": None}
                db.execute("UPDATE webhooks SET last_dispatch = ? WHERE id = ?", (_dump(last), row[0]))
        return True

    # --- inboxes (the built-in receiver) -------------------------------------------------------

    def get_inbox_behaviour(self, name: str) -> Doc | None:
        row = self._db.execute("SELECT behaviour FROM inboxes WHERE name = ?", (name,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def set_inbox_behaviour(self, name: str, behaviour: Doc) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO inboxes (name, behaviour) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET behaviour = excluded.behaviour",
                (name, _dump(behaviour)),
            )

    def add_inbox_message(self, name: str, message: Doc, behaviour: Doc | None) -> None:
        """Record a message, and the inbox's behaviour after it consumed a scripted answer."""
        with self._write() as db:
            db.execute("INSERT INTO inbox_messages (inbox, message) VALUES (?, ?)", (name, _dump(message)))
            if behaviour is not None:
                db.execute("UPDATE inboxes SET behaviour = ? WHERE name = ?", (_dump(behaviour), name))

    def inbox_messages(self, name: str, offset: int, limit: int) -> Page:
        total = self._db.execute("SELECT COUNT(*) FROM inbox_messages WHERE inbox = ?", (name,)).fetchone()[0]
        rows = self._db.execute(
            "SELECT message FROM inbox_messages WHERE inbox = ? ORDER BY seq LIMIT ? OFFSET ?",
            (name, limit, offset),
        ).fetchall()
        return Page(total, [orjson.loads(row[0]) for row in rows])

    def clear_inbox(self, name: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM inbox_messages WHERE inbox = ?", (name,))
            db.execute("DELETE FROM inboxes WHERE name = ?", (name,))

    # --- jobs: Actor runs and builds ----------------------------------------------------------

    def insert_job(self, kind: str, job: Doc, log: str, plan: list[Doc], job_input: Any) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO jobs (id, kind, user_id, act_id, task_id, doc, log, plan, next_at, input)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job["id"],
                    kind,
                    job["userId"],
                    job["actId"],
                    job.get("actorTaskId"),
                    _dump(job),
                    log,
                    _dump(plan),
                    plan[0]["at"] if plan else None,
                    orjson.dumps(job_input),
                ),
            )
            if kind == "run":
                db.execute(
                    "INSERT INTO datasets (id, user_id) VALUES (?, ?)",
                    (job["defaultDatasetId"], job["userId"]),
                )

    def update_job(self, job: Doc, log_lines: str, plan: list[Doc]) -> None:
        """Store a job's new state, append to its log and replace its remaining plan."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET doc = ?, log = log || ?, plan = ?, next_at = ? WHERE id = ?",
                (_dump(job), log_lines, _dump(plan), plan[0]["at"] if plan else None, job["id"]),
            )

    def get_job(self, kind: str, job_id: str, user_id: str | None = None) -> Doc | None:
        """A run or build by ID; without `user_id` anyone with the ID may read it, as on Apify."""
        row = self._db.execute(
            "SELECT doc FROM jobs WHERE id = ? AND kind = ? AND (? IS NULL OR user_id = ?)",
            (job_id, kind, user_id, user_id),
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def job_state(self, job_id: str) -> tuple[str, Doc, str, list[Doc]] | None:
        """(kind, doc, log, plan) of a job."""
        row = self._db.execute("SELECT kind, doc, log, plan FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return (row[0], orjson.loads(row[1]), row[2], orjson.loads(row[3])) if row else None

    def job_input(self, job_id: str) -> Any:
        row = self._db.execute("SELECT input FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def job_log(self, job_id: str) -> str | None:
        row = self._db.execute("SELECT log FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def list_jobs(
        self,
        kind: str,
        user_id: str,
        offset: int,
        limit: int,
        desc: bool,
        *,
        act_id: str | None = None,
        task_id: str | None = None,
    ) -> Page:
        where, params = "user_id = ? AND kind = ?", [user_id, kind]
        if act_id is not None:
            where, params = where + " AND act_id = ?", [*params, act_id]
        if task_id is not None:
            where, params = where + " AND task_id = ?", [*params, task_id]
        total = self._db.execute(f"SELECT COUNT(*) FROM jobs WHERE {where}", params).fetchone()[0]
        order = "DESC" if desc else "ASC"
        rows = self._db.execute(
            f"SELECT doc FROM jobs WHERE {where} ORDER BY seq {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return Page(total, [orjson.loads(row[0]) for row in rows])

    def latest_job(
        self, kind: str, user_id: str, *, act_id: str | None = None, task_id: str | None = None
    ) -> Doc | None:
        page = self.list_jobs(kind, user_id, 0, 1, True, act_id=act_id, task_id=task_id)
        return page.items[0] if page.items else None

    def due_jobs(self, now: float) -> list[str]:
        rows = self._db.execute(
            "SELECT id FROM jobs WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at", (now,)
        ).fetchall()
        return [row[0] for row in rows]

    def next_job_time(self) -> float | None:
        row = self._db.execute("SELECT MIN(next_at) FROM jobs WHERE next_at IS NOT NULL").fetchone()
        return row[0] if row else None

    def matching_webhooks(
        self, user_id: str, act_id: str, task_id: str | None, run_id: str | None
    ) -> list[Doc]:
        """The user's webhooks whose condition names this Actor, task or run."""
        targets = [_target({"actorId": act_id})]
        targets += [_target({"actorTaskId": task_id})] if task_id else []
        targets += [_target({"actorRunId": run_id})] if run_id else []
        # Without the hint SQLite walks all of the user's webhooks in order rather than sort the few
        # that match.
        rows = self._db.execute(
            f"SELECT {self._WEBHOOK_COLUMNS} FROM webhooks INDEXED BY webhooks_by_target WHERE user_id = ?"
            f" AND target IN ({', '.join('?' * len(targets))}) ORDER BY seq",
            (user_id, *targets),
        ).fetchall()
        return [self._webhook(row) for row in rows]

    # --- behaviours and datasets -------------------------------------------------------------

    def get_behaviour(self, actor_id: str) -> Doc | None:
        row = self._db.execute("SELECT behaviour FROM behaviours WHERE actor_id = ?", (actor_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def set_behaviour(self, actor: Doc, behaviour: Doc) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO behaviours (actor_id, user_id, behaviour) VALUES (?, ?, ?)"
                " ON CONFLICT (actor_id) DO UPDATE SET behaviour = excluded.behaviour",
                (actor["id"], actor["userId"], _dump(behaviour)),
            )

    def add_dataset_items(self, dataset_id: str, items: list[Any]) -> None:
        with self._write() as db:
            count = db.execute(
                "UPDATE datasets SET item_count = item_count + ? WHERE id = ? RETURNING item_count",
                (len(items), dataset_id),
            ).fetchone()[0]
            first = count - len(items) + 1
            db.executemany(
                "INSERT INTO dataset_items (dataset_id, n, item) VALUES (?, ?, ?)",
                [(dataset_id, first + i, _dump(item)) for i, item in enumerate(items)],
            )

    def dataset_owner(self, dataset_id: str) -> str | None:
        row = self._db.execute("SELECT user_id FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return row[0] if row else None

    def dataset_total(self, dataset_id: str, user_id: str) -> int | None:
        row = self._db.execute(
            "SELECT item_count FROM datasets WHERE id = ? AND user_id = ?", (dataset_id, user_id)
        ).fetchone()
        return row[0] if row else None

    def dataset_items(self, dataset_id: str, total: int, offset: int, limit: int, desc: bool) -> list[Any]:
        if desc:
            rows = self._db.execute(
                "SELECT item FROM dataset_items WHERE dataset_id = ? AND n <= ? ORDER BY n DESC LIMIT ?",
                (dataset_id, total - offset, limit),
            ).fetchall()
        else:
            rows = self._db.execute(
                "SELECT item FROM dataset_items WHERE dataset_id = ? AND n > ? ORDER BY n LIMIT ?",
                (dataset_id, offset, limit),
            ).fetchall()
        return [orjson.loads(row[0]) for row in rows]
