"""One emulator's object graph: the document, the clock, storage, the background workers and the
services over them, wired once by `Emulator(config)`. Building it does no I/O; `open()` and the
workers' `start()` acquire the resources (the app does it in its cleanup contexts)."""

from __future__ import annotations

from collections.abc import Iterable

from .clock import Clock, Shutdown, make_clock
from .config import Config
from .engine.chaos import Chaos
from .engine.dispatcher import Dispatcher
from .engine.scheduler import JobScheduler
from .engine.worker import DueWorker, settle
from .model.types import User
from .openapi import Document
from .services.accounts import Accounts
from .services.builds import BuildService
from .services.catalog import Catalog
from .services.chaos import ChaosService, checked_rule
from .services.dashboard import Dashboard
from .services.datasets import DatasetService
from .services.dispatches import DispatchService
from .services.faults import FaultService
from .services.inboxes import InboxService
from .services.kvs import KeyValueStoreService
from .services.runs import JobService
from .services.seeding import Seeder
from .services.webhooks import WebhookService
from .store import Storage


class Emulator:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.document = Document()
        self.clock: Clock = make_clock(config.clock)
        self.shutdown = Shutdown()
        self.storage = Storage(config.db)
        self.chaos_rules = Chaos(self.clock)
        self.dispatcher = Dispatcher(self.storage, self.clock, config, self.chaos_rules)
        self.scheduler = JobScheduler(self.storage, self.clock, self.dispatcher, self.shutdown)
        self.accounts = Accounts(self.storage, self.clock)
        self.catalog = Catalog(self.storage, self.clock)
        self.webhooks = WebhookService(self.storage, self.clock, config, self.catalog, self.document)
        self.dispatches = DispatchService(
            self.storage, self.clock, self.dispatcher, self.scheduler, self.webhooks
        )
        self.builds = BuildService(self.storage, self.clock, self.scheduler)
        self.runs = JobService(
            self.storage, self.clock, self.scheduler, self.catalog, self.webhooks, self.builds
        )
        self.inboxes = InboxService(self.storage, config, self.chaos_rules)
        self.chaos = ChaosService(self.storage, self.chaos_rules)
        api_operations = {name for name in self.document.operations if not name.startswith("mock_")}
        self.faults = FaultService(self.storage, self.clock, api_operations, config.rate_limit)
        self.kvs = KeyValueStoreService(self.storage, self.clock)
        self.dashboard = Dashboard(
            self.storage, self.clock, self.dispatcher, self.webhooks, self.dispatches, self.inboxes
        )
        self.datasets = DatasetService(self.storage, self.clock)
        self.seeder = Seeder(
            self.document, self.storage, self.catalog, self.webhooks, self.runs, self.kvs, self.datasets
        )

    @property
    def workers(self) -> list[DueWorker]:
        """Job status changes fire dispatches, so the scheduler settles first."""
        return [self.scheduler, self.dispatcher]

    def open(self) -> None:
        """Connect to the database and seed it when it is fresh."""
        self.storage.open()
        self._seed()
        self._start_chaos()

    def close(self) -> None:
        self.storage.close()

    def _seed(self) -> None:
        """The default user always exists; the seed file adds users and their records once."""
        config = self.config
        default = User(config.default_user_id, config.default_username, config.default_token)
        if self.storage.users.add(default, self.clock.now_iso()) and not config.no_seed:
            self.seeder.load(config.seed, self.clock.now_iso())

    def _start_chaos(self) -> None:
        """The start-up chaos rule (CLI flags, MOCK_APIFY_CHAOS), checked as the API checks one."""
        if self.config.chaos is not None:
            self.chaos.add(checked_rule(self.document, self.config.chaos))

    def reset(self) -> None:
        """Back to a freshly started emulator: everything wiped, the default user and seed
        restored, the chaos rules and faults back to the start-up ones, and a virtual clock back
        at the present."""
        self.storage.users.wipe_all()
        self.chaos_rules.forget()
        self.faults.forget()
        self.clock.restart()
        self._seed()
        self._start_chaos()
        for worker in self.workers:
            worker.kick()

    def wipe_user(self, user_id: str, inboxes: Iterable[str] = ()) -> None:
        """Delete a user's records, chaos rules and faults (the user and its token stay), and
        empty the given inboxes, which belong to no user."""
        self.accounts.wipe(user_id)
        self.chaos_rules.forget(owner=user_id)
        self.faults.forget(user_id)
        for name in inboxes:
            self.inboxes.clear(name)

    def advance(self, seconds: float) -> None:
        """Move the (virtual) clock and let the workers see what fell due."""
        self.clock.advance(seconds)
        for worker in self.workers:
            worker.kick()

    async def settle(self, *, max_rounds: int, time_limit: float) -> bool:
        return await settle(
            self.workers, self.clock, self.shutdown, max_rounds=max_rounds, time_limit=time_limit
        )

    def pending_dispatches(self) -> int:
        return self.storage.dispatches.active_count()
