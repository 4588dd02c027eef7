"""Dispatches: numbered densely per user and per webhook, so any page is an index seek; the
dispatcher's due queue."""

from __future__ import annotations

from typing import NamedTuple

import orjson

from ..model.types import Page, Record
from .db import Database, dump


class Due(NamedTuple):
    """An ACTIVE dispatch in the due queue, with what fair scheduling needs to know of it."""

    id: str
    due_at: float
    user_id: str
    url: str


class Dispatches:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, dispatch: Record, delivery: Record, due_at: float) -> None:
        """Store a new ACTIVE dispatch, due at `due_at`, and count it on its user and webhook."""
        last_dispatch = dump({"status": "ACTIVE", "finishedAt": None, "removedAt": None})
        with self._db.transaction() as db:
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
                    dump(dispatch),
                    dump(delivery),
                    due_at,
                ),
            )

    @staticmethod
    def _record(row: tuple[bytes, str, bytes]) -> Record:
        doc: Record = orjson.loads(row[0])
        doc["status"] = row[1]
        doc["calls"] = orjson.loads(row[2])
        return doc

    def get(self, user_id: str, dispatch_id: str) -> Record | None:
        row = self._db.conn.execute(
            "SELECT doc, status, calls FROM dispatches WHERE id = ? AND user_id = ?", (dispatch_id, user_id)
        ).fetchone()
        return self._record(row) if row else None

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
        rows = self._db.conn.execute(
            f"SELECT doc, status, calls FROM dispatches WHERE {where} AND {column} {bound[0]}"
            f" ORDER BY {column} {order} LIMIT ?",
            (*params, bound[1], limit),
        ).fetchall()
        return Page(total, [self._record(row) for row in rows])

    def user_page(self, user_id: str, offset: int, limit: int, desc: bool) -> Page:
        row = self._db.conn.execute("SELECT dispatch_count FROM users WHERE id = ?", (user_id,)).fetchone()
        total = row[0] if row else 0
        return self._ordinal_page(total, "user_id = ?", "user_n", (user_id,), offset, limit, desc)

    def webhook_page(self, webhook: Record, offset: int, limit: int, desc: bool) -> Page:
        total = webhook["stats"]["totalDispatches"]
        return self._ordinal_page(total, "webhook_id = ?", "webhook_n", (webhook["id"],), offset, limit, desc)

    def upcoming(self, offset: int, limit: int) -> list[Due]:
        """A page of the ACTIVE dispatches, soonest due first (without their requests, which can
        be large: `delivery()` loads the one about to be attempted)."""
        rows = self._db.conn.execute(
            "SELECT id, next_attempt_at, user_id, json_extract(delivery, '$.url') FROM dispatches"
            " WHERE next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [Due(*row) for row in rows]

    def delivery(self, dispatch_id: str) -> tuple[Record, int]:
        """The rendered request of a dispatch and the number of attempts made so far."""
        row = self._db.conn.execute(
            "SELECT delivery, json_array_length(calls) FROM dispatches WHERE id = ?", (dispatch_id,)
        ).fetchone()
        return orjson.loads(row[0]), row[1]

    def next_due(self) -> float | None:
        row = self._db.conn.execute(
            "SELECT MIN(next_attempt_at) FROM dispatches WHERE next_attempt_at IS NOT NULL"
        ).fetchone()
        return row[0] if row else None

    def active(self, dispatch_id: str) -> bool:
        """Whether a dispatch has attempts to come."""
        row = self._db.conn.execute(
            "SELECT 1 FROM dispatches WHERE id = ? AND next_attempt_at IS NOT NULL", (dispatch_id,)
        ).fetchone()
        return row is not None

    def active_count(self) -> int:
        return int(
            self._db.conn.execute(
                "SELECT COUNT(*) FROM dispatches WHERE next_attempt_at IS NOT NULL"
            ).fetchone()[0]
        )

    def reschedule(self, dispatch_ids: list[str], due_at: float) -> None:
        """Make pending dispatches due at `due_at` (held ones a chaos rule releases)."""
        with self._db.transaction() as db:
            db.executemany(
                "UPDATE dispatches SET next_attempt_at = ? WHERE id = ? AND next_attempt_at IS NOT NULL",
                [(due_at, dispatch_id) for dispatch_id in dispatch_ids],
            )

    def record_attempt(
        self, dispatch_id: str, calls: list[Record], status: str, next_attempt_at: float | None
    ) -> bool:
        """Append an attempt's calls (one, or a duplicate's too) and move the dispatch on; False
        if it had already ended (its webhook was deleted meanwhile), in which case nothing changes."""
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT webhook_id FROM dispatches WHERE id = ? AND status = 'ACTIVE'", (dispatch_id,)
            ).fetchone()
            if row is None:
                return False
            for call in calls:
                db.execute(
                    "UPDATE dispatches SET calls = json_insert(calls, '$[#]', json(?)) WHERE id = ?",
                    (dump(call), dispatch_id),
                )
            db.execute(
                "UPDATE dispatches SET status = ?, next_attempt_at = ? WHERE id = ?",
                (status, next_attempt_at, dispatch_id),
            )
            if status != "ACTIVE":
                last = {"status": status, "finishedAt": calls[-1]["finishedAt"], "removedAt": None}
                db.execute("UPDATE webhooks SET last_dispatch = ? WHERE id = ?", (dump(last), row[0]))
        return True

    # --- the dashboard's reads ---------------------------------------------------------------

    def get_any(self, dispatch_id: str) -> Record | None:
        """A dispatch by ID, whoever's it is (the unauthenticated control endpoints)."""
        row = self._db.conn.execute(
            "SELECT doc, status, calls FROM dispatches WHERE id = ?", (dispatch_id,)
        ).fetchone()
        return self._record(row) if row else None

    def next_attempt_at(self, dispatch_id: str) -> float | None:
        """When the dispatch's next attempt is due (epoch seconds), or None once it has ended."""
        row = self._db.conn.execute(
            "SELECT next_attempt_at FROM dispatches WHERE id = ?", (dispatch_id,)
        ).fetchone()
        return row[0] if row else None

    def newest(
        self, user_id: str, limit: int, *, webhook_id: str | None, status: str | None, event_type: str | None
    ) -> list[Record]:
        """The user's newest dispatches first, optionally only one webhook's, one status or one
        event type (a scan of the user's index, newest first, stopping at `limit`)."""
        where, params = "user_id = ?", [user_id]
        if webhook_id:
            where, params = where + " AND webhook_id = ?", [*params, webhook_id]
        if status:
            where, params = where + " AND status = ?", [*params, status]
        if event_type:
            where, params = where + " AND json_extract(doc, '$.eventType') = ?", [*params, event_type]
        rows = self._db.conn.execute(
            f"SELECT doc, status, calls FROM dispatches WHERE {where} ORDER BY user_n DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [self._record(row) for row in rows]
