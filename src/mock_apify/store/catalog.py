"""Actors and tasks: named records of a user, and each Actor's behaviour (how its runs end)."""

from __future__ import annotations

import orjson

from ..model.types import Page, Record
from .db import Database, dump


class NamedRecords:
    """A table of a user's records with unique names (`actors`, `tasks`)."""

    def __init__(self, db: Database, table: str) -> None:
        self._db = db
        self._table = table

    def insert(self, doc: Record) -> bool:
        """Insert a named document; False when the user already has one with that name."""
        with self._db.transaction() as db:
            cursor = db.execute(
                f"INSERT OR IGNORE INTO {self._table} (id, user_id, name, doc) VALUES (?, ?, ?, ?)",
                (doc["id"], doc["userId"], doc["name"], dump(doc)),
            )
        return cursor.rowcount == 1

    def get(self, user_id: str, record_id: str) -> Record | None:
        row = self._db.conn.execute(
            f"SELECT doc FROM {self._table} WHERE id = ? AND user_id = ?", (record_id, user_id)
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def get_by_name(self, user_id: str, name: str) -> Record | None:
        row = self._db.conn.execute(
            f"SELECT doc FROM {self._table} WHERE user_id = ? AND name = ?", (user_id, name)
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def page(self, user_id: str, offset: int, limit: int, desc: bool) -> Page:
        total = self._db.conn.execute(
            f"SELECT COUNT(*) FROM {self._table} WHERE user_id = ?", (user_id,)
        ).fetchone()[0]
        order = "DESC" if desc else "ASC"
        rows = self._db.conn.execute(
            f"SELECT doc FROM {self._table} WHERE user_id = ? ORDER BY seq {order} LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        ).fetchall()
        return Page(total, [orjson.loads(row[0]) for row in rows])

    def replace(self, doc: Record) -> None:
        """Store a changed document under its id (its name unchanged)."""
        with self._db.transaction() as db:
            db.execute(f"UPDATE {self._table} SET doc = ? WHERE id = ?", (dump(doc), doc["id"]))

    def exists(self, user_id: str, record_id: str) -> bool:
        row = self._db.conn.execute(
            f"SELECT 1 FROM {self._table} WHERE id = ? AND user_id = ?", (record_id, user_id)
        )
        return row.fetchone() is not None

    def delete(self, user_id: str, record_id: str) -> bool:
        with self._db.transaction() as db:
            cursor = db.execute(
                f"DELETE FROM {self._table} WHERE id = ? AND user_id = ?", (record_id, user_id)
            )
        return cursor.rowcount == 1


class Actors(NamedRecords):
    def __init__(self, db: Database) -> None:
        super().__init__(db, "actors")

    def any_by_id(self, actor_id: str) -> Record | None:
        """Any user's Actor (for the unauthenticated emulator-control endpoints)."""
        row = self._db.conn.execute("SELECT doc FROM actors WHERE id = ?", (actor_id,)).fetchone()
        return orjson.loads(row[0]) if row else None


class Behaviours:
    """How each Actor's next runs and builds end, set by tests."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, actor_id: str) -> Record | None:
        row = self._db.conn.execute(
            "SELECT behaviour FROM behaviours WHERE actor_id = ?", (actor_id,)
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def set(self, actor: Record, behaviour: Record) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO behaviours (actor_id, user_id, behaviour) VALUES (?, ?, ?)"
                " ON CONFLICT (actor_id) DO UPDATE SET behaviour = excluded.behaviour",
                (actor["id"], actor["userId"], dump(behaviour)),
            )
