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
                    "INSERT INTO datasets (id, user_id, act_id, act_run_id, created_at, modified_at,"
                    " accessed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        job["defaultDatasetId"],
                        job["userId"],
                        job["actId"],
                        job["id"],
                        *[job["startedAt"]] * 3,
                    ),
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

    def page(self, kind: str, user_id: str, offset: int, limit: int, desc: bool, **filters: Any) -> Page:
        """A page of the user's runs or builds, oldest first unless `desc`; `filters` as `_where`."""
        where, params = _where(kind, user_id, **filters)
        total, rows = self._db.page("jobs", "doc", where, params, offset, limit, desc)
        return Page(total, [orjson.loads(row[0]) for row in rows])

    def latest(self, kind: str, user_id: str, **filters: Any) -> Record | None:
        """The newest of the user's runs or builds matching `filters`: one row, no count (a run
        start asks for its Actor's build here)."""
        where, params = _where(kind, user_id, **filters)
        row = self._db.conn.execute(
            f"SELECT doc FROM jobs WHERE {where} ORDER BY seq DESC LIMIT 1", params
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def set_doc(self, job: Record) -> None:
        """Store a job's changed fields, keeping its log and plan."""
        with self._db.transaction() as db:
            db.execute("UPDATE jobs SET doc = ? WHERE id = ?", (dump(job), job["id"]))

    def delete(self, job_id: str) -> None:
        """Forget a job; its default storages stay, as they do on Apify."""
        with self._db.transaction() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def due(self, now: float) -> list[str]:
        rows = self._db.conn.execute(
            "SELECT id FROM jobs WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at", (now,)
        ).fetchall()
        return [row[0] for row in rows]

    def next_due(self) -> float | None:
        row = self._db.conn.execute("SELECT MIN(next_at) FROM jobs WHERE next_at IS NOT NULL").fetchone()
        return row[0] if row else None


def _where(
    kind: str,
    user_id: str,
    *,
    act_id: str | None = None,
    task_id: str | None = None,
    statuses: tuple[str, ...] = (),
    started_after: str | None = None,
    started_before: str | None = None,
    version: str | None = None,
    origin: str | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clause of a job list: one Actor's or task's, with one of `statuses`, started
    within the bounds (inclusive ISO timestamps, which sort as text), built from one `version`,
    started from one `origin`."""
    clauses, params = ["user_id = ?", "kind = ?"], [user_id, kind]
    if statuses:
        clauses.append(f"json_extract(doc, '$.status') IN ({', '.join('?' * len(statuses))})")
        params.extend(statuses)
    for clause, value in (
        ("act_id = ?", act_id),
        ("task_id = ?", task_id),
        ("json_extract(doc, '$.startedAt') >= ?", started_after),
        ("json_extract(doc, '$.startedAt') <= ?", started_before),
        ("json_extract(doc, '$.actVersion.versionNumber') = ?", version),
        ("json_extract(doc, '$.meta.origin') = ?", origin),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params
