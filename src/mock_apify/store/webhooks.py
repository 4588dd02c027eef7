"""Webhooks: stored with their pre-rendered list form, counted per user in memory, found by target."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from ..model.types import Page, Record
from .db import Database, dump


class WebhookLimitReached(Exception):
    """The user already has the maximum number of webhooks."""


class IdempotencyKeyTaken(Exception):
    """Another webhook of the user already has this idempotency key."""


def _target(condition: dict[str, str]) -> str:
    """The `target` column of a webhook with this condition, which names one Actor, task or run."""
    ((key, value),) = condition.items()
    return f"{key}={value}"


class Webhooks:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Webhooks per user, counted once per process and then kept here: the create path checks
        # the limit and lists show the total without touching (and writing) another row.
        self._counts: dict[str, int] = {}
        db.on_forget(self._counts.clear)

    _COLUMNS = "doc, last_dispatch, total_dispatches"

    @staticmethod
    def _record(row: tuple[bytes, bytes | None, int]) -> Record:
        doc: Record = orjson.loads(row[0])
        doc["lastDispatch"] = orjson.loads(row[1]) if row[1] else None
        doc["stats"] = {"totalDispatches": row[2]}
        return doc

    def count(self, user_id: str) -> int:
        count = self._counts.get(user_id)
        if count is None:
            row = self._db.conn.execute(
                "SELECT COUNT(*) FROM webhooks WHERE user_id = ?", (user_id,)
            ).fetchone()
            count = self._counts[user_id] = row[0]
        return count

    def insert(self, webhook: Record, list_item: bytes, *, max_per_user: int) -> tuple[Record, bool]:
        """Store a new webhook, or return the user's webhook with the same idempotency key.

        The unique index on (user_id, idempotency_key) is what makes a key create at most one
        webhook: the insert yields to an existing one, which is then read. Returns (webhook, created).
        """
        user_id, key = webhook["userId"], webhook.get("idempotencyKey")
        with self._db.transaction() as db:
            count = self.count(user_id)
            if count >= max_per_user:
                existing = self._by_key(user_id, key) if key is not None else None
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
                    dump(webhook),
                    list_item,
                ),
            )
            if cursor.rowcount == 0:
                existing = self._by_key(user_id, key) if key is not None else None
                assert existing is not None, "only the idempotency key can conflict"
                return existing, False
            self._counts[user_id] = count + 1
        return {**webhook, "lastDispatch": None, "stats": {"totalDispatches": 0}}, True

    def _by_key(self, user_id: str, key: str) -> Record | None:
        row = self._db.conn.execute(
            f"SELECT {self._COLUMNS} FROM webhooks WHERE user_id = ? AND idempotency_key = ?",
            (user_id, key),
        ).fetchone()
        return self._record(row) if row else None

    def get(self, user_id: str, webhook_id: str) -> Record | None:
        row = self._db.conn.execute(
            f"SELECT {self._COLUMNS} FROM webhooks WHERE id = ? AND user_id = ?",
            (webhook_id, user_id),
        ).fetchone()
        return self._record(row) if row else None

    def owner(self, webhook_id: str) -> str | None:
        """The id of the user a webhook belongs to (the emulator's controls name webhooks alone)."""
        row = self._db.conn.execute("SELECT user_id FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
        return str(row[0]) if row else None

    def update(self, webhook: Record, list_item: bytes) -> bool:
        """Replace a webhook's client-set fields and its list form; False when it no longer exists."""
        stored = {k: v for k, v in webhook.items() if k not in ("lastDispatch", "stats")}
        with self._db.transaction() as db:
            try:
                cursor = db.execute(
                    "UPDATE webhooks SET doc = ?, short_head = ?, idempotency_key = ?, target = ?"
                    " WHERE id = ? AND user_id = ?",
                    (
                        dump(stored),
                        list_item,
                        webhook.get("idempotencyKey"),
                        _target(webhook["condition"]),
                        webhook["id"],
                        webhook["userId"],
                    ),
                )
            except sqlite3.IntegrityError:  # UNIQUE (user_id, idempotency_key)
                raise IdempotencyKeyTaken from None
        return cursor.rowcount == 1

    def delete(self, user_id: str, webhook_id: str, removal: Record) -> bool:
        """Delete a webhook and end its pending dispatches as FAILED, with the `removal` call
        saying why; its dispatch history stays."""
        with self._db.transaction() as db:
            cursor = db.execute("DELETE FROM webhooks WHERE id = ? AND user_id = ?", (webhook_id, user_id))
            if cursor.rowcount == 0:
                return False
            if user_id in self._counts:  # else the first count will see the delete
                self._counts[user_id] -= 1
            db.execute(
                "UPDATE dispatches SET calls = json_insert(calls, '$[#]', json(?)), status = 'FAILED',"
                " next_attempt_at = NULL WHERE webhook_id = ? AND status = 'ACTIVE'",
                (dump(removal), webhook_id),
            )
        return True

    def page(
        self, user_id: str, offset: int, limit: int, desc: bool, *, condition: dict[str, str] | None = None
    ) -> Page:
        """A page of the user's webhooks; with `condition`, only those whose condition is that one
        (`{"actorId": …}` or `{"actorTaskId": …}`)."""
        total, rows = self._rows(self._COLUMNS, user_id, offset, limit, desc, condition)
        return Page(total, [self._record(row) for row in rows])

    def item_page(
        self, user_id: str, offset: int, limit: int, desc: bool, *, condition: dict[str, str] | None = None
    ) -> Page:
        """As `page`, but each item is (short_head, last_dispatch, total_dispatches): the
        pieces of its list form (model.shapes.short_items)."""
        columns = "short_head, last_dispatch, total_dispatches"
        return Page(*self._rows(columns, user_id, offset, limit, desc, condition))

    def _rows(
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
            total = self.count(user_id)
            where, params = "user_id = ?", (user_id,)
        else:
            where, params = "user_id = ? AND target = ?", (user_id, _target(condition))
            total = self._db.conn.execute(f"SELECT COUNT(*) FROM webhooks WHERE {where}", params).fetchone()[
                0
            ]
        rows = self._db.conn.execute(
            f"SELECT {columns} FROM webhooks WHERE {where} ORDER BY seq {order} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
        return total, rows

    def matching(self, user_id: str, act_id: str, task_id: str | None, run_id: str | None) -> list[Record]:
        """The user's webhooks whose condition names this Actor, task or run."""
        targets = [_target({"actorId": act_id})]
        targets += [_target({"actorTaskId": task_id})] if task_id else []
        targets += [_target({"actorRunId": run_id})] if run_id else []
        # Without the hint SQLite walks all of the user's webhooks in order rather than sort the few
        # that match.
        rows = self._db.conn.execute(
            f"SELECT {self._COLUMNS} FROM webhooks INDEXED BY webhooks_by_target WHERE user_id = ?"
            f" AND target IN ({', '.join('?' * len(targets))}) ORDER BY seq",
            (user_id, *targets),
        ).fetchall()
        return [self._record(row) for row in rows]
