"""The pytest plugin, registered through the `pytest11` entry point `mock_apify`: installing
mock-apify is enough, nothing goes into conftest.py.

Fixtures:

- `mock_apify_config` (session): the `Config` of the session emulator; override it to change it.
- `mock_apify_server` (session): that emulator, started on first use on a free port of 127.0.0.1,
  on its own event loop in a background thread (`ThreadedEmulator`). One per pytest process, so
  one per xdist worker.
- `mock_apify` (function): a `MockApify` handle with a fresh user and token on the session
  emulator; after the test, that user's records and inboxes are wiped, and nothing else.
- `mock_apify_app_config` (function) and `mock_apify_app` (function, async): a fresh in-memory
  emulator served by the test's own event loop (aiohttp `TestServer`), as an `AsyncMockApify`.

Per-test settings: `@pytest.mark.mock_apify(username=..., actors=[...], tasks={...},
seed_file=..., faker_seed=..., chaos=..., faults=..., rate_limit=...)`; see
`mock_apify.testing.Settings`.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import Any, TypeVar, cast

import pytest

from .config import MEMORY_DB, Config
from .testing import AsyncMockApify, MockApify, MockApifyError, Settings, UserPool

__all__ = [
    "mock_apify",
    "mock_apify_app",
    "mock_apify_app_config",
    "mock_apify_config",
    "mock_apify_server",
]

MARKER = "mock_apify"

F = TypeVar("F", bound=Callable[..., Any])


def _async_fixture(function: F) -> F:
    """pytest-asyncio's fixture decorator when it is there (it works in its strict and auto modes
    alike), else pytest's (then the async fixture needs another plugin that runs it)."""
    try:
        import pytest_asyncio
    except ImportError:
        return cast(F, pytest.fixture(function))
    return cast(F, pytest_asyncio.fixture(function))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mock_apify(username=None, actors=(), tasks=None, seed_file=None, faker_seed=None, chaos=(), "
        "faults=(), rate_limit=False): per-test settings of the mock_apify / mock_apify_app user: its "
        "username, Actors (by name) and tasks ({actor name: [task names]}) to create first, a seed "
        "file to load (relative to the test file), the seed of its Faker, outbound chaos rules and "
        "inbound faults (dicts, as handle.chaos() and handle.fault() take them), and Apify's rate limits.",
    )


def _settings(request: pytest.FixtureRequest) -> Settings:
    """The test's marker settings; markers closer to the test (function over class over module)
    win, key by key."""
    merged: dict[str, Any] = {}
    for mark in reversed(list(request.node.iter_markers(MARKER))):
        if mark.args:
            pytest.fail(
                f"@pytest.mark.{MARKER} takes keyword arguments only, e.g. "
                f"@pytest.mark.{MARKER}(username='jane', actors=['my-actor'])",
                pytrace=False,
            )
        merged |= mark.kwargs
    try:
        return Settings.from_kwargs(merged, request.path.parent)
    except TypeError as error:
        pytest.fail(f"@pytest.mark.{MARKER}: {error}", pytrace=False)


def _prepare(handle: MockApify, settings: Settings) -> None:
    for name in settings.actors:
        handle.add_actor(name)
    for actor_name, task_names in settings.tasks.items():
        if actor_name not in handle.actors:
            handle.add_actor(actor_name)
        for task_name in task_names:
            handle.add_task(actor_name, task_name)
    if settings.seed_file is not None:
        handle.load_seed(settings.seed_file)
    for rule in settings.chaos:
        handle.chaos(**rule)
    for fault in settings.faults:
        handle.fault(**fault)
    if settings.rate_limit:
        handle.rate_limit()


def _faker_seed(request: pytest.FixtureRequest, settings: Settings) -> int:
    if settings.faker_seed is not None:
        return settings.faker_seed
    return zlib.crc32(request.node.nodeid.encode())


@pytest.fixture(scope="session")
def mock_apify_config() -> Config:
    """The Config of the session emulator: in memory, no seed, virtual clock, a free port.
    Override this fixture (session scope) in a conftest.py to change it, e.g.
    `return Config(db=":memory:", port=0, no_seed=True, clock="virtual", delivery_timeout=5)`."""
    return Config(db=MEMORY_DB, port=0, no_seed=True, clock="virtual")


@pytest.fixture(scope="session")
def mock_apify_server(mock_apify_config: Config) -> Iterator[Any]:
    """The session's emulator (a `mock_apify.threaded.ThreadedEmulator`): started when a test
    first needs it, on its own loop in a background thread, stopped when the session ends. Any
    object with a `url` (an emulator's base URL) can stand in for it."""
    from .threaded import ThreadedEmulator

    with ThreadedEmulator(mock_apify_config) as running:
        yield running


@pytest.fixture(scope="session")
def _mock_apify_users(mock_apify_server: Any) -> UserPool:
    """Creates the per-test users of the session emulator, and keeps named ones for reuse."""
    return UserPool(str(mock_apify_server.url))


@pytest.fixture
def mock_apify(
    request: pytest.FixtureRequest, _mock_apify_users: UserPool, mock_apify_server: Any
) -> Iterator[MockApify]:
    """A fresh user and token on the session emulator, for this test only (`MockApify`): `url`,
    `token`, `client()`, `inbox(name)`, `advance()`, `settle()`, `add_actor()`, `add_task()`,
    `seed()`, `load_seed()`, `assert_delivered()`, `assert_not_delivered()`. Works from sync and
    async tests. Afterwards only this user's records and inboxes are wiped.
    Settings: @pytest.mark.mock_apify(username=, actors=, tasks=, seed_file=, faker_seed=, chaos=,
    faults=, rate_limit=)."""
    settings = _settings(request)
    user = _mock_apify_users.take(settings.username)
    handle = MockApify(str(mock_apify_server.url), user, faker_seed=_faker_seed(request, settings))
    try:
        _prepare(handle, settings)
        yield handle
    finally:
        _close(handle, _mock_apify_users)
        _mock_apify_users.give_back(user, named=settings.username is not None)


def _close(handle: MockApify, users: UserPool) -> None:
    """Wipe the test's user; if it is gone, a full reset deleted the pool's users as well."""
    try:
        handle.close()
    except MockApifyError as error:
        if error.status == 404:
            users.forget()
        raise


@pytest.fixture
def mock_apify_app_config(mock_apify_config: Config) -> Config:
    """The Config of `mock_apify_app`'s emulator: the session's, always in memory (it is a fresh
    emulator per test). Override it to change only the in-process emulator."""
    return replace(mock_apify_config, db=MEMORY_DB, port=0)


@_async_fixture
async def mock_apify_app(
    request: pytest.FixtureRequest, mock_apify_app_config: Config
) -> AsyncIterator[AsyncMockApify]:
    """A fresh emulator of this test alone, served by the test's own event loop (aiohttp
    `TestServer` on 127.0.0.1), for pytest-aiohttp / pytest-asyncio tests that want it in-process.
    Yields an `AsyncMockApify`: the `mock_apify` handle's methods as coroutines (await them), since
    a blocking call would stop the loop that serves the emulator. Same marker settings."""
    from aiohttp.test_utils import TestServer

    from .app import create_app

    settings = _settings(request)
    server = TestServer(create_app(mock_apify_app_config), host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url("")).rstrip("/")
        pool = UserPool(url, ahead=1)  # one test's emulator: no user to make ahead
        user = await asyncio.to_thread(pool.take, settings.username)
        handle = MockApify(url, user, faker_seed=_faker_seed(request, settings))
        await asyncio.to_thread(_prepare, handle, settings)
        yield AsyncMockApify(handle, in_loop=True)
    finally:
        await server.close()
