"""Key-value stores and their records. A store's row keeps its fixed fields as a document and what
record writes change (`modified_at`, the counters) in columns, so a write touches two rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

import orjson

from ..model.kvs import Value
from ..model.types import Page, Record
from .db import Database, dump

_COLUMNS = "doc, modified_at, write_count, delete_count, storage_bytes"


def insert_store(db: sqlite3.Connection, doc: Record) -> bool:
    """Insert a store (inside the caller's transaction); False when its owner already has a store
    of that name."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO kv_stores (id, user_id, name, doc, modified_at) VALUES (?, ?, ?, ?, ?)",
        (doc["id"], doc["userId"], doc["name"], dump(doc), doc["createdAt"]),
    )
    return cursor.rowcount == 1


def _record(row: tuple[bytes, str, int, int, int]) -> Record:
    doc: Record = orjson.loads(row[0])
    stats = {"writeCount": row[2], "deleteCount": row[3], "storageBytes": row[4]}
    return doc | {"modifiedAt": row[1], "accessedAt": row[1], "stats": stats}


class KeyValueStores:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, doc: Record) -> bool:
        with self._db.transaction() as db:
            return insert_store(db, doc)

    def get(self, store_id: str) -> Record | None:
        """Any user's store by ID; callers check the owner."""
        row = self._db.conn.execute(f"SELECT {_COLUMNS} FROM kv_stores WHERE id = ?", (store_id,)).fetchone()
        return _record(row) if row else None

    def by_name(self, user_id: str, name: str) -> Record | None:
        row = self._db.conn.execute(
            f"SELECT {_COLUMNS} FROM kv_stores WHERE user_id = ? AND name = ?", (user_id, name)
        ).fetchone()
        return _record(row) if row else None

    def page(self, user_id: str, offset: int, limit: int, desc: bool, *, unnamed: bool) -> Page:
        where = "user_id = ?" if unnamed else "user_id = ? AND name IS NOT NULL"
        total, rows = self._db.page("kv_stores", _COLUMNS, where, (user_id,), offset, limit, desc)
        return Page(total, [_record(row) for row in rows])

    def rename(self, store: Record, name: str | None, now: str) -> bool:
        """Give a store another name (None: unnamed); False when the owner has one by that name."""
        doc = {key: store[key] for key in store if key not in ("modifiedAt", "accessedAt", "stats")}
        with self._db.transaction() as db:
            try:
                db.execute(
                    "UPDATE kv_stores SET name = ?, doc = ?, modified_at = ? WHERE id = ?",
                    (name, dump(doc | {"name": name}), now, store["id"]),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def delete(self, store_id: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM kv_records WHERE store_id = ?", (store_id,))
            db.execute("DELETE FROM kv_stores WHERE id = ?", (store_id,))

    # --- records -----------------------------------------------------------------------------

    def record(self, store_id: str, key: str) -> Value | None:
        row = self._db.conn.execute(
            "SELECT value, content_type FROM kv_records WHERE store_id = ? AND key = ?", (store_id, key)
        ).fetchone()
        return Value(row[0], row[1]) if row else None

    def put(self, store_id: str, records: Mapping[str, Value], now: str) -> None:
        """Write records (replacing those of the same keys), counted as writes of the store; none
        when the store is gone (a run's default store deleted before the run ended)."""
        with self._db.transaction() as db:
            if db.execute("SELECT 1 FROM kv_stores WHERE id = ?", (store_id,)).fetchone() is None:
                return
            for key, value in records.items():
                old = db.execute(
                    "SELECT length(value) FROM kv_records WHERE store_id = ? AND key = ?", (store_id, key)
                ).fetchone()
                db.execute(
                    "INSERT INTO kv_records (store_id, key, content_type, value) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (store_id, key) DO UPDATE"
                    " SET content_type = excluded.content_type, value = excluded.value",
                    (store_id, key, value.content_type, value.data),
                )
                grown = len(value.data) - (old[0] if old else 0)
                db.execute(
                    "UPDATE kv_stores SET modified_at = ?, write_count = write_count + 1,"
                    " storage_bytes = storage_bytes + ? WHERE id = ?",
                    (now, grown, store_id),
                )

    def delete_record(self, store_id: str, key: str, now: str) -> None:
        with self._db.transaction() as db:
            row = db.execute(
                "DELETE FROM kv_records WHERE store_id = ? AND key = ? RETURNING length(value)",
                (store_id, key),
            ).fetchone()
            if row is not None:
                db.execute(
                    "UPDATE kv_stores SET modified_at = ?, delete_count = delete_count + 1,"
                    " storage_bytes = storage_bytes - ? WHERE id = ?",
                    (now, row[0], store_id),
                )

    def keys(self, store_id: str, after: str | None, prefix: str | None, count: int) -> list[tuple[str, int]]:
        """Up to `count` (key, size) pairs in key order, after the key `after`, starting with `prefix`."""
        where, params = "store_id = ?", list[str | int]([store_id])
        if after is not None:
            where, params = where + " AND key > ?", [*params, after]
        if prefix:
            where, params = (
                where + " AND key >= ? AND substr(key, 1, ?) = ?",
                [*params, prefix, len(prefix), prefix],
            )
        rows = self._db.conn.execute(
            f"SELECT key, length(value) FROM kv_records WHERE {where} ORDER BY key LIMIT ?", [*params, count]
        ).fetchall()
        return [(row[0], row[1]) for row in rows]
