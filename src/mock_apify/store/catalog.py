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

    def replace(self, doc: Record) -> bool:
        """Store an updated document (its name may have changed); False when the user already has
        another one with its name."""
        with self._db.transaction() as db:
            cursor = db.execute(
                f"UPDATE OR IGNORE {self._table} SET name = ?, doc = ? WHERE id = ? AND user_id = ?",
                (doc["name"], dump(doc), doc["id"], doc["userId"]),
            )
        return cursor.rowcount == 1

    def count_job(self, record_id: str, stat: str) -> None:
        """Add one to a counter of the record's `stats` (`totalRuns`, `totalBuilds`), in SQL so that
        a run start does not read the document back."""
        with self._db.transaction() as db:
            db.execute(
                f"UPDATE {self._table} SET doc = CAST(json_set(doc, '$.stats.' || ?,"
                f" COALESCE(json_extract(doc, '$.stats.' || ?), 0) + 1) AS BLOB) WHERE id = ?",
                (stat, stat, record_id),
            )

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
        total, rows = self._db.page(self._table, "doc", "user_id = ?", (user_id,), offset, limit, desc)
        return Page(total, [orjson.loads(row[0]) for row in rows])

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


class Tasks(NamedRecords):
    def __init__(self, db: Database) -> None:
        super().__init__(db, "tasks")

    def rename_actor(self, user_id: str, actor_id: str, name: str) -> None:
        """Tasks keep their Actor's name for their list items: follow a rename."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE tasks SET doc = CAST(json_set(doc, '$.actName', ?) AS BLOB)"
                " WHERE user_id = ? AND json_extract(doc, '$.actId') = ?",
                (name, user_id, actor_id),
            )


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
