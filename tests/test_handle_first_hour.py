"""What a new user met in their first hour with the handle ("The first hour"), each as they saw it
and as it behaves now."""

from __future__ import annotations

import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from mock_apify.testing import CalledFromEventLoopError, MockApify


async def test_a_blocking_wait_on_the_tests_own_loop_fails_at_once(mock_apify: MockApify) -> None:
    # Before: settle() blocked the loop serving the receiver, waited 30 s and returned False.
    async def receive(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    async with TestServer(app, host="127.0.0.1") as server:
        webhook = mock_apify.add_webhook(
            str(server.make_url("/hook")), "ACTOR.RUN.FAILED", actor=mock_apify.add_actor()
        )
        mock_apify.test_webhook(webhook)  # quick blocking calls still work on the loop
        started = time.monotonic()
        with pytest.raises(CalledFromEventLoopError) as refused:
            mock_apify.settle()
        assert str(refused.value).startswith(
            "settle() called from a running event loop: use `await mock_apify.aio.settle(...)`"
        )
        with pytest.raises(
            CalledFromEventLoopError, match=r"^assert_delivered\(\) called .*aio\.assert_delivered"
        ):
            mock_apify.assert_delivered(mock_apify.inbox(), "TEST")
        assert time.monotonic() - started < 5
        assert await mock_apify.aio.settle() is True
    [dispatch] = mock_apify.dispatches()
    assert dispatch["status"] == "SUCCEEDED"
