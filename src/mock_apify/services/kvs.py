"""Key-value stores: get-or-create by name, finding one by ID or `username~name`, renaming and
deleting, and their records and keys. A store is its owner's alone: another user's is not found."""

from __future__ import annotations

from typing import Any

from ..clock import Clock
from ..errors import InvalidParameter, InvalidRequest, RecordNotFound
from ..ids import new_id
from ..model import kvs
from ..model.paging import PageRequest
from ..model.types import Page, Record, User
from ..store import Storage
from .catalog import split_name


def _not_found() -> RecordNotFound:
    return RecordNotFound("Key-value store was not found")


def _checked(key: str) -> str:
    if problem := kvs.key_problem(key):
        raise InvalidParameter(problem)
    return key


class KeyValueStoreService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    # --- stores ------------------------------------------------------------------------------

    def find(self, user: User | None, ref: str) -> Record:
        """A store by ID or `username~name`; with a user, only that user's (without one, any, by
        ID: the record reads anyone with a run's or store's ID may make)."""
        name = split_name(ref, user) if user is not None else None
        if name is None:
            store = self._storage.kvs.get(ref)
            if store is None or (user is not None and store["userId"] != user.id):
                raise _not_found()
            return store
        store = self._storage.kvs.by_name(user.id, name) if user is not None and name else None
        if store is None:
            raise _not_found()
        return store

    def of_run(self, run: Record) -> Record:
        """A run's default store (gone once deleted)."""
        store = self._storage.kvs.get(run["defaultKeyValueStoreId"])
        if store is None:
            raise _not_found()
        return store

    def shown(self, store: Record) -> Record:
        """The store as responses show it, with its owner's username."""
        owner = self._storage.users.by_id(store["userId"])
        return store | {"username": owner.username if owner else None}

    def get_or_create(self, user: User, name: str | None, store_id: str | None = None) -> tuple[Record, bool]:
        """(the store, whether it was made): a name the user's stores have gives that store back.
        `store_id` is a seed file's own ID for a new store."""
        if name is not None:
            if not kvs.is_name(name):
                raise InvalidParameter(_name_problem(name))
            if (found := self._storage.kvs.by_name(user.id, name)) is not None:
                return found, False
        doc = kvs.new_store(store_id or new_id(), user.id, name, self._clock.now_iso())
        if not self._storage.kvs.insert(doc):  # a seed's ID taken already
            raise InvalidRequest(f"A key-value store with the ID {doc['id']!r} exists already.")
        store = self._storage.kvs.get(doc["id"])
        assert store is not None
        return store, True

    def page(self, user: User, page: PageRequest, unnamed: bool) -> Page:
        return self._storage.kvs.page(user.id, page.offset, page.limit, page.desc, unnamed=unnamed)

    def update(self, store: Record, body: dict[str, Any]) -> Record:
        """`PUT`: a new `name` (null: unnamed); other fields are taken and ignored."""
        if "name" in body and body["name"] != store["name"]:
            name = body["name"]
            if name is not None and not kvs.is_name(name):
                raise InvalidRequest(_name_problem(name))
            if not self._storage.kvs.rename(store, name, self._clock.now_iso()):
                raise InvalidRequest(f"You already have a key-value store named '{name}'.")
        updated = self._storage.kvs.get(store["id"])
        assert updated is not None
        return updated

    def delete(self, store: Record) -> None:
        self._storage.kvs.delete(store["id"])

    # --- records -----------------------------------------------------------------------------

    def record(self, store: Record, key: str) -> kvs.Value:
        value = self._storage.kvs.record(store["id"], _checked(key))
        if value is None:
            raise RecordNotFound("Record was not found")
        return value

    def put_record(self, store: Record, key: str, value: kvs.Value) -> None:
        if problem := kvs.type_problem(value.content_type):
            raise InvalidRequest(problem)
        self._storage.kvs.put(store["id"], {_checked(key): value}, self._clock.now_iso())

    def put_records(self, store_id: str, records: dict[str, kvs.Value]) -> None:
        """Records made by the emulator itself (a run's INPUT, a seed's), checked already."""
        self._storage.kvs.put(store_id, records, self._clock.now_iso())

    def delete_record(self, store: Record, key: str) -> None:
        """Deleting a key the store lacks is not an error: the record is gone either way."""
        self._storage.kvs.delete_record(store["id"], _checked(key), self._clock.now_iso())

    def keys(
        self, store: Record, base_url: str, start: str | None, prefix: str | None, limit: int | None
    ) -> Record:
        """A page of keys in key order, after `start`, beginning with `prefix`."""
        size = min(limit or kvs.MAX_KEYS, kvs.MAX_KEYS)
        rows = self._storage.kvs.keys(store["id"], start, prefix, size + 1)
        return kvs.key_page(base_url, store["id"], rows, size, start)


def _name_problem(name: str) -> str:
    return f"The key-value store name {name[:100]!r} is not valid: use 1 to 63 letters, digits and hyphens."
