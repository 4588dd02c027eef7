"""Actor builds: starting them, the build every run names, listing and deleting them.

An Actor that was never built still runs on the emulator, so its first run (or the first read of
`builds/default`) makes it a default build, already SUCCEEDED, without events: Apify refuses to
run such an Actor, and a build nobody started should not fire ACTOR.BUILD.* at a test's webhooks.
It is made lazily, not when the Actor is created, so that creating an Actor stays one write and a
webhook TEST of a never-run Actor still shows what it showed before."""

from __future__ import annotations

from typing import Any

from ..clock import Clock
from ..engine.scheduler import JobScheduler
from ..errors import InvalidRequest, RecordNotFound
from ..model import jobs
from ..model.paging import PageRequest
from ..model.types import Page, Record, User
from ..store import Storage


class BuildService:
    def __init__(self, storage: Storage, clock: Clock, scheduler: JobScheduler) -> None:
        self._storage = storage
        self._clock = clock
        self._scheduler = scheduler

    def start(self, actor: Record, query: dict[str, Any]) -> Record:
        """A new build of the `version` the query names (its build number counts that version's
        builds), moving on as the Actor's build behaviour says."""
        version = jobs.act_version(actor, query.get("version") or jobs.DEFAULT_VERSION, query.get("tag"))
        number = self._numbered(actor, version["versionNumber"])
        build = jobs.new_build(actor, jobs.build_options(query), version, number, self._clock.time())
        behaviour = (self._storage.behaviours.get(actor["id"]) or {}).get("build")
        with self._storage.transaction():
            self._scheduler.create(jobs.BUILD, build, None, behaviour, None)
            self._storage.actors.count_job(actor["id"], "totalBuilds")
        return build

    def _numbered(self, actor: Record, version: str) -> int:
        builds = self._storage.jobs.page(
            jobs.BUILD, actor["userId"], 0, 0, False, act_id=actor["id"], version=version
        )
        return builds.total + 1

    def default(self, actor: Record) -> Record:
        """The build the Actor's runs use: its newest SUCCEEDED one, or its default build, made now
        (joining the caller's transaction)."""
        build = self._current(actor)
        if build is not None:
            return build
        versions = actor.get("versions") or [{}]
        version = versions[0].get("versionNumber") or jobs.DEFAULT_VERSION
        build = jobs.default_build(actor, self._numbered(actor, version), self._clock.time())
        log = jobs.log_line(
            self._clock.time(), "ACTOR: Default build of an Actor that was never built, SUCCEEDED"
        )
        with self._storage.transaction():
            self._storage.jobs.insert(jobs.BUILD, build, log, [], None)
            self._storage.actors.count_job(actor["id"], "totalBuilds")
        return build

    def _current(self, actor: Record) -> Record | None:
        return self._storage.jobs.latest(
            jobs.BUILD, actor["userId"], act_id=actor["id"], statuses=("SUCCEEDED",)
        )

    def page(self, user: User, page: PageRequest, act_id: str | None = None) -> Page:
        """A page of the user's builds, or of one Actor's."""
        return self._storage.jobs.page(jobs.BUILD, user.id, page.offset, page.limit, page.desc, act_id=act_id)

    def delete(self, user: User, build_id: str) -> None:
        """Delete one of the user's builds, unless runs would name it: the Actor's default build."""
        build = self._storage.jobs.get(jobs.BUILD, build_id, user.id)
        if build is None:
            raise RecordNotFound("Actor build was not found")
        actor = self._storage.actors.get(user.id, build["actId"])
        current = self._current(actor) if actor is not None else None
        if current is not None and current["id"] == build["id"]:
            raise InvalidRequest("The Actor's default build cannot be deleted.")
        self._storage.jobs.delete(build["id"])
