"""Seed files: users with their tokens, Actors, tasks and webhooks, loaded into a fresh database.

Every record goes through the same validation and model code as the matching API call, so a seed
file cannot hold anything the API would refuse. The format is documented in the README."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from . import models
from .errors import ApiError
from .lookups import check_condition_target
from .storage import User, WebhookLimitReached

if TYPE_CHECKING:
    from .app import Emulator


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the record."""


def default_seed_path() -> Path:
    """The bundled seed inside an installed wheel, else `fixtures/default.json` of a source checkout."""
    bundled = resources.files("mock_apify") / "default_seed.json"
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[2] / "fixtures" / "default.json"


def _checked(
    emulator: Emulator, operation_id: str, entry: dict[str, Any], drop: tuple[str, ...], where: str
) -> dict[str, Any]:
    """The entry as the body of the matching API call, validated like one."""
    body = {key: value for key, value in entry.items() if key not in drop}
    try:
        emulator.operations[operation_id].check_body(body)
    except ApiError as error:
        raise SeedError(f"{where}: {error.text}") from None
    return body


def _load_user(emulator: Emulator, entry: dict[str, Any], now: str) -> None:
    storage = emulator.storage
    user = User(entry["id"], entry["username"], entry["token"])
    if not storage.add_user(user, now) and storage.user_by_id(user.id) != user:
        raise SeedError(f"user {user.username!r} clashes with an existing user id, username or token")
    for index, actor_entry in enumerate(entry.get("actors", [])):
        body = _checked(emulator, "acts_post", actor_entry, ("id", "tasks", "behaviour"), f"actors[{index}]")
        actor = models.new_actor(body, user.id, user.username, now) | {"id": actor_entry["id"]}
        if not storage.insert_actor(actor):
            raise SeedError(f"Actor {actor['name']!r} of {user.username!r} is listed twice")
        if "behaviour" in actor_entry:
            if problem := emulator.schema_check("MockActorBehaviour").first_error(actor_entry["behaviour"]):
                raise SeedError(f"actors[{index}].behaviour: {problem}")
            storage.set_behaviour(actor, actor_entry["behaviour"])
        for task_index, task_entry in enumerate(actor_entry.get("tasks", [])):
            where = f"actors[{index}].tasks[{task_index}]"
            body = _checked(emulator, "actorTasks_post", task_entry | {"actId": actor["id"]}, ("id",), where)
            task = models.new_task(body, actor, user.username, now) | {"id": task_entry["id"]}
            if not storage.insert_task(task):
                raise SeedError(f"task {task['name']!r} of {user.username!r} is listed twice")
    for index, webhook_entry in enumerate(entry.get("webhooks", [])):
        body = _checked(emulator, "webhooks_post", webhook_entry, ("id",), f"webhooks[{index}]")
        webhook = models.new_webhook(body, user.id, now) | {"id": webhook_entry["id"]}
        check_condition_target(storage, user.id, webhook["condition"])
        storage.insert_webhook(webhook, max_per_user=emulator.config.max_webhooks_per_user)


def load_seed(emulator: Emulator, path: Path | None) -> None:
    source = path or default_seed_path()
    try:
        data = orjson.loads(source.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise SeedError(f"{source}: cannot read seed file: {error}") from None
    now = emulator.clock.now_iso()
    for index, entry in enumerate(data.get("users", [])):
        try:
            _load_user(emulator, entry, now)
        except ApiError as error:
            raise SeedError(f"{source}: users[{index}]: {error.text}") from None
        except SeedError as error:
            raise SeedError(f"{source}: users[{index}]: {error}") from None
        except KeyError as error:
            raise SeedError(f"{source}: users[{index}]: missing field {error}") from None
        except WebhookLimitReached:
            raise SeedError(f"{source}: users[{index}]: more webhooks than the per-user limit") from None
