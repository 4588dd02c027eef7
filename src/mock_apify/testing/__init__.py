"""The per-test handle of the pytest plugin (see `mock_apify.pytest_plugin`): a user of its own on
an emulator, its inboxes, clock control, record helpers and assertions on deliveries.

It talks to the emulator over HTTP only. Each thing it does is written once, as a sans-IO
operation (`operations`), and run by two views: `MockApify` blocks (the standard library's
`http.client`, over a kept-alive connection; the session emulator runs on its own loop in another
thread, so even an async test cannot deadlock it), and `AsyncMockApify` awaits (aiohttp), for an emulator that runs on the test's
own loop (`mock_apify_app`) or a receiver that does.

Modules, from the bottom: `client` (HTTP), `operations` (the two drivers), `inbox`, `session`
(the user and its operations), `seeding`, `assertions`, `handle` (the two views); `users` and
`settings` serve the plugin.
"""

from __future__ import annotations

from .client import MockApifyError
from .handle import AsyncMockApify, MissingClientError, MockApify
from .inbox import AsyncInbox, Delivery, Inbox, Message
from .operations import CalledFromEventLoopError
from .seeding import Seeded, SeedFileError
from .settings import Settings
from .users import UserPool

__all__ = [
    "AsyncInbox",
    "AsyncMockApify",
    "CalledFromEventLoopError",
    "Delivery",
    "Inbox",
    "Message",
    "MissingClientError",
    "MockApify",
    "MockApifyError",
    "SeedFileError",
    "Seeded",
    "Settings",
    "UserPool",
]
