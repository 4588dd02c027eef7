"""Writes that fail at the COMMIT (a full disk, an I/O error), injected into the real connection:
requests get Apify's error envelope with the reason, the log says it once per outage, and a
delivery whose attempt could not be recorded is not repeated faster than its retry schedule."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from conftest import Api, webhook_fields
from mock_apify import Config, create_app
from mock_apify.app import EMULATOR_KEY
from mock_apify.config import MEMORY_DB

FULL = "database or disk is full"


class FailingCommits:
    """The emulator's connection, with COMMIT failing while `failing` is set, as on a full disk."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self.failing = False

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if self.failing and sql == "COMMIT":
            raise sqlite3.OperationalError(FULL)
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


class Emulated:
    def __init__(self, api: Api, connection: FailingCommits) -> None:
        self.api = api
        self.connection = connection


@pytest.fixture
async def emulated() -> AsyncIterator[Emulated]:
    config = Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual", retry_base_delay=60)
    app = create_app(config)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    db = app[EMULATOR_KEY].storage.db
    connection = FailingCommits(db.conn)
    db.conn = connection  # type: ignore[assignment]
    async with aiohttp.ClientSession() as session:
        yield Emulated(Api(session, str(server.make_url("")).rstrip("/")), connection)
    db.conn = connection._connection
    await server.close()


async def test_a_failed_write_answers_apifys_envelope_logs_once_and_stores_nothing(
    emulated: Emulated, caplog: pytest.LogCaptureFixture
) -> None:
    api = emulated.api
    actor = await api.create_actor()
    emulated.connection.failing = True
    with caplog.at_level(logging.INFO, logger="mock_apify"):
        for _ in range(5):
            status, body, _ = await api.call("POST", "/v2/webhooks", json=webhook_fields(actor["id"]))
            assert status == 500
            assert body["error"]["type"] == "internal-server-error"
            assert FULL in body["error"]["message"] and "nothing was stored" in body["error"]["message"]
        emulated.connection.failing = False
        await api.create_webhook(**webhook_fields(actor["id"]))
    status, body, _ = await api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 1
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and FULL in errors[0].getMessage()
    assert any("works again" in record.getMessage() for record in caplog.records)


async def test_a_delivery_whose_attempt_cannot_be_recorded_waits_for_its_retry(emulated: Emulated) -> None:
    arrivals: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        arrivals.append(request.headers["X-Apify-Webhook-Dispatch-Id"])
        if len(arrivals) == 1:
            emulated.connection.failing = True  # recording this attempt will fail at its COMMIT
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    receiver = TestServer(app, host="127.0.0.1")
    await receiver.start_server()
    api = emulated.api
    try:
        actor = await api.create_actor()
        hook = await api.create_webhook(
            **webhook_fields(actor["id"], requestUrl=str(receiver.make_url("/hook")))
        )
        dispatch = await api.test_webhook(hook["id"])
        await asyncio.sleep(1.0)  # the unrecorded dispatch stays "due now" in the database
        assert arrivals == [dispatch["id"]]
        emulated.connection.failing = False
        status, body, _ = await api.call("POST", "/_mock/clock/advance", json={"seconds": 59}, auth=False)
        assert status == 200, body
        await asyncio.sleep(0.3)
        assert len(arrivals) == 1  # not before its first retry, 60 s after the attempt
        await api.call("POST", "/_mock/clock/advance", json={"seconds": 1}, auth=False)
        settled = await api.settle()
        assert settled["pending"] == 0, settled
        assert arrivals == [dispatch["id"]] * 2
        stored = await api.dispatch(dispatch["id"])
        assert stored["status"] == "SUCCEEDED" and len(stored["calls"]) == 1
    finally:
        emulated.connection.failing = False
        await receiver.close()
