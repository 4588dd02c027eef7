"""The promise "a slow receiver delays no one else", as stated: with sixty deliveries hanging at
one receiver (far more than the delivery slots), another user's delivery and the same user's
delivery to another receiver arrive at once, not after the hung attempts time out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import MEMORY_DB
from receivers import Receiver

HUNG = 60
TIMEOUT = 30.0  # longer than the test waits: a healthy delivery behind the hung ones would fail it


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, delivery_timeout=TIMEOUT)


class Hanging:
    """A receiver that never answers until released; counts the requests it holds at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.holding = 0
        self.most_held = 0
        self.server: TestServer | None = None

    async def _hang(self, request: web.Request) -> web.Response:
        self.holding += 1
        self.most_held = max(self.most_held, self.holding)
        try:
            await self.release.wait()
        finally:
            self.holding -= 1
        return web.Response()

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self._hang)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return str(self.server.make_url("/hook"))


@pytest.fixture
async def hanging() -> AsyncIterator[Hanging]:
    receiver = Hanging()
    yield receiver
    receiver.release.set()
    assert receiver.server is not None
    await receiver.server.close()


async def test_a_slow_receiver_delays_no_one_else(api: Api, hanging: Hanging, receiver: Receiver) -> None:
    hung_url = await hanging.start()
    slow_user = await api.new_user()
    slow_actor = await api.create_actor(token=slow_user["token"])
    for n in range(HUNG):
        fields = webhook_fields(slow_actor["id"], requestUrl=f"{hung_url}?n={n}")
        hook = await api.create_webhook(token=slow_user["token"], **fields)
        await api.test_webhook(hook["id"], token=slow_user["token"])
    await asyncio.sleep(0.5)  # the hung attempts take what slots they may
    assert hanging.most_held > 0

    other_actor = await api.create_actor()  # the default user's
    other_hook = await api.create_webhook(**webhook_fields(other_actor["id"], requestUrl=receiver.url))
    await api.test_webhook(other_hook["id"])
    await asyncio.wait_for(receiver.arrived.wait(), timeout=TIMEOUT / 3)

    receiver.arrived.clear()
    same_user_hook = await api.create_webhook(
        token=slow_user["token"], **webhook_fields(slow_actor["id"], requestUrl=receiver.url + "?same-user")
    )
    await api.test_webhook(same_user_hook["id"], token=slow_user["token"])
    await asyncio.wait_for(receiver.arrived.wait(), timeout=TIMEOUT / 3)
    assert [r.path for r in receiver.received] == ["/hook", "/hook?same-user"]
    assert hanging.most_held <= Config().max_deliveries_per_host
