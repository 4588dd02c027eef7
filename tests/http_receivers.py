"""Webhook receivers on threads (the standard library's HTTP server on 127.0.0.1), for the CLI
commands that block while they deliver: each answers POSTs through a function of the request,
records what arrived, and serves what it acted on at GET /effects, as a user's app might."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def dispatch_id(self) -> str:
        return self.headers["X-Apify-Webhook-Dispatch-Id"]


# What a receiver answers: a status, and optionally seconds to wait first and a Location.
Answer = tuple[int, float, str | None]
Behaviour = Callable[["Receiver", Request], Answer]


@dataclass
class Receiver:
    behaviour: Behaviour
    received: list[Request] = field(default_factory=list)
    effects: list[str] = field(default_factory=list)  # the dispatch IDs acted on
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, request: Request) -> bool:
        """Whether an earlier request carried the same dispatch ID."""
        return any(r.dispatch_id == request.dispatch_id for r in self.received[:-1])


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request = Request(self.path, dict(self.headers.items()), body)
            with receiver.lock:
                receiver.received.append(request)
                status, delay, location = receiver.behaviour(receiver, request)
            time.sleep(delay)
            self._answer(status, b"thanks", location)

        def do_GET(self) -> None:
            with receiver.lock:
                self._answer(200, json.dumps(receiver.effects).encode(), None)

        def _answer(self, status: int, body: bytes, location: str | None) -> None:
            try:
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the emulator gave up waiting (a timeout): nobody reads the answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(behaviour: Behaviour) -> Iterator[Receiver]:
    receiver = Receiver(behaviour)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def well_behaved(receiver: Receiver, request: Request) -> Answer:
    """Answers 200 at once, and acts on each dispatch once (idempotent, keyed by dispatch ID)."""
    if not receiver.seen(request):
        receiver.effects.append(request.dispatch_id)
    return 200, 0.0, None
