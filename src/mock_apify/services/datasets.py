"""Datasets: finding one by ID or name, get-or-create by name, update, delete, pushing items and
reading them back in chunks, for the API, runs and seed files alike."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from ..clock import Clock
from ..errors import InvalidRequest, RecordNotFound, SchemaValidation
from ..model import datasets, items
from ..model.paging import PageRequest
from ..model.types import Page, Record, User
from ..store import Storage
from .catalog import split_name

# Stored items read at a time while streaming an answer: at most so many, and so many bytes.
CHUNK = 1000
CHUNK_BYTES = 4 * 1024 * 1024


def _not_found() -> RecordNotFound:
    return RecordNotFound("Dataset was not found")


class DatasetService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def find(self, ref: str, user: User | None) -> Record:
        """A dataset by ID (anyone's without a token, as on Apify, else only the token's user's),
        or by `username~name`, `~name` or a plain name of the token's user."""
        name = split_name(ref, user) if user is not None else None
        found = None if name is not None else self._storage.datasets.get(ref)
        if found is not None and user is not None and found["userId"] != user.id:
            found = None
        if found is None and user is not None and name != "":
            found = self._storage.datasets.get_by_name(user.id, name or ref)
        if found is None:
            raise _not_found()
        return found

    def create(self, user: User, name: str | None, dataset_id: str | None = None) -> Record:
        """A new dataset (under `dataset_id` when a seed gives one); a name the user already has
        is refused."""
        dataset = datasets.new_dataset(user.id, name, self._clock.now_iso())
        dataset["id"] = dataset_id or dataset["id"]
        if not self._storage.datasets.insert(dataset):
            raise SchemaValidation(f"You already have a dataset named '{name}', or its id is taken.")
        return dataset

    def get_or_create(self, user: User, name: str | None) -> tuple[Record, bool]:
        """(the dataset, whether it is new): the user's dataset of that name, or a new one (always
        new when unnamed)."""
        existing = None if name is None else self._storage.datasets.get_by_name(user.id, name)
        if existing is not None:
            return existing, False
        return self.create(user, name), True

    def page(self, user: User, page: PageRequest, unnamed: bool) -> Page:
        return self._storage.datasets.page(user.id, page.offset, page.limit, page.desc, unnamed)

    def update(self, dataset: Record, body: Mapping[str, Any]) -> Record:
        """Rename (a null name makes it unnamed), retitle or change the access of a dataset."""
        changes = {key: body.get(key, dataset[key]) for key in ("name", "title", "generalAccess")}
        changes["generalAccess"] = changes["generalAccess"] or dataset["generalAccess"]
        changes["modifiedAt"] = self._clock.now_iso()
        if not self._storage.datasets.update(dataset["id"], changes):
            raise SchemaValidation(f"You already have a dataset named '{changes['name']}'.")
        return dataset | changes

    def delete(self, dataset: Record) -> None:
        self._storage.datasets.delete(dataset["id"])

    def push(self, dataset: Record, value: Any) -> None:
        """Append an object, or an array of objects, as Apify's push does: all or nothing."""
        pushed = value if isinstance(value, list) else [value]
        for position, item in enumerate(pushed):
            if not isinstance(item, dict):
                raise InvalidRequest(
                    f"Each dataset item must be a JSON object; item {position} is {type(item).__name__}."
                )
        if pushed:
            self._storage.datasets.add_items(dataset["id"], pushed, self._clock.now_iso())

    def rows(self, dataset: Record, query: Mapping[str, Any]) -> items.Rows:
        """The rows a read of `query` covers; the read counts as an access."""
        self._storage.datasets.touch(dataset["id"], self._clock.now_iso())
        return items.rows(query, dataset["itemCount"])

    def of_run(self, run: Record) -> Record:
        """A run's default dataset (gone once deleted)."""
        dataset = self._storage.datasets.get(run["defaultDatasetId"])
        if dataset is None:
            raise _not_found()
        return dataset

    def head(self, dataset_id: str, user: User | None, count: int) -> tuple[int, list[Record]]:
        """(item count, the first `count` items) of a dataset, for a glance (the dashboard): not
        an access, so `accessedAt` stays."""
        dataset = self.find(dataset_id, user)
        rows = items.rows({"limit": count}, dataset["itemCount"])
        return dataset["itemCount"], [item for chunk in self.chunks(dataset, rows) for item in chunk]

    def chunks(self, dataset: Record, rows: items.Rows) -> Iterator[list[Record]]:
        """The rows' items, parsed, a chunk (CHUNK items, CHUNK_BYTES) at a time."""
        for chunk in self._storage.datasets.rows(
            dataset["id"], rows.first, rows.last, rows.desc, CHUNK, CHUNK_BYTES
        ):
            yield orjson.loads(b"[" + b",".join(chunk) + b"]")  # one parse per chunk, not per item
