"""The per-test handle of the pytest plugin, in two views of one `Session`: `MockApify`, whose
calls block (the `mock_apify` fixture; the session emulator runs in another thread), and
`AsyncMockApify`, whose calls are coroutines (`mock_apify_app`, whose emulator runs on the test's
own loop, and `MockApify.aio`). Both get every operation from `_HandleApi`, so they cannot drift."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import assertions, seeding
from . import chaos as chaos_ops
from .client import Record
from .inbox import AsyncInbox, Inbox
from .operations import AsyncView, SyncView, operation
from .session import Session

if TYPE_CHECKING:
    from apify_client import ApifyClient, ApifyClientAsync
    from faker import Faker


class MissingClientError(ImportError):
    """`client()` / `async_client()` need the optional `apify-client` package."""


def _require_client() -> None:
    try:
        import apify_client  # noqa: F401
    except ImportError as error:
        raise MissingClientError(
            "the official Python client is not installed; install the `client` extra: "
            "pip install 'mock-apify[client]' (or apify-client>=3.0)"
        ) from error


class _HandleApi:
    """What both views of a session have: every operation, once, and the user's particulars."""

    _state: Session

    request = operation(Session.request)
    clock = operation(Session.clock)
    advance = operation(Session.advance)
    settle = operation(Session.settle)
    add_actor = operation(Session.add_actor)
    add_task = operation(Session.add_task)
    add_webhook = operation(Session.add_webhook)
    set_behaviour = operation(Session.set_behaviour)
    start_run = operation(Session.start_run)
    move_run = operation(Session.move_run)
    run = operation(Session.run)
    dataset_items = operation(Session.dataset_items)
    add_dataset = operation(Session.add_dataset)
    push_items = operation(Session.push_items)
    record = operation(Session.record)
    actor = operation(Session.actor)
    task = operation(Session.task)
    webhook = operation(Session.webhook)
    test_webhook = operation(Session.test_webhook)
    webhooks = operation(Session.webhooks)
    dispatches = operation(Session.dispatches)
    dispatch = operation(Session.dispatch)
    seed = operation(seeding.seed)
    load_seed = operation(seeding.load_seed)
    assert_delivered = operation(assertions.assert_delivered)
    assert_not_delivered = operation(assertions.assert_not_delivered)
    assert_dispatched = operation(assertions.assert_dispatched)
    chaos = operation(chaos_ops.chaos)
    chaos_rules = operation(chaos_ops.chaos_rules)
    clear_chaos = operation(chaos_ops.clear_chaos)
    fault = operation(chaos_ops.fault)
    rate_limit = operation(chaos_ops.rate_limit)
    close = operation(Session.close)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} user {self.username!r} ({self.user_id}) on {self.url}>"

    @property
    def url(self) -> str:
        """Base URL of the emulator, e.g. `http://127.0.0.1:53211` (give it as `api_url`/`baseUrl`)."""
        return self._state.url

    @property
    def user_id(self) -> str:
        return self._state.user_id

    @property
    def username(self) -> str:
        return self._state.username

    @property
    def token(self) -> str:
        """The test user's API token."""
        return self._state.token

    @property
    def actors(self) -> dict[str, Record]:
        """Actors created through the handle (marker, `add_actor`, `seed`) by name."""
        return self._state.actors

    @property
    def last_settle(self) -> Record | None:
        """What the latest `settle()` answered: `settled`, `pending`, `clock`."""
        return self._state.last_settle

    @property
    def faker(self) -> Faker:
        """This test's Faker, seeded (marker `faker_seed`, else from the test's node id), so the
        same test makes the same names on every run."""
        return self._state.faker

    def client(self) -> ApifyClient:
        """The official sync Python client for the test's user (`max_retries=0`: failures show at
        once). Needs the `client` extra: `pip install 'mock-apify[client]'`."""
        _require_client()
        from apify_client import ApifyClient

        return ApifyClient(self.token, api_url=self.url, api_public_url=self.url, max_retries=0)

    def async_client(self) -> ApifyClientAsync:
        """The official async Python client for the test's user, with `max_retries=0`."""
        _require_client()
        from apify_client import ApifyClientAsync

        return ApifyClientAsync(self.token, api_url=self.url, api_public_url=self.url, max_retries=0)


class MockApify(_HandleApi, SyncView[Session]):
    """One test's view of an emulator: its own user and token, its own inboxes; every call
    blocks until the emulator answers."""

    def __init__(self, url: str, user: Mapping[str, Any], *, faker_seed: int = 0) -> None:
        session = Session(url, user, faker_seed)
        super().__init__(session, session.url)
        self._faker_seed = faker_seed  # another handle given it makes the same records
        self._inboxes: dict[str, Inbox] = {}

    @property
    def aio(self) -> AsyncMockApify:
        """The same handle with coroutine methods, for async tests whose own loop must keep running
        while the handle waits (e.g. a receiver served by the test's loop)."""
        return AsyncMockApify(self, in_loop=False)

    def inbox(self, name: str = "inbox") -> Inbox:
        """The test's inbox called `name` (the same object on every call). Its real name on the
        emulator is namespaced, so tests never share an inbox; it is emptied after the test."""
        mailbox = self._state.mailbox(name)
        if name not in self._inboxes:
            self._inboxes[name] = Inbox(mailbox)
        self._inboxes[name]._emulator_on_loop = self._emulator_on_loop
        return self._inboxes[name]


class AsyncMockApify(_HandleApi, AsyncView[Session]):
    """The handle's methods as coroutines (same names and arguments as `MockApify`'s, the same
    user and inboxes): the test's loop keeps serving while they wait. `mock_apify_app` yields one
    (its emulator runs on the test's loop); `mock_apify.aio` gives one for the session emulator.
    `sync` is the blocking view."""

    def __init__(self, handle: MockApify, *, in_loop: bool) -> None:
        super().__init__(handle._state, handle.url)
        self.sync = handle
        self._in_loop = in_loop
        if in_loop:  # the blocking view would wait for the loop it stops: it refuses instead
            handle._emulator_on_loop = True

    def inbox(self, name: str = "inbox") -> AsyncInbox:
        """The test's inbox called `name`, with coroutine methods."""
        return AsyncInbox(self.sync.inbox(name))

    def client(self) -> ApifyClient:
        """The sync official client; refused when the emulator runs on the test's own loop, where
        a blocking client would wait forever for a loop it blocks."""
        if self._in_loop:
            raise RuntimeError(
                "mock_apify_app serves the emulator on this test's event loop: a blocking client would "
                "deadlock it. Use async_client(), or the `mock_apify` fixture for sync clients."
            )
        return super().client()
