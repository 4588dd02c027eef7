"""Seed users are checked as the API checks users: a 17-character alphanumeric id like every Apify
id, a username by Apify's rules, a token that fits in a header. A bad seed file stops the
standalone process with one line naming the file, the record and the field, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from conftest import Api
from mock_apify import Config, create_app
from mock_apify.config import MEMORY_DB
from mock_apify.services.seeding import SeedError

GOOD_USER: dict[str, Any] = {"id": "SeedUserId0000001", "username": "jane", "token": "apify_api_jane"}


HOOK = {"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "requestUrl": "http://127.0.0.1/x"}


def _user(**changes: Any) -> dict[str, Any]:
    return {"users": [GOOD_USER | changes]}


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


BAD_SEEDS: dict[str, tuple[Any, str]] = {
    "short id": (_user(id="x"), "users[0]: Invalid value provided in id"),
    "id of 18": (_user(id="A" * 18), "users[0]: Invalid value provided in id"),
    "id not a string": (_user(id=5), "users[0]: Invalid value provided in id"),
    "path in username": (_user(username="../../etc"), "users[0]: Invalid value provided in username"),
    "username too short": (_user(username="jo"), "users[0]: Invalid value provided in username"),
    "username too long": (_user(username="j" * 31), "users[0]: Invalid value provided in username"),
    "username like an id": (
        _user(username="JaneDoe0123456789"),
        "users[0]: Invalid value provided in username",
    ),
    "empty token": (_user(token=""), "users[0]: Invalid value provided in token"),
    "token with a space": (_user(token="apify api"), "users[0]: Invalid value provided in token"),
    "missing username": (
        {"users": [{"id": "SeedUserId0000001", "token": "t"}]},
        "Field username is required",
    ),
    "unknown field": (_user(password="x"), "users[0]: Invalid input"),
    "user not an object": ({"users": ["jane"]}, "users[0]: Invalid value provided in input"),
    "users not a list": ({"users": {"jane": {}}}, '"users" array'),
    "file not an object": ([GOOD_USER], '"users" array'),
    "actor id": (
        _user(actors=[{"id": "x", "name": "my-actor"}]),
        "users[0]: Invalid value provided in actors[0].id",
    ),
    "task id": (
        _user(
            actors=[{"id": "SeedActorId000001", "name": "my-actor", "tasks": [{"id": "../t", "name": "t"}]}]
        ),
        "users[0]: Invalid value provided in actors[0].tasks[0].id",
    ),
    "webhook without id": (
        _user(webhooks=[{"eventTypes": ["TEST"], "condition": {}, "requestUrl": "http://127.0.0.1/x"}]),
        "Field webhooks[0].id is required",
    ),
    "webhook on an Actor not in the file": (
        _user(
            actors=[{"id": "SeedActorId000001", "name": "my-actor"}],
            webhooks=[{"id": "SeedWebhook000001", **HOOK, "condition": {"actorId": "abc"}}],
        ),
        'users[0].webhooks[0].condition.actorId: no Actor "abc" of this user in this file',
    ),
    "webhook on an Actor of another user": (
        {
            "users": [
                GOOD_USER | {"actors": [{"id": "SeedActorId000001", "name": "my-actor"}]},
                {"id": "SeedUserId0000002", "username": "john", "token": "apify_api_john"}
                | {
                    "webhooks": [
                        {"id": "SeedWebhook000001", **HOOK, "condition": {"actorId": "SeedActorId000001"}}
                    ]
                },
            ]
        },
        'users[1].webhooks[0].condition.actorId: no Actor "SeedActorId000001" of this user in this file',
    ),
    "webhook on a task not in the file": (
        _user(
            webhooks=[{"id": "SeedWebhook000001", **HOOK, "condition": {"actorTaskId": "SeedTaskId0000001"}}]
        ),
        'users[0].webhooks[0].condition.actorTaskId: no task "SeedTaskId0000001" of this user in this file',
    ),
    "two Actors with one id": (
        _user(
            actors=[{"id": "SeedActorId000001", "name": "one"}, {"id": "SeedActorId000001", "name": "two"}]
        ),
        'users[0].actors[1].id: "SeedActorId000001" is the id of another record of this seed',
    ),
    "two webhooks with one id": (
        _user(
            actors=[{"id": "SeedActorId000001", "name": "my-actor"}],
            webhooks=[
                {"id": "SeedWebhook000001", **HOOK, "condition": {"actorId": "SeedActorId000001"}},
                {"id": "SeedWebhook000001", **HOOK, "condition": {"actorId": "SeedActorId000001"}},
            ],
        ),
        'users[0].webhooks[1].id: "SeedWebhook000001" is the id of another record of this seed',
    ),
    "a task with an Actor's id": (
        _user(
            actors=[{"id": "SeedActorId000001", "name": "my-actor", "tasks": [{"id": "SeedActorId000001"}]}]
        ),
        'users[0].actors[0].tasks[0].id: "SeedActorId000001" is the id of another record of this seed',
    ),
    "task input too deep": (
        _user(
            actors=[
                {
                    "id": "SeedActorId000001",
                    "name": "my-actor",
                    "tasks": [{"id": "SeedTaskId0000001", "name": "t", "input": {"a": _deep(300)}}],
                }
            ]
        ),
        "actors[0].tasks[0]: Request body is nested too deeply",
    ),
    "behaviour too deep": (
        _user(
            actors=[
                {
                    "id": "SeedActorId000001",
                    "name": "my-actor",
                    "behaviour": {"run": {"status": "SUCCEEDED", "items": _deep(300)}},
                }
            ]
        ),
        "actors[0].behaviour: Request body is nested too deeply",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SEEDS))
async def test_bad_seed_users_stop_start_up(tmp_path: Path, case: str) -> None:
    data, expected = BAD_SEEDS[case]
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(data))
    server = TestServer(create_app(Config(db=MEMORY_DB, port=0, seed=seed)), host="127.0.0.1")
    with pytest.raises(SeedError) as refused:
        await server.start_server()
    await server.close()
    assert str(refused.value).startswith(f"{seed}: "), refused.value
    assert expected in str(refused.value)


@pytest.mark.parametrize(
    "case",
    [
        "path in username",
        "user not an object",
        "task input too deep",
        "webhook on an Actor not in the file",
        "two webhooks with one id",
    ],
)
def test_the_standalone_process_says_so_in_one_line(tmp_path: Path, case: str) -> None:
    data, expected = BAD_SEEDS[case]
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(data))
    result = subprocess.run(
        [sys.executable, "-m", "mock_apify", "--port", "0", "--db", ":memory:", "--seed", str(seed)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"mock-apify: {seed}: "), result.stderr
    assert expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("abc", 201),
        ("a" * 30, 201),
        ("Jane.Doe_the-2nd", 201),
        ("ab", 400),
        ("a" * 31, 400),
        ("../../etc", 400),
        ("jane doe", 400),
        ("JaneDoe0123456789", 400),  # 17 letters and digits: an id, not a username
        ("anonymous", 400),
        ("Anonymous", 400),
    ],
)
async def test_mock_users_follow_the_same_username_rules(api: Api, username: str, status: int) -> None:
    got, body, _ = await api.call("POST", "/_mock/users", json={"username": username}, auth=False)
    assert got == status, body
    if status == 400:
        assert body["error"]["type"] == "schema-validation" and "username" in body["error"]["message"]
    else:
        assert body["data"]["username"] == username
