"""Records live in SQLite and survive a restart of the emulator."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from conftest import Api, webhook_fields
from mock_apify import Config, create_app


async def _serve(config: Config) -> tuple[TestServer, str]:
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    return server, str(server.make_url("")).rstrip("/")


async def test_records_survive_a_restart(tmp_path: Path) -> None:
    config = Config(db=str(tmp_path / "state.db"), port=0, no_seed=True)
    server, url = await _serve(config)
    async with aiohttp.ClientSession() as session:
        api = Api(session, url)
        user = await api.new_user()
        actor = await api.create_actor()
        webhook = await api.create_webhook(**webhook_fields(actor["id"], idempotencyKey="k"))
    await server.close()

    server, url = await _serve(config)
    async with aiohttp.ClientSession() as session:
        api = Api(session, url)
        status, body, _ = await api.call("GET", f"/v2/webhooks/{webhook['id']}")
        assert status == 200 and body["data"] == webhook
        status, body, _ = await api.call("GET", "/v2/webhooks", token=user["token"])
        assert status == 200
        # The idempotency key is remembered too.
        again = await api.create_webhook(**webhook_fields(actor["id"], idempotencyKey="k"))
        assert again["id"] == webhook["id"]
        # The webhook count (kept in memory while running) is counted afresh from the table.
        _, body, _ = await api.call("GET", "/v2/webhooks")
        assert body["data"]["total"] == 1
    await server.close()


async def test_seed_is_loaded_once_into_a_fresh_database(tmp_path: Path) -> None:
    config = Config(db=str(tmp_path / "seeded.db"), port=0)
    server, url = await _serve(config)
    async with aiohttp.ClientSession() as session:
        api = Api(session, url)
        _, body, _ = await api.call("GET", "/v2/webhooks")
        seeded = body["data"]["total"]
        assert seeded >= 1
        await api.call("DELETE", f"/v2/webhooks/{body['data']['items'][0]['id']}")
    await server.close()
    server, url = await _serve(config)
    async with aiohttp.ClientSession() as session:
        _, body, _ = await Api(session, url).call("GET", "/v2/webhooks")
        assert body["data"]["total"] == seeded - 1
    await server.close()
