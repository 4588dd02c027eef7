"""Records made up front: `seed()`, realistic ones from the test's Faker, and `load_seed()`, a seed
file loaded by the emulator itself (`POST /_mock/users/{userId}/seed`), so that the server's loader
is the only one."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .client import Call, MockApifyError, Record
from .operations import Op
from .session import INBOX_NAME, Session

_INBOX_PATH = "/_mock/inboxes/"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SeedFileError(ValueError):
    """A seed file that `load_seed` cannot load; the message names the file and the record."""


@dataclass(frozen=True)
class Seeded:
    """What `MockApify.seed()` created."""

    actors: list[Record]
    tasks: list[Record]


def seed(session: Session, /, actors: int = 2, tasks_per_actor: int = 1) -> Op[Seeded]:
    """Create `actors` Actors with realistic names, titles and descriptions, each with
    `tasks_per_actor` tasks, from the test's seeded Faker (so runs repeat)."""
    fake = session.faker
    made = Seeded([], [])
    for _ in range(actors):
        name = _fresh_name("-".join(fake.words(2)).lower() + "-scraper", session.actors)
        actor = yield from session.add_actor(name, title=fake.catch_phrase(), description=fake.sentence())
        made.actors.append(actor)
        task_names: set[str] = set()
        for _ in range(tasks_per_actor):
            task_name = _fresh_name(f"{name}-{fake.word().lower()}", task_names)
            task_names.add(task_name)
            made.tasks.append((yield from session.add_task(actor, task_name, input={"query": fake.word()})))
    return made


def _fresh_name(name: str, taken: Iterable[str]) -> str:
    used = set(taken)
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}-{n}", n + 1
    return candidate


def load_seed(session: Session, /, path: str | Path, *, username: str | None = None) -> Op[dict[str, str]]:
    """Load a seed file (the server's format, see docs/server.md, "Seed files") into the test's user.

    The emulator makes the records under fresh ids, so the file's ids never clash with another
    test's: the answer maps each id of the file (users, Actors, tasks, webhooks) to the id of the
    record made from it, and webhook conditions follow. A `requestUrl` pointing at an emulator
    inbox (`…/_mock/inboxes/NAME`) is pointed at this test's inbox `NAME`. Every user of the file
    is loaded, or only the one with `username` (or id) `username`."""
    source = Path(path)
    try:
        data = json.loads(source.read_bytes())
    except (OSError, ValueError) as error:
        raise SeedFileError(f"{source}: cannot read seed file: {error}") from None
    _point_at_own_inboxes(session, data)
    params = {"username": username} if username is not None else None
    try:
        answer = yield Call("POST", f"/_mock/users/{session.user_id}/seed", data, params=params)
    except MockApifyError as error:
        if error.status != 400:
            raise
        raise SeedFileError(f"{source}: {error.message}") from None
    ids: dict[str, str] = answer["data"]["ids"]
    for actor_id in _seeded_actor_ids(data, ids, username):
        actor = (yield Call("GET", f"/v2/acts/{actor_id}", token=session.token))["data"]
        session.actors[actor["name"]] = actor  # so start_run("crawler") finds it, as for add_actor
    return ids


def _seeded_actor_ids(seed: Any, ids: dict[str, str], username: str | None) -> list[str]:
    """The new ids of the Actors the seed made (of the one user asked for, if any)."""
    users = _objects(seed.get("users") if isinstance(seed, dict) else None)
    chosen = [u for u in users if username is None or username in (u.get("username"), u.get("id"))]
    return [ids[a["id"]] for u in chosen for a in _objects(u.get("actors")) if a.get("id") in ids]


def _point_at_own_inboxes(session: Session, seed: Any) -> None:
    """Point each webhook of the seed that calls an inbox of a local emulator at the test's own
    inbox of that name (inboxes are namespaced per test)."""
    for user in _objects(seed.get("users") if isinstance(seed, dict) else None):
        for webhook in _objects(user.get("webhooks")):
            url = webhook.get("requestUrl")
            if isinstance(url, str) and (name := _local_inbox(url)):
                webhook["requestUrl"] = session.mailbox(name).url


def _local_inbox(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in _LOOPBACK or not parts.path.startswith(_INBOX_PATH):
        return None
    name = urllib.parse.unquote(parts.path.removeprefix(_INBOX_PATH))
    return name if INBOX_NAME.match(name) else None


def _objects(value: Any) -> list[Record]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
