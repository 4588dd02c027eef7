"""Datasets and their items. Items are numbered 1, 2, 3... per dataset and never deleted one by
one, so a page at any offset is an index seek and the totals are counters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from ..model import datasets
from ..model.types import Page, Record
from .db import Database, dump

_COLUMNS = (
    "id, user_id, name, title, general_access, act_id, act_run_id, created_at, modified_at,"
    " accessed_at, item_count, clean_item_count, fields"
)
_KEYS = (
    "id",
    "userId",
    "name",
    "title",
    "generalAccess",
    "actId",
    "actRunId",
    "createdAt",
    "modifiedAt",
    "accessedAt",
    "itemCount",
    "cleanItemCount",
    "fields",
)


def _record(row: Any) -> Record:
    record = dict(zip(_KEYS, row, strict=True))
    record["fields"] = orjson.loads(record["fields"])
    return record


class Datasets:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, dataset: Record) -> bool:
        """Store a new dataset; False when the user already has one of that name."""
        with self._db.transaction() as db:
            cursor = db.execute(
                f"INSERT OR IGNORE INTO datasets ({_COLUMNS}) VALUES ({', '.join('?' * len(_KEYS))})",
                [dump(dataset[key]) if key == "fields" else dataset.get(key) for key in _KEYS],
            )
        return cursor.rowcount == 1

    def get(self, dataset_id: str) -> Record | None:
        row = self._db.conn.execute(f"SELECT {_COLUMNS} FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return _record(row) if row else None

    def get_by_name(self, user_id: str, name: str) -> Record | None:
        row = self._db.conn.execute(
            f"SELECT {_COLUMNS} FROM datasets WHERE user_id = ? AND name = ?", (user_id, name)
        ).fetchone()
        return _record(row) if row else None

    def page(self, user_id: str, offset: int, limit: int, desc: bool, unnamed: bool) -> Page:
        """A page of the user's datasets in creation order; only named ones unless `unnamed`."""
        where = "user_id = ?" + ("" if unnamed else " AND name IS NOT NULL")
        total, rows = self._db.page("datasets", _COLUMNS, where, (user_id,), offset, limit, desc)
        return Page(total, [_record(row) for row in rows])

    def update(self, dataset_id: str, changes: Record) -> bool:
        """Set `name`, `title`, `generalAccess` and `modifiedAt`; False when the name is taken."""
        with self._db.transaction() as db:
            cursor = db.execute(
                "UPDATE OR IGNORE datasets SET name = ?, title = ?, general_access = ?, modified_at = ?"
                " WHERE id = ?",
                (
                    changes["name"],
                    changes["title"],
                    changes["generalAccess"],
                    changes["modifiedAt"],
                    dataset_id,
                ),
            )
        return cursor.rowcount == 1

    def touch(self, dataset_id: str, accessed_at: str) -> None:
        with self._db.transaction() as db:
            db.execute("UPDATE datasets SET accessed_at = ? WHERE id = ?", (accessed_at, dataset_id))

    def delete(self, dataset_id: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM dataset_items WHERE dataset_id = ?", (dataset_id,))
            db.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))

    def add_items(self, dataset_id: str, items: list[Any], now: str) -> None:
        """Append `items`, counting the clean ones and adding new top-level fields to the list."""
        with self._db.transaction() as db:
            row = db.execute("SELECT fields FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
            if row is None:
                return  # deleted while its run was still going: the items go nowhere, as on Apify
            clean, fields = datasets.counted(items, orjson.loads(row[0]))
            count = db.execute(
                "UPDATE datasets SET item_count = item_count + ?, clean_item_count = clean_item_count + ?,"
                " fields = ?, modified_at = ? WHERE id = ? RETURNING item_count",
                (len(items), clean, dump(fields), now, dataset_id),
            ).fetchone()[0]
            first = count - len(items) + 1
            db.executemany(
                "INSERT INTO dataset_items (dataset_id, n, item) VALUES (?, ?, ?)",
                [(dataset_id, first + i, dump(item)) for i, item in enumerate(items)],
            )

    def rows(
        self, dataset_id: str, first: int, last: int, desc: bool, chunk: int, budget: int
    ) -> Iterator[list[bytes]]:
        """The stored items numbered `first`..`last` (inclusive), as JSON bytes, in chunks of at
        most `chunk` items and `budget` bytes (or one item, when it alone is larger): each chunk
        is two index seeks, its sizes and then its items, so a read never holds more."""
        order = "DESC" if desc else "ASC"
        where = "dataset_id = ? AND n BETWEEN ? AND ?"
        low, high = first, last
        while low <= high:
            sizes = self._db.conn.execute(
                f"SELECT n, length(item) FROM dataset_items WHERE {where} ORDER BY n {order} LIMIT ?",
                (dataset_id, low, high, chunk),
            ).fetchall()
            if not sizes:
                return
            taken, total = 0, 0
            while taken < len(sizes) and (taken == 0 or total + sizes[taken][1] <= budget):
                total += sizes[taken][1]
                taken += 1
            edge = sizes[taken - 1][0]
            span = (dataset_id, edge, high) if desc else (dataset_id, low, edge)
            rows = self._db.conn.execute(
                f"SELECT item FROM dataset_items WHERE {where} ORDER BY n {order}", span
            )
            yield [row[0] for row in rows.fetchall()]
            low, high = (low, edge - 1) if desc else (edge + 1, high)
