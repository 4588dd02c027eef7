"""Datasets: numbered items, so a page at any offset is an index seek."""

from __future__ import annotations

from typing import Any

import orjson

from .db import Database, dump


class Datasets:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add_items(self, dataset_id: str, items: list[Any]) -> None:
        with self._db.transaction() as db:
            count = db.execute(
                "UPDATE datasets SET item_count = item_count + ? WHERE id = ? RETURNING item_count",
                (len(items), dataset_id),
            ).fetchone()[0]
            first = count - len(items) + 1
            db.executemany(
                "INSERT INTO dataset_items (dataset_id, n, item) VALUES (?, ?, ?)",
                [(dataset_id, first + i, dump(item)) for i, item in enumerate(items)],
            )

    def owner(self, dataset_id: str) -> str | None:
        row = self._db.conn.execute("SELECT user_id FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return row[0] if row else None

    def total(self, dataset_id: str, user_id: str) -> int | None:
        row = self._db.conn.execute(
            "SELECT item_count FROM datasets WHERE id = ? AND user_id = ?", (dataset_id, user_id)
        ).fetchone()
        return row[0] if row else None

    def items(self, dataset_id: str, total: int, offset: int, limit: int, desc: bool) -> list[Any]:
        if desc:
            rows = self._db.conn.execute(
                "SELECT item FROM dataset_items WHERE dataset_id = ? AND n <= ? ORDER BY n DESC LIMIT ?",
                (dataset_id, total - offset, limit),
            ).fetchall()
        else:
            rows = self._db.conn.execute(
                "SELECT item FROM dataset_items WHERE dataset_id = ? AND n > ? ORDER BY n LIMIT ?",
                (dataset_id, offset, limit),
            ).fetchall()
        return [orjson.loads(row[0]) for row in rows]
