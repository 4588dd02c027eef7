"""Actor runs and builds: starting them (with ad-hoc webhooks), reading and waiting for them,
aborting and resurrecting, their logs and datasets, and the behaviour tests give each Actor."""

from __future__ import annotations

from typing import Any

import orjson

from ..clock import Clock
from ..engine.scheduler import JobScheduler
from ..errors import IdDoesNotMatch, InvalidRequest, RecordNotFound, RunFailed, RunTimeoutExceeded
from ..model import jobs, kvs
from ..model.paging import PageRequest
from ..model.types import Page, Record, User
from ..store import Storage
from .builds import BuildService
from .catalog import Catalog
from .webhooks import WebhookService

# The longest `waitForFinish` Apify honours, in seconds.
MAX_WAIT_SECS = 60
# How long run-sync waits for its run (Apify's MAX_ACTOR_JOB_SYNC_WAIT_SECS), in seconds.
SYNC_WAIT_SECS = 300


def _not_found(kind: str) -> RecordNotFound:
    return RecordNotFound("Actor run was not found" if kind == jobs.RUN else "Actor build was not found")


class JobService:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        scheduler: JobScheduler,
        catalog: Catalog,
        webhooks: WebhookService,
        builds: BuildService,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._scheduler = scheduler
        self._catalog = catalog
        self._webhooks = webhooks
        self._builds = builds

    # --- starting ----------------------------------------------------------------------------

    def start_run(
        self,
        user: User,
        actor: Record,
        task: Record | None,
        job_input: Any,
        query: dict[str, Any],
        body: tuple[bytes, str | None] = (b"", None),
    ) -> Record:
        """A new run of `actor` (or of `task`, whose input and options come first), with the ad-hoc
        webhooks of the `webhooks` parameter and its INPUT record (`body` as sent, with its
        Content-Type, or a task's input) stored in the same transaction as the run."""
        if task is not None and isinstance(job_input, dict | None):
            job_input = (task.get("input") or {}) | (job_input or {})
            body = (b"", None)
        input_record = kvs.input_record(job_input, *body)
        defaults = actor.get("defaultRunOptions") or {}
        if task is not None:
            defaults = defaults | {k: v for k, v in (task.get("options") or {}).items() if v is not None}
        options = jobs.run_options(query, defaults)
        run = jobs.new_run(actor, task, options, len(orjson.dumps(job_input)), self._clock.time())
        ad_hoc = self._webhooks.ad_hoc(user.id, query.get("webhooks"), run["id"])
        with self._storage.transaction():
            build = self._builds.default(actor)
            run |= {"buildId": build["id"], "buildNumber": build["buildNumber"]}
            for webhook in ad_hoc:
                self._webhooks.store(webhook)
            behaviour = self.behaviour(actor["id"]).get("run")
            self._scheduler.create(jobs.RUN, run, job_input, behaviour, options["timeoutSecs"])
            if input_record is not None:
                records = {kvs.INPUT: input_record}
                self._storage.kvs.put(run["defaultKeyValueStoreId"], records, self._clock.now_iso())
            self._storage.actors.count_job(actor["id"], "totalRuns")
            if task is not None:
                self._storage.tasks.count_job(task["id"], "totalRuns")
        return run

    # --- reading and waiting -----------------------------------------------------------------

    def get(self, kind: str, job_id: str, user: User | None) -> Record:
        """A run or build by ID; with a token only the owner's, without one any (by ID, as on Apify)."""
        job = self._storage.jobs.get(kind, job_id, user.id if user else None)
        if job is None:
            raise _not_found(kind)
        return job

    async def waited(self, kind: str, job: Record, wait_secs: int | None) -> Record:
        """The job once it ends, or as it is after `wait_secs` (at most MAX_WAIT_SECS)."""
        seconds = min(wait_secs or 0, MAX_WAIT_SECS)
        return await self._scheduler.wait_finished(kind, job["id"], seconds) or job

    async def run_to_end(self, run: Record) -> Record:
        """What run-sync answers from: the run once it SUCCEEDED, waiting up to SYNC_WAIT_SECS of
        the emulator's time (a virtual clock skips ahead, so this answers at once); RunFailed for
        any other end, RunTimeoutExceeded when it is still going."""
        ended = await self._scheduler.run_to_end(jobs.RUN, run["id"], SYNC_WAIT_SECS) or run
        if ended["status"] not in jobs.TERMINAL:
            raise RunTimeoutExceeded(SYNC_WAIT_SECS)
        if ended["status"] != "SUCCEEDED":
            raise RunFailed(ended["id"], ended["status"])
        return ended

    def page(self, user_id: str, page: PageRequest, **filters: Any) -> Page:
        """A page of the user's runs, optionally only one Actor's (`act_id`) or task's (`task_id`),
        only those with one of `statuses`, or started within `started_after`/`started_before`."""
        return self._storage.jobs.page(jobs.RUN, user_id, page.offset, page.limit, page.desc, **filters)

    def last(self, user: User, **filters: Any) -> Record:
        """The user's newest run of one Actor (`act_id`) or task (`task_id`), optionally only
        among those with one of `statuses` or of one `origin`: what `.../runs/last` names."""
        run = self._storage.jobs.latest(jobs.RUN, user.id, **filters)
        if run is None:
            raise _not_found(jobs.RUN)
        return run

    def log(self, job_id: str, user: User | None) -> tuple[Record, str]:
        """(job, log text) of a run or build; with a token only the owner's."""
        state = self._storage.jobs.state(job_id)
        if state is None or (user is not None and state[1]["userId"] != user.id):
            raise RecordNotFound("Log was not found")
        return state[1], state[2]

    async def wait_changed(self, job_id: str, seconds: float) -> None:
        await self._scheduler.wait_changed(job_id, seconds)

    # --- changing ----------------------------------------------------------------------------

    def abort(self, job: Record) -> Record:
        """Abort a job that is still going: ABORTING, then ABORTED at once. A finished one stays as it is."""
        if job["status"] not in jobs.ABORTABLE:
            return job
        self._scheduler.move(job["id"], {"status": "ABORTING"})
        return self._scheduler.move(job["id"], {"status": "ABORTED"})

    def update(self, run: Record, body: Record) -> Record:
        """Set a run's status message (and whether it is the last one), keeping its plan."""
        if body.get("runId") not in (None, run["id"]):
            raise IdDoesNotMatch(f"The body's runId {body['runId']!r} is not the ID of run {run['id']}.")
        updated = jobs.updated_run(run, body)
        self._storage.jobs.set_doc(updated)
        return updated

    def delete(self, run: Record) -> None:
        """Only a finished run may be deleted, as on Apify."""
        if run["status"] not in jobs.TERMINAL:
            raise InvalidRequest(f"Run {run['id']} is {run['status']}; only a finished run can be deleted.")
        self._storage.jobs.delete(run["id"])

    def resurrect(self, run: Record, timeout: int | None) -> Record:
        if run["status"] not in jobs.TERMINAL:
            raise InvalidRequest(
                f"Run {run['id']} is {run['status']}; only a finished run can be resurrected."
            )
        actor = self._storage.actors.any_by_id(run["actId"])
        behaviour = self.behaviour(run["actId"]).get("run") if actor else None
        return self._scheduler.restart(run["id"], behaviour, timeout or run["options"].get("timeoutSecs"))

    def move(self, kind: str, job_id: str, step: Record) -> Record:
        """Move any user's run or build to a status now (the /_mock control endpoints)."""
        job = self._storage.jobs.get(kind, job_id)
        if job is None:
            raise _not_found(kind)
        if step.get("items") and kind != jobs.RUN:
            raise InvalidRequest("Only runs have a dataset for items.")
        return self._scheduler.move(job["id"], step)

    def details(self, run_id: str) -> Record:
        """A run with what Apify's API does not show in one place: its input and its log."""
        run = self._storage.jobs.get(jobs.RUN, run_id)
        if run is None:
            raise _not_found(jobs.RUN)
        return {"run": run, "input": self._storage.jobs.input(run_id), "log": self._storage.jobs.log(run_id)}

    # --- behaviours --------------------------------------------------------------------------

    def behaviour(self, actor_id: str) -> Record:
        """How the Actor's next runs and builds end: `{"run"?: …, "build"?: …}`."""
        return self._storage.behaviours.get(actor_id) or {}

    def set_behaviour(self, actor: Record, behaviour: Record) -> None:
        """Refused (400) when a run's `output` or `records` could not be stored as records."""
        if isinstance(problem := kvs.ending_records(behaviour.get("run")), str):
            raise InvalidRequest(f"Invalid value provided in run.{problem}")
        self._storage.behaviours.set(actor, behaviour)
