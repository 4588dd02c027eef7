"""Crash safety: a standalone emulator killed with SIGKILL under write load loses nothing it
acknowledged: every webhook whose 201 arrived exists after a restart, and every dispatch whose
201 arrived is delivered (at least once)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from mock_apify.config import DEFAULT_TOKEN

KILLS = 4
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _start(db: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: ASYNC220 - Popen returns at once; the readiness wait below is async
        [
            sys.executable,
            "-m",
            "mock_apify",
            "--port",
            str(port),
            "--db",
            str(db),
            "--no-seed",
            "--quiet",
            "--retry-base-delay",
            "0.05",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MOCK_APIFY_MAX_WEBHOOKS_PER_USER": "100000"},
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(f"http://127.0.0.1:{port}/_mock/health") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError("the emulator did not start")


async def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    delivered: set[str] = set()

    async def receive(request: web.Request) -> web.Response:
        await request.read()
        delivered.add(request.headers["X-Apify-Webhook-Dispatch-Id"])
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    receiver = TestServer(app, host="127.0.0.1")
    await receiver.start_server()
    db, port = tmp_path / "crash.db", _free_port()
    url = f"http://127.0.0.1:{port}"
    acknowledged_webhooks: set[str] = set()
    acknowledged_dispatches: set[str] = set()
    rng = random.Random(20261127)
    try:
        process = await _start(db, port)
        async with aiohttp.ClientSession(headers=AUTH) as session:
            async with session.post(f"{url}/v2/actors", json={"name": "crashy"}) as response:
                actor_id = (await response.json())["data"]["id"]
            hook_url = str(receiver.make_url("/hook"))

            async def load() -> None:
                n = 0
                while True:
                    n += 1
                    try:
                        async with session.post(
                            f"{url}/v2/webhooks",
                            json={
                                "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
                                "condition": {"actorId": actor_id},
                                "requestUrl": hook_url,
                                "description": f"n{n}",
                            },
                        ) as response:
                            if response.status == 201:
                                webhook = (await response.json())["data"]
                                acknowledged_webhooks.add(webhook["id"])
                            else:
                                continue
                        async with session.post(f"{url}/v2/webhooks/{webhook['id']}/test") as response:
                            if response.status == 201:
                                acknowledged_dispatches.add((await response.json())["data"]["id"])
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.01)  # the emulator is down; the test restarts it

            for _ in range(KILLS):
                workers = [asyncio.create_task(load()) for _ in range(8)]
                await asyncio.sleep(rng.uniform(0.3, 1.2))
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                for worker in workers:
                    worker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                process = await _start(db, port)

            missing_webhooks = set()
            for webhook_id in acknowledged_webhooks:
                async with session.get(f"{url}/v2/webhooks/{webhook_id}") as response:
                    if response.status != 200:
                        missing_webhooks.add(webhook_id)
            assert not missing_webhooks
            for _ in range(600):  # up to 30 s for the resumed dispatches to arrive
                if acknowledged_dispatches <= delivered:
                    break
                await asyncio.sleep(0.05)
            assert acknowledged_dispatches - delivered == set()
            assert len(acknowledged_webhooks) > KILLS * 10 and len(acknowledged_dispatches) > KILLS * 5
            print(  # the figures for the record (pytest -s)
                f"{KILLS} kills survived; {len(acknowledged_webhooks)} acknowledged webhooks all present;"
                f" {len(acknowledged_dispatches)} acknowledged dispatches all delivered"
            )
        process.terminate()
        process.wait(timeout=10)
    finally:
        await receiver.close()
