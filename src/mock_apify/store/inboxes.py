"""The built-in receiver's inboxes: their behaviour and the messages they recorded."""

from __future__ import annotations

import orjson

from ..model.types import Page, Record
from .db import Database, dump


class Inboxes:
    def __init__(self, db: Database) -> None:
        self._db = db

    def behaviour(self, name: str) -> Record | None:
        row = self._db.conn.execute("SELECT behaviour FROM inboxes WHERE name = ?", (name,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def set_behaviour(self, name: str, behaviour: Record) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO inboxes (name, behaviour) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET behaviour = excluded.behaviour",
                (name, dump(behaviour)),
            )

    def add_message(self, name: str, message: Record, behaviour: Record | None) -> None:
        """Record a message, and the inbox's behaviour after it consumed a scripted answer."""
        with self._db.transaction() as db:
            db.execute("INSERT INTO inbox_messages (inbox, message) VALUES (?, ?)", (name, dump(message)))
            if behaviour is not None:
                db.execute("UPDATE inboxes SET behaviour = ? WHERE name = ?", (dump(behaviour), name))

    def messages(self, name: str, offset: int, limit: int) -> Page:
        total = self._db.conn.execute(
            "SELECT COUNT(*) FROM inbox_messages WHERE inbox = ?", (name,)
        ).fetchone()[0]
        rows = self._db.conn.execute(
            "SELECT message FROM inbox_messages WHERE inbox = ? ORDER BY seq LIMIT ? OFFSET ?",
            (name, limit, offset),
        ).fetchall()
        return Page(total, [orjson.loads(row[0]) for row in rows])

    def clear(self, name: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM inbox_messages WHERE inbox = ?", (name,))
            db.execute("DELETE FROM inboxes WHERE name = ?", (name,))
