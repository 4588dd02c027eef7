"""Dispatches: the TEST event of `POST /v2/webhooks/{id}/test`, and reading the dispatch log."""

from __future__ import annotations

from typing import Any

from ..clock import Clock
from ..engine.dispatcher import Dispatcher
from ..engine.scheduler import JobScheduler
from ..errors import IdDoesNotMatch, RecordNotFound
from ..model import events, jobs
from ..model.paging import PageRequest
from ..model.types import Page, Record
from ..store import Storage
from .webhooks import WebhookService


class DispatchService:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        dispatcher: Dispatcher,
        scheduler: JobScheduler,
        webhooks: WebhookService,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._dispatcher = dispatcher
        self._scheduler = scheduler
        self._webhooks = webhooks

    def test(self, user_id: str, webhook_id: str, body: dict[str, Any] | None) -> Record:
        """A TEST dispatch of the webhook, about the run or build `test_source` picks."""
        webhook = self._webhooks.get(user_id, webhook_id)
        source = self._test_source(user_id, webhook, body or {})
        return self._dispatcher.enqueue(webhook, events.make_test_event(source, self._clock.time()))

    def _test_source(self, user_id: str, webhook: Record, body: dict[str, Any]) -> tuple[str, Record] | None:
        """The run or build a TEST dispatch shows: the one the body names (it must match the
        webhook's condition), else the latest run, then build, of the webhook's source ("Test your
        integration", https://docs.apify.com/platform/integrations/actors)."""
        jobs_store, condition = self._storage.jobs, webhook["condition"]
        if body.get("resourceId"):
            kind = jobs.BUILD if body.get("resourceType") == "BUILD" else jobs.RUN
            job = jobs_store.get(kind, body["resourceId"], user_id)
            if job is None:
                raise RecordNotFound(
                    "Actor build was not found" if kind == jobs.BUILD else "Actor run was not found"
                )
            if webhook["id"] not in {w["id"] for w in self._scheduler.listeners(kind, job)}:
                raise IdDoesNotMatch(f"The {kind} {job['id']} does not match the webhook's condition.")
            return kind, job
        if "actorRunId" in condition:
            run = jobs_store.get(jobs.RUN, condition["actorRunId"], user_id)
            return (jobs.RUN, run) if run else None
        if "actorTaskId" in condition:
            run = jobs_store.latest(jobs.RUN, user_id, task_id=condition["actorTaskId"])
            return (jobs.RUN, run) if run else None
        run = jobs_store.latest(jobs.RUN, user_id, act_id=condition["actorId"])
        if run:
            return jobs.RUN, run
        build = jobs_store.latest(jobs.BUILD, user_id, act_id=condition["actorId"])
        return (jobs.BUILD, build) if build else None

    def page(self, user_id: str, page: PageRequest, webhook_id: str | None = None) -> Page:
        """A page of the user's dispatches, or of one webhook's."""
        if webhook_id is None:
            return self._storage.dispatches.user_page(user_id, page.offset, page.limit, page.desc)
        webhook = self._webhooks.get(user_id, webhook_id)
        return self._storage.dispatches.webhook_page(webhook, page.offset, page.limit, page.desc)

    def get(self, user_id: str, dispatch_id: str) -> Record:
        dispatch = self._storage.dispatches.get(user_id, dispatch_id)
        if dispatch is None:
            raise RecordNotFound("Webhook dispatch was not found")
        return dispatch
