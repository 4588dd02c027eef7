"""How a session's costs grow with the users it has made (issue 17, section 3): a long xdist run
makes one user per test, and never deletes one. Measured on one standalone emulator with a file
database, first with 10 users, then again after 10^5 (every 100th holding records: an Actor with a
behaviour, a run with dataset items, a webhook and its dispatch, so the other users' records are
there to be skipped):

- the per-test user: what the plugin pays per test, a 16th of `POST /_mock/users/batch` and one
  `POST /_mock/reset {userId, inboxes}`;
- the reset of one user holding records, alone;
- the database file (with its WAL) per user made."""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

AHEAD = 16


def _call(url: str, method: str = "GET", body: Any = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw)["data"] if raw else None


def _users(url: str, count: int) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    while len(made) < count:
        wanted = min(100, count - len(made))
        made += _call(url + "/_mock/users/batch", "POST", {"count": wanted})["items"]
    return made


def _give_records(url: str, user: dict[str, Any]) -> None:
    """An Actor with a behaviour, a finished run with items, a webhook to an inbox and its dispatch."""
    token = user["token"]
    actor = _call(url + "/v2/actors", "POST", {"name": "grown"}, token)
    behaviour = {"run": {"status": "SUCCEEDED", "items": [{"n": n} for n in range(10)]}}
    _call(url + f"/_mock/actors/{actor['id']}/behaviour", "PUT", behaviour)
    hook = {
        "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
        "condition": {"actorId": actor["id"]},
        "requestUrl": f"{url}/_mock/inboxes/{user['id']}",
    }
    _call(url + "/v2/webhooks", "POST", hook, token)
    _call(url + f"/v2/actors/{actor['id']}/runs", "POST", {}, token)


def _per_test_user(url: str, rounds: int) -> float:
    """Milliseconds per test of the plugin's user: a 16th of a batch, and the teardown's reset."""
    start = time.perf_counter()
    for _ in range(rounds):
        for user in _users(url, AHEAD):
            _call(url + "/_mock/reset", "POST", {"userId": user["id"], "inboxes": [user["id"]]})
    return (time.perf_counter() - start) / (rounds * AHEAD) * 1000


def _reset_with_records(url: str, rounds: int) -> float:
    """Median milliseconds of the reset of one user that holds records."""
    spans = []
    for user in _users(url, rounds):
        _give_records(url, user)
        _call(url + "/_mock/dispatches/settle", "POST", {})
        start = time.perf_counter()
        _call(url + "/_mock/reset", "POST", {"userId": user["id"], "inboxes": [user["id"]]})
        spans.append((time.perf_counter() - start) * 1000)
    return statistics.median(spans)


def _file_bytes(db: Path) -> int:
    """The database file's size once the checkpointer (every half second) has folded the WAL in."""
    time.sleep(1.5)
    return db.stat().st_size


def measure(url: str, db: Path, users: int, rounds: int) -> dict[str, float]:
    """The figures at 10 users and after `users` more, and the file's bytes per user made."""
    _users(url, 10)
    _per_test_user(url, 2), _reset_with_records(url, 4)  # warm up: the first requests cost more
    figures = {"user_small": _per_test_user(url, rounds), "reset_small": _reset_with_records(url, rounds * 4)}
    before = _file_bytes(db)
    made = _users(url, users)
    figures["bytes_per_user"] = (_file_bytes(db) - before) / users
    for user in made[::100]:
        _give_records(url, user)
    _call(url + "/_mock/dispatches/settle", "POST", {})
    figures["user_large"] = _per_test_user(url, rounds)
    figures["reset_large"] = _reset_with_records(url, rounds * 4)
    return figures
