"""Seed files: users with their tokens, Actors (with behaviours), tasks, webhooks, key-value
stores with their records, and datasets with their items.

One loader serves two callers: start-up, which loads a file into a fresh database under the file's
own ids and tokens, and `POST /_mock/users/{userId}/seed` (the pytest handle's `load_seed`), which
loads the records of a seed into one existing user under fresh ids, so that tests sharing an
emulator never clash. Every record goes through the same services and validation as the matching
API call, so a seed cannot hold anything the API would refuse. The format is in docs/server.md, "Seed files"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from ..errors import ApiError, InvalidSeed, RecordNotFound
from ..model import kvs as kvs_model
from ..model import limits
from ..model.records import CONDITION_KEYS
from ..model.types import Record, User
from ..openapi import Document
from ..store import Storage
from .catalog import Catalog
from .datasets import DatasetService
from .kvs import KeyValueStoreService
from .runs import JobService
from .webhooks import WebhookService


class SeedError(ValueError):
    """A seed that cannot be loaded; the message names the file and the record."""


def default_seed_path() -> Path:
    """The bundled seed inside an installed wheel, else `fixtures/default.json` of a source checkout."""
    bundled = resources.files("mock_apify") / "default_seed.json"
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[3] / "fixtures" / "default.json"


@contextmanager
def _at(where: str) -> Iterator[None]:
    """Name the record whose API call refused it."""
    try:
        yield
    except ApiError as error:
        raise SeedError(f"{where}: {error}") from None


@dataclass(frozen=True)
class Seeder:
    """What loading a seed goes through: the same services as the API."""

    document: Document
    storage: Storage
    catalog: Catalog
    webhooks: WebhookService
    runs: JobService
    kvs: KeyValueStoreService
    datasets: DatasetService

    def load(self, path: Path | None, now: str) -> None:
        """Load a seed file into a fresh database, ids and tokens as the file gives them."""
        source = path or default_seed_path()
        try:
            data = orjson.loads(source.read_bytes())
        except OSError as error:
            raise SeedError(f"{source}: cannot read seed file: {error.strerror or error}") from None
        except orjson.JSONDecodeError as error:
            reason = "it is not UTF-8 text" if "UTF-8" in error.msg else f"invalid JSON: {error}"
            raise SeedError(f"{source}: not a seed file: {reason} (a seed file is JSON)") from None
        users = data.get("users", []) if isinstance(data, dict) else None
        if not isinstance(users, list):
            raise SeedError(f'{source}: a seed file is a JSON object with a "users" array')
        ids: dict[str, str] = {}  # every id of the file, so that none is given twice
        for index, entry in enumerate(users):
            try:
                user = self._user(entry, now)
            except SeedError as error:
                raise SeedError(f"{source}: users[{index}]: {error}") from None
            except KeyError as error:
                raise SeedError(f"{source}: users[{index}]: missing field {error}") from None
            try:
                self._records(user, entry, ids, fresh=False)
            except SeedError as error:
                raise SeedError(f"{source}: users[{index}].{error}") from None

    def load_into(self, user: User, seed: dict[str, Any], username: str | None) -> dict[str, str]:
        """Load the records of a seed's users (or of the one whose username or id is `username`)
        into `user`, each under a fresh id; the answer maps the seed's ids to the new ones."""
        entries = [
            (index, entry)
            for index, entry in enumerate(seed.get("users", []))
            if username is None or username in (entry.get("username"), entry.get("id"))
        ]
        if username is not None and not entries:
            raise InvalidSeed(f"no user {username!r} in the seed")
        ids: dict[str, str] = {}
        for index, entry in entries:
            if "id" in entry:
                ids[str(entry["id"])] = user.id
            try:
                self._records(user, entry, ids, fresh=True)
            except SeedError as error:
                raise InvalidSeed(f"users[{index}].{error}") from None
        return ids

    def _user(self, entry: Any, now: str) -> User:
        """A user as `POST /_mock/users` would make it, but with the file's id and token."""
        if problem := self.document.schema("MockSeedUser").first_error(entry):
            raise SeedError(problem)
        user = User(entry["id"], entry["username"], entry["token"])
        if not self.storage.users.add(user, now) and self.storage.users.by_id(user.id) != user:
            raise SeedError(f"user {user.username!r} clashes with an existing user id, username or token")
        return user

    def _records(self, user: User, entry: dict[str, Any], ids: dict[str, str], *, fresh: bool) -> None:
        """A user entry's Actors (with their tasks), key-value stores, webhooks and datasets; `ids`
        maps the entry's ids to the records made, so that webhook conditions follow fresh ids."""
        for index, actor_entry in enumerate(entry.get("actors", [])):
            self._actor(user, actor_entry, ids, fresh, f"actors[{index}]")
        for index, store_entry in enumerate(entry.get("keyValueStores", [])):
            self._store(user, store_entry, ids, fresh, f"keyValueStores[{index}]")
        for index, webhook_entry in enumerate(entry.get("webhooks", [])):
            where = f"webhooks[{index}]"
            _unique(ids, webhook_entry, where)
            body = self._body("webhooks_post", _conditions_mapped(webhook_entry, ids), ("id",), where)
            with _at(where), _target_named(webhook_entry, where, fresh):
                webhook = self.webhooks.create(user.id, body, _given_id(webhook_entry, fresh))
            _remember(ids, webhook_entry, webhook)
        for index, dataset_entry in enumerate(entry.get("datasets", [])):
            self._dataset(user, dataset_entry, ids, fresh, f"datasets[{index}]")

    def _dataset(
        self, user: User, entry: dict[str, Any], ids: dict[str, str], fresh: bool, where: str
    ) -> None:
        """A dataset as `POST /v2/datasets?name=` makes it, with its items pushed."""
        _unique(ids, entry, where)
        if limits.too_deep(entry):
            raise SeedError(f"{where}: {limits.depth_message('Request body')}")
        if problem := self.document.schema("MockSeedDataset").first_error(entry):
            raise SeedError(f"{where}: {problem}")
        with _at(where):
            dataset = self.datasets.create(user, entry.get("name"), _given_id(entry, fresh))
            self.datasets.push(dataset, entry.get("items", []))
        _remember(ids, entry, dataset)

    def _actor(self, user: User, entry: dict[str, Any], ids: dict[str, str], fresh: bool, where: str) -> None:
        _unique(ids, entry, where)
        body = self._body("acts_post", entry, ("id", "tasks", "behaviour"), where)
        with _at(where):
            actor = self.catalog.create_actor(user, body, _given_id(entry, fresh))
        _remember(ids, entry, actor)
        if "behaviour" in entry:
            if limits.too_deep(entry["behaviour"]):
                raise SeedError(f"{where}.behaviour: {limits.depth_message('Request body')}")
            if problem := self.document.schema("MockActorBehaviour").first_error(entry["behaviour"]):
                raise SeedError(f"{where}.behaviour: {problem}")
            with _at(f"{where}.behaviour"):
                self.runs.set_behaviour(actor, entry["behaviour"])
        for index, task_entry in enumerate(entry.get("tasks", [])):
            task_where = f"{where}.tasks[{index}]"
            _unique(ids, task_entry, task_where)
            body = self._body("actorTasks_post", task_entry | {"actId": actor["id"]}, ("id",), task_where)
            with _at(task_where):
                task = self.catalog.create_task(user, body, _given_id(task_entry, fresh))
            _remember(ids, task_entry, task)

    def _store(self, user: User, entry: Any, ids: dict[str, str], fresh: bool, where: str) -> None:
        """A key-value store (get-or-create by `name`, as the API's) with its `records`."""
        if limits.too_deep(entry):
            raise SeedError(f"{where}: {limits.depth_message('Request body')}")
        if problem := self.document.schema("MockSeedKeyValueStore").first_error(entry):
            raise SeedError(f"{where}: {problem}")
        _unique(ids, entry, where)
        records = kvs_model.given_records(entry.get("records") or {}, "records")
        if isinstance(records, str):
            raise SeedError(f"{where}.{records}")
        with _at(where):
            store, _ = self.kvs.get_or_create(user, entry.get("name"), _given_id(entry, fresh))
        self.kvs.put_records(store["id"], records)
        _remember(ids, entry, store)

    def _body(
        self, operation_id: str, entry: dict[str, Any], drop: tuple[str, ...], where: str
    ) -> dict[str, Any]:
        """The entry as the body of the matching API call, validated like one."""
        body = {key: value for key, value in entry.items() if key not in drop}
        if limits.too_deep(body):
            raise SeedError(f"{where}: {limits.depth_message('Request body')}")
        with _at(where):
            self.document.operations[operation_id].check_body(body)
        return body


@contextmanager
def _target_named(entry: dict[str, Any], where: str, fresh: bool) -> Iterator[None]:
    """Name the condition's field and the seed's value when it names no record of the user."""
    try:
        yield
    except RecordNotFound:
        key = next(key for key in CONDITION_KEYS if entry["condition"].get(key) is not None)
        kind = {"actorId": "Actor", "actorTaskId": "task", "actorRunId": "run"}[key]
        among = "in this seed or of this user" if fresh else "of this user in this file"
        raise SeedError(f'{where}.condition.{key}: no {kind} "{entry["condition"][key]}" {among}') from None


def _unique(ids: dict[str, str], entry: dict[str, Any], where: str) -> None:
    """Each record of a seed has an id of its own."""
    if "id" in entry and str(entry["id"]) in ids:
        raise SeedError(f'{where}.id: "{entry["id"]}" is the id of another record of this seed')


def _given_id(entry: dict[str, Any], fresh: bool) -> str | None:
    """The seed's id for the record, or None for a fresh one."""
    return None if fresh else str(entry["id"])


def _remember(ids: dict[str, str], entry: dict[str, Any], made: Record) -> None:
    if "id" in entry:
        ids[str(entry["id"])] = str(made["id"])


def _conditions_mapped(entry: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """The webhook entry with its condition naming the records made from the seed's ids."""
    condition = entry.get("condition")
    if not isinstance(condition, dict):
        return entry
    mapped = {
        key: ids.get(value, value) if isinstance(value, str) else value for key, value in condition.items()
    }
    return entry | {"condition": mapped}
