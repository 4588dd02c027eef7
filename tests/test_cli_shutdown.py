"""Ctrl-C on the standalone process: the first SIGINT says what it waits for and what it cuts
short, and stops within a second or two (a delivery to a receiver that hangs is cut, and tried
again at the next start); a second SIGINT quits at once."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from processes import get, post, signal_and_wait, start, stop


class _Hangs:
    """A receiver whose first request hangs until the test ends; later ones get 200."""

    def __init__(self) -> None:
        self.requests = 0
        self.first = threading.Event()
        self.second = threading.Event()
        self.release = threading.Event()


@pytest.fixture
def receiver() -> Iterator[tuple[_Hangs, str]]:
    state = _Hangs()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            state.requests += 1
            if state.requests == 1:
                state.first.set()
                state.release.wait(30)
            else:
                state.second.set()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def test_sigint_cuts_a_hanging_delivery_says_so_and_the_restart_delivers_it(
    tmp_path: Path, receiver: tuple[_Hangs, str]
) -> None:
    state, hook = receiver
    db = str(tmp_path / "stop.db")
    process, url, _ = start("--port", "0", "--db", db, "--no-seed", "--quiet")
    try:
        actor = post(f"{url}/v2/acts", {"name": "my-actor"})["data"]
        webhook = post(
            f"{url}/v2/webhooks",
            {
                "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
                "condition": {"actorId": actor["id"]},
                "requestUrl": hook,
            },
        )["data"]
        dispatch = post(f"{url}/v2/webhooks/{webhook['id']}/test", None)["data"]
        assert state.first.wait(10), "the delivery never arrived"
    finally:
        _, err = signal_and_wait(process, signal.SIGINT, within=3)
    assert process.returncode == 0, err
    assert err.splitlines() == [
        "mock-apify: stopping; cutting 1 delivery in flight, tried again at the next start"
        " (Ctrl-C again to quit at once)"
    ], err

    process, url, _ = start("--port", "0", "--db", db, "--no-seed", "--quiet")
    try:
        assert state.second.wait(10), "the cut delivery was not tried again after the restart"
        for _ in range(100):
            if (found := get(f"{url}/v2/webhook-dispatches/{dispatch['id']}")["data"])["status"] != "ACTIVE":
                break
            time.sleep(0.1)
        assert found["status"] == "SUCCEEDED", found
        assert [call["responseStatus"] for call in found["calls"]] == [200]
    finally:
        stop(process, signal.SIGTERM)


def test_a_second_sigint_quits_at_once() -> None:
    """A request still in progress holds a clean stop up to the shutdown timeout (here 30 s):
    the first SIGINT says so, the second quits without waiting."""
    process, url, _ = start(
        "--port", "0", "--db", ":memory:", "--quiet", env={"MOCK_APIFY_SHUTDOWN_TIMEOUT": "30"}
    )
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as client:
        client.sendall(
            b"POST /_mock/inboxes/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"
        )
        time.sleep(0.5)  # the handler is reading the body that never comes
        process.send_signal(signal.SIGINT)
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=1.5)
        _, err = signal_and_wait(process, signal.SIGINT, within=2)
    assert process.returncode == 128 + signal.SIGINT
    assert err.splitlines() == [
        "mock-apify: stopping; waiting up to 30 s for 1 request in progress (Ctrl-C again to quit at once)",
        "mock-apify: quitting at once",
    ], err


def test_sigint_does_not_wait_for_an_inbox_delay() -> None:
    """The built-in inbox set to a 20 s delay: the delay ends with the stop, and so does the process."""
    process, url, _ = start("--port", "0", "--db", ":memory:", "--no-seed", "--quiet")
    try:
        post(f"{url}/_mock/inboxes/slow", {"delayMs": 20000}, method="PUT")
        actor = post(f"{url}/v2/acts", {"name": "my-actor"})["data"]
        webhook = post(
            f"{url}/v2/webhooks",
            {
                "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
                "condition": {"actorId": actor["id"]},
                "requestUrl": f"{url}/_mock/inboxes/slow",
            },
        )["data"]
        post(f"{url}/v2/webhooks/{webhook['id']}/test", None)
        for _ in range(100):
            if get(f"{url}/_mock/inboxes/slow")["data"]["total"]:
                break
            time.sleep(0.1)
    finally:
        _, err = signal_and_wait(process, signal.SIGINT, within=3)
    assert process.returncode == 0, err
    assert err.startswith("mock-apify: stopping; ") and "cutting 1 delivery in flight" in err, err
