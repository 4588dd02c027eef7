"""Actor runs and builds ("jobs"): the record, its log, its input and the status changes still
to come (its plan) with the time the next one is due; a job's default storages are made with it."""

from __future__ import annotations

from typing import Any

import orjson

from ..model import kvs
from ..model.types import Page, Record
from .db import Database, dump
from .kvs import insert_store


class Jobs:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, kind: str, job: Record, log: str, plan: list[Record], job_input: Any) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, kind, user_id, act_id, task_id, doc, log, plan, next_at, input)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job["id"],
                    kind,
                    job["userId"],
                    job["actId"],
                    job.get("actorTaskId"),
                    dump(job),
                    log,
                    dump(plan),
                    plan[0]["at"] if plan else None,
                    orjson.dumps(job_input),
                ),
            )
            if kind == "run":
                db.execute(
                    "INSERT INTO datasets (id, user_id) VALUES (?, ?)",
                    (job["defaultDatasetId"], job["userId"]),
                )
            insert_store(db, kvs.default_store(kind, job))

    def update(self, job: Record, log_lines: str, plan: list[Record]) -> None:
        """Store a job's new state, append to its log and replace its remaining plan."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE jobs SET doc = ?, log = log || ?, plan = ?, next_at = ? WHERE id = ?",
                (dump(job), log_lines, dump(plan), plan[0]["at"] if plan else None, job["id"]),
            )

    def get(self, kind: str, job_id: str, user_id: str | None = None) -> Record | None:
        """A run or build by ID; without `user_id` anyone with the ID may read it, as on Apify."""
        row = self._db.conn.execute(
            "SELECT doc FROM jobs WHERE id = ? AND kind = ? AND (? IS NULL OR user_id = ?)",
            (job_id, kind, user_id, user_id),
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def state(self, job_id: str) -> tuple[str, Record, str, list[Record]] | None:
        """(kind, doc, log, plan) of a job."""
        row = self._db.conn.execute(
            "SELECT kind, doc, log, plan FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
        return (row[0], orjson.loads(row[1]), row[2], orjson.loads(row[3])) if row else None

    def input(self, job_id: str) -> Any:
        row = self._db.conn.execute("SELECT input FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def log(self, job_id: str) -> str | None:
        row = self._db.conn.execute("SELECT log FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def page(
        self,
        kind: str,
        user_id: str,
        offset: int,
        limit: int,
        desc: bool,
        *,
        act_id: str | None = None,
        task_id: str | None = None,
        statuses: tuple[str, ...] = (),
    ) -> Page:
        where, params = "user_id = ? AND kind = ?", [user_id, kind]
        if statuses:
            marks = ", ".join("?" * len(statuses))
            where, params = where + f" AND json_extract(doc, '$.status') IN ({marks})", [*params, *statuses]
        if act_id is not None:
            where, params = where + " AND act_id = ?", [*params, act_id]
        if task_id is not None:
            where, params = where + " AND task_id = ?", [*params, task_id]
        total = self._db.conn.execute(f"SELECT COUNT(*) FROM jobs WHERE {where}", params).fetchone()[0]
        order = "DESC" if desc else "ASC"
        rows = self._db.conn.execute(
            f"SELECT doc FROM jobs WHERE {where} ORDER BY seq {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return Page(total, [orjson.loads(row[0]) for row in rows])

    def latest(
        self,
        kind: str,
        user_id: str,
        *,
        act_id: str | None = None,
        task_id: str | None = None,
        statuses: tuple[str, ...] = (),
    ) -> Record | None:
        page = self.page(kind, user_id, 0, 1, True, act_id=act_id, task_id=task_id, statuses=statuses)
        return page.items[0] if page.items else None

    def due(self, now: float) -> list[str]:
        rows = self._db.conn.execute(
            "SELECT id FROM jobs WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at", (now,)
        ).fetchall()
        return [row[0] for row in rows]

    def next_due(self) -> float | None:
        row = self._db.conn.execute("SELECT MIN(next_at) FROM jobs WHERE next_at IS NOT NULL").fetchone()
        return row[0] if row else None
