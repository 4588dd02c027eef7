"""`create_app(config)`: builds one emulator — document, router, storage, clock, handlers — and
the aiohttp application serving it. Nothing is global, so several emulators can share a process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from .clock import Clock, VirtualClock
from .config import Config
from .dispatcher import Dispatcher
from .handlers import HANDLERS
from .http import Handler, make_dispatch
from .lifecycle import Lifecycle
from .openapi import Operation, SchemaCheck, load_document, operations, path_aliases, pointer, ref, registry
from .routing import Router
from .seed import load_seed
from .storage import Storage, User

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")


class Emulator:
    """The state of one emulator and the services handlers reach through `call.emulator`."""

    def __init__(self, config: Config, document: dict[str, Any] | None = None) -> None:
        if config.clock not in ("real", "virtual"):
            raise ValueError(f"clock must be 'real' or 'virtual', not {config.clock!r}")
        self.config = config
        self.document = document if document is not None else load_document()
        self._schemas = registry(self.document)
        self.operations: dict[str, Operation] = {
            op.operation_id: op for op in operations(self.document, self._schemas)
        }
        missing = set(self.operations) ^ set(HANDLERS)
        if missing:
            raise RuntimeError(f"operations and handlers differ: {sorted(missing)}")
        self.handlers: dict[str, Handler] = HANDLERS
        self.router = Router(self.operations.values(), path_aliases(self.document))
        self._checks: dict[str, SchemaCheck] = {}
        self.clock: Clock = VirtualClock() if config.clock == "virtual" else Clock()
        self.storage = Storage(config.db)
        self.dispatcher = Dispatcher(self.storage, self.clock, config)
        self.lifecycle = Lifecycle(self.storage, self.clock, self.dispatcher, config.max_webhooks_per_user)
        self._seed()

    def schema_check(self, name: str) -> SchemaCheck:
        """A compiled validator for one of the document's component schemas (compiled once)."""
        if name not in self._checks:
            self._checks[name] = SchemaCheck(ref(pointer("components", "schemas", name)), self._schemas)
        return self._checks[name]

    def _seed(self) -> None:
        """The default user always exists; the seed file adds users and their records once."""
        config = self.config
        default = User(config.default_user_id, config.default_username, config.default_token)
        if self.storage.add_user(default, self.clock.now_iso()) and not config.no_seed:
            load_seed(self, config.seed)

    def reset(self) -> None:
        """Back to a freshly started emulator: everything wiped, the default user and seed restored."""
        self.storage.wipe_all()
        self._seed()

    def close(self) -> None:
        self.storage.close()


def create_app(config: Config | None = None) -> web.Application:
    emulator = Emulator(config or Config())
    # Bodies are decompressed by body.py, which bounds the output; aiohttp's own decoder would not.
    app = web.Application(
        client_max_size=emulator.config.max_body_bytes,
        # Long ids and tokens reach the handlers (and get Apify's 404/401) instead of aiohttp's
        # plain-text 400 for lines over 8 KiB.
        handler_args={"auto_decompress": False, "max_line_size": 65536, "max_field_size": 65536},
    )
    app[EMULATOR_KEY] = emulator
    # `[\s\S]`, not `.`: a decoded path may hold a newline (%0A), which `.` would not match.
    app.router.add_route("*", r"/{tail:[\s\S]*}", make_dispatch(emulator))

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await emulator.dispatcher.start()
        await emulator.lifecycle.start()
        yield
        await emulator.lifecycle.stop()
        await emulator.dispatcher.stop()
        emulator.close()

    app.cleanup_ctx.append(lifecycle)
    return app
