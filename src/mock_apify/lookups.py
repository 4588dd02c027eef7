"""Finding a user's Actor or task from a path segment: a 17-character ID or `username~name`.

Apify answers a missing Actor with `record-or-token-not-found` when the path held an ID and
`record-not-found` when it held a name; both official clients turn either into "not found"."""

from __future__ import annotations

from .errors import RecordNotFound, RecordOrTokenNotFound
from .jobs import RUN
from .storage import Doc, Storage, User


def _split_name(ref: str, user: User) -> str | None:
    """The resource name when `ref` is `username~name` (or `~name`) of this user, else None."""
    username, tilde, name = ref.partition("~")
    if not tilde:
        return None
    return name if username in ("", user.username) else ""


def find_actor(storage: Storage, user: User, ref: str) -> Doc:
    name = _split_name(ref, user)
    if name is None:
        actor = storage.get_actor(user.id, ref)
        if actor is None:
            raise RecordOrTokenNotFound("Actor was not found")
        return actor
    actor = storage.get_actor_by_name(user.id, name) if name else None
    if actor is None:
        raise RecordNotFound("Actor was not found")
    return actor


def find_task(storage: Storage, user: User, ref: str) -> Doc:
    name = _split_name(ref, user)
    task = (
        storage.get_task(user.id, ref)
        if name is None
        else (storage.get_task_by_name(user.id, name) if name else None)
    )
    if task is None:
        raise RecordNotFound("Actor task was not found")
    return task


def check_condition_target(storage: Storage, user_id: str, condition: dict[str, str]) -> None:
    """The Actor, task or run a condition names must exist for this user (condition values are IDs)."""
    if "actorId" in condition and not storage.actor_exists(user_id, condition["actorId"]):
        raise RecordNotFound("Actor was not found")
    if "actorTaskId" in condition and not storage.task_exists(user_id, condition["actorTaskId"]):
        raise RecordNotFound("Actor task was not found")
    if "actorRunId" in condition and storage.get_job(RUN, condition["actorRunId"], user_id) is None:
        raise RecordNotFound("Actor run was not found")
