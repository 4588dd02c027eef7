"""Every SQL statement of the emulator, one module per table family over one connection
(`db.Database`). `Storage` gathers them; nothing above this package writes SQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from sqlite3 import Connection

from .accounts import Users
from .catalog import Actors, Behaviours, NamedRecords
from .datasets import Datasets
from .db import Database, StaleDatabase, StorageError
from .dispatches import Dispatches
from .inboxes import Inboxes
from .jobs import Jobs
from .kvs import KeyValueStores
from .webhooks import IdempotencyKeyTaken, WebhookLimitReached, Webhooks

__all__ = ["IdempotencyKeyTaken", "StaleDatabase", "Storage", "StorageError", "WebhookLimitReached"]


class Storage:
    """One emulator's tables. Built closed: `open()` connects (in the app's start-up), `close()`
    commits what is pending and disconnects."""

    def __init__(self, path: str) -> None:
        self.db = Database(path)
        self.users = Users(self.db)
        self.actors = Actors(self.db)
        self.tasks = NamedRecords(self.db, "tasks")
        self.behaviours = Behaviours(self.db)
        self.webhooks = Webhooks(self.db)
        self.dispatches = Dispatches(self.db)
        self.jobs = Jobs(self.db)
        self.datasets = Datasets(self.db)
        self.kvs = KeyValueStores(self.db)
        self.inboxes = Inboxes(self.db)
        self.transaction: Callable[[], AbstractContextManager[Connection]] = self.db.transaction
        self.synced: Callable[[], Awaitable[None]] = self.db.synced

    def open(self) -> None:
        self.db.open()

    def close(self) -> None:
        self.db.close()
