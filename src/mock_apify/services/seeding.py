"""Seed files: users with their tokens, Actors (with behaviours), tasks and webhooks, loaded into a
fresh database.

Every record goes through the same services and validation as the matching API call, so a seed
file cannot hold anything the API would refuse. The format is documented in docs/server.md."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from ..errors import ApiError
from ..model import limits
from ..model.types import User
from ..openapi import Document
from ..store import Storage
from .catalog import Catalog
from .runs import JobService
from .webhooks import WebhookService


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the record."""


def default_seed_path() -> Path:
    """The bundled seed inside an installed wheel, else `fixtures/default.json` of a source checkout."""
    bundled = resources.files("mock_apify") / "default_seed.json"
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[3] / "fixtures" / "default.json"


@dataclass(frozen=True)
class Seeder:
    """What loading a seed file goes through: the same services as the API."""

    document: Document
    storage: Storage
    catalog: Catalog
    webhooks: WebhookService
    runs: JobService

    def load(self, path: Path | None, now: str) -> None:
        source = path or default_seed_path()
        try:
            data = orjson.loads(source.read_bytes())
        except (OSError, orjson.JSONDecodeError) as error:
            raise SeedError(f"{source}: cannot read seed file: {error}") from None
        users = data.get("users", []) if isinstance(data, dict) else None
        if not isinstance(users, list):
            raise SeedError(f'{source}: a seed file is a JSON object with a "users" array')
        for index, entry in enumerate(users):
            try:
                self._user(entry, now)
            except (ApiError, SeedError) as error:
                raise SeedError(f"{source}: users[{index}]: {error}") from None
            except KeyError as error:
                raise SeedError(f"{source}: users[{index}]: missing field {error}") from None

    def _body(
        self, operation_id: str, entry: dict[str, Any], drop: tuple[str, ...], where: str
    ) -> dict[str, Any]:
        """The entry as the body of the matching API call, validated like one."""
        body = {key: value for key, value in entry.items() if key not in drop}
        if limits.too_deep(body):
            raise SeedError(f"{where}: {limits.depth_message('Request body')}")
        try:
            self.document.operations[operation_id].check_body(body)
        except ApiError as error:
            raise SeedError(f"{where}: {error}") from None
        return body

    def _user(self, entry: Any, now: str) -> None:
        """A user as `POST /_mock/users` would make it, but with the file's id and token."""
        if problem := self.document.schema("MockSeedUser").first_error(entry):
            raise SeedError(problem)
        user = User(entry["id"], entry["username"], entry["token"])
        if not self.storage.users.add(user, now) and self.storage.users.by_id(user.id) != user:
            raise SeedError(f"user {user.username!r} clashes with an existing user id, username or token")
        for index, actor_entry in enumerate(entry.get("actors", [])):
            self._actor(user, actor_entry, f"actors[{index}]")
        for index, webhook_entry in enumerate(entry.get("webhooks", [])):
            body = self._body("webhooks_post", webhook_entry, ("id",), f"webhooks[{index}]")
            self.webhooks.create(user.id, body, webhook_entry["id"])

    def _actor(self, user: User, entry: dict[str, Any], where: str) -> None:
        body = self._body("acts_post", entry, ("id", "tasks", "behaviour"), where)
        actor = self.catalog.create_actor(user, body, entry["id"])
        if "behaviour" in entry:
            if limits.too_deep(entry["behaviour"]):
                raise SeedError(f"{where}.behaviour: {limits.depth_message('Request body')}")
            if problem := self.document.schema("MockActorBehaviour").first_error(entry["behaviour"]):
                raise SeedError(f"{where}.behaviour: {problem}")
            self.runs.set_behaviour(actor, entry["behaviour"])
        for index, task_entry in enumerate(entry.get("tasks", [])):
            task_where = f"{where}.tasks[{index}]"
            body = self._body("actorTasks_post", task_entry | {"actId": actor["id"]}, ("id",), task_where)
            self.catalog.create_task(user, body, task_entry["id"])
