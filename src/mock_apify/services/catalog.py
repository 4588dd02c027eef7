"""Actors and tasks: creating them, and finding one from a path segment (an ID or `username~name`).

Apify answers a missing Actor with `record-or-token-not-found` when the path held an ID and
`record-not-found` when it held a name; both official clients turn either into "not found"."""

from __future__ import annotations

from typing import Any

from ..clock import Clock
from ..errors import ActorNameNotUnique, RecordNotFound, RecordOrTokenNotFound, TaskNameNotUnique
from ..model import jobs, records
from ..model.paging import PageRequest
from ..model.types import Page, Record, User
from ..store import Storage


def split_name(ref: str, user: User) -> str | None:
    """The resource name when `ref` is `username~name` (or `~name`) of this user, else None."""
    username, tilde, name = ref.partition("~")
    if not tilde:
        return None
    return name if username in ("", user.username) else ""


class Catalog:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def create_actor(self, user: User, body: dict[str, Any], actor_id: str | None = None) -> Record:
        actor = records.new_actor(body, user.id, user.username, self._clock.now_iso())
        if actor_id is not None:  # a seed file gives its own IDs
            actor["id"] = actor_id
        if not self._storage.actors.insert(actor):
            raise ActorNameNotUnique(f"You already have an Actor named '{actor['name']}'.")
        return actor

    def create_task(self, user: User, body: dict[str, Any], task_id: str | None = None) -> Record:
        actor = self.find_actor(user, body["actId"])
        task = records.new_task(body, actor, user.username, self._clock.now_iso())
        if task_id is not None:
            task["id"] = task_id
        if not self._storage.tasks.insert(task):
            raise TaskNameNotUnique(f"You already have a task named '{task['name']}'.")
        return task

    def find_actor(self, user: User, ref: str) -> Record:
        name = split_name(ref, user)
        if name is None:
            actor = self._storage.actors.get(user.id, ref)
            if actor is None:
                raise RecordOrTokenNotFound("Actor was not found")
            return actor
        actor = self._storage.actors.get_by_name(user.id, name) if name else None
        if actor is None:
            raise RecordNotFound("Actor was not found")
        return actor

    def find_task(self, user: User, ref: str) -> Record:
        name = split_name(ref, user)
        if name is None:
            task = self._storage.tasks.get(user.id, ref)
        else:
            task = self._storage.tasks.get_by_name(user.id, name) if name else None
        if task is None:
            raise RecordNotFound("Actor task was not found")
        return task

    def task_actor(self, user: User, task: Record) -> Record:
        actor = self._storage.actors.get(user.id, task["actId"])
        if actor is None:
            raise RecordNotFound("Actor was not found")
        return actor

    def any_actor(self, actor_id: str) -> Record:
        """Any user's Actor by ID (for the unauthenticated /_mock endpoints)."""
        actor = self._storage.actors.any_by_id(actor_id)
        if actor is None:
            raise RecordNotFound("Actor was not found")
        return actor

    def actor_page(self, user_id: str, page: PageRequest) -> Page:
        return self._storage.actors.page(user_id, page.offset, page.limit, page.desc)

    def task_page(self, user_id: str, page: PageRequest) -> Page:
        return self._storage.tasks.page(user_id, page.offset, page.limit, page.desc)

    def delete_actor(self, user: User, ref: str) -> None:
        self._storage.actors.delete(user.id, self.find_actor(user, ref)["id"])

    def delete_task(self, user: User, ref: str) -> None:
        self._storage.tasks.delete(user.id, self.find_task(user, ref)["id"])

    def set_task_input(self, user: User, task: Record, changes: dict[str, Any]) -> Record:
        """`PUT /actor-tasks/{id}/input`: the properties given replace the task's, the others stay."""
        changed = task | {"input": (task.get("input") or {}) | changes, "modifiedAt": self._clock.now_iso()}
        self._storage.tasks.replace(changed)
        return changed

    def check_target(self, user_id: str, condition: dict[str, str]) -> None:
        """The Actor, task or run a condition names must exist for this user (condition values are IDs)."""
        if "actorId" in condition and not self._storage.actors.exists(user_id, condition["actorId"]):
            raise RecordNotFound("Actor was not found")
        if "actorTaskId" in condition and not self._storage.tasks.exists(user_id, condition["actorTaskId"]):
            raise RecordNotFound("Actor task was not found")
        if (
            "actorRunId" in condition
            and self._storage.jobs.get(jobs.RUN, condition["actorRunId"], user_id) is None
        ):
            raise RecordNotFound("Actor run was not found")
