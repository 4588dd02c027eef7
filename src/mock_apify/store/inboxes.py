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

    def add_message(
        self, name: str, message: Record, behaviour: Record | None, max_messages: int, max_bytes: int
    ) -> None:
        """Record a message, and the inbox's behaviour after it consumed a scripted answer; then
        drop the oldest messages past `max_messages` or `max_bytes` (stored size). The newest one
        always stays."""
        with self._db.transaction() as db:
            db.execute("INSERT INTO inbox_messages (inbox, message) VALUES (?, ?)", (name, dump(message)))
            if behaviour is not None:
                db.execute("UPDATE inboxes SET behaviour = ? WHERE name = ?", (dump(behaviour), name))
            # length() of a BLOB comes from the row header: the messages themselves are not read.
            newest_first = db.execute(
                "SELECT seq, length(message) FROM inbox_messages WHERE inbox = ? ORDER BY seq DESC LIMIT ?",
                (name, max_messages + 1),
            ).fetchall()
            kept = size = 0
            for seq, length in newest_first:
                if kept and (kept >= max_messages or size + length > max_bytes):
                    db.execute("DELETE FROM inbox_messages WHERE inbox = ? AND seq <= ?", (name, seq))
                    break
                kept, size = kept + 1, size + length

    def messages(self, name: str, offset: int, limit: int, max_bytes: int) -> Page:
        """A page of messages, oldest first: at most `limit`, and no more than `max_bytes` (stored
        size) once it has one."""
        total = self._db.conn.execute(
            "SELECT COUNT(*) FROM inbox_messages WHERE inbox = ?", (name,)
        ).fetchone()[0]
        rows = self._db.conn.execute(
            "SELECT message FROM inbox_messages WHERE inbox = ? ORDER BY seq LIMIT ? OFFSET ?",
            (name, limit, offset),
        )
        items: list[Record] = []
        size = 0
        for (raw,) in rows:  # fetched one by one: what is past the budget is never read
            if items and size + len(raw) > max_bytes:
                break
            items.append(orjson.loads(raw))
            size += len(raw)
        return Page(total, items)

    def clear(self, name: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM inbox_messages WHERE inbox = ?", (name,))
            db.execute("DELETE FROM inboxes WHERE name = ?", (name,))
